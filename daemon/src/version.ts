/** The package version, read once from package.json. */
import * as fs from 'node:fs';

function read(): string {
  // dist/daemon/src/version.js and daemon/src/version.ts both sit under the package root.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      return (JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // Try the next layout.
    }
  }
  return '0.0.0';
}

export const VERSION = read();
