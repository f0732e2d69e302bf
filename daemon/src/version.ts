/** The package version, read once from package.json. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The nearest package.json upwards: works from sources, compiled modules and the bundle. */
function read(): string {
  let dir = import.meta.dirname;
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return '0.0.0';
    dir = path.dirname(dir);
  }
}

export const VERSION = read();
