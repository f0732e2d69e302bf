/**
 * The README's setup: `npm install -g .` into a fresh prefix puts `memtree` and `memtreed` on
 * PATH. Offline: a folder install links the package (no registry, no download); the build is
 * the one `npm test` just made, so the package's scripts are not run again.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/paths.js';

/** npm as `npm test` runs it, else the one next to this node, else on PATH. */
function npmCommand(): { cmd: string; args: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && path.basename(execPath) === 'npm-cli.js') return { cmd: process.execPath, args: [execPath] };
  const beside = path.join(path.dirname(process.execPath), 'npm');
  return { cmd: fs.existsSync(beside) ? beside : 'npm', args: [] };
}

describe('install', () => {
  it('npm install -g --prefix FRESH . puts memtree and memtreed on PATH', () => {
    const prefix = tempDir('memtree-prefix-');
    const npm = npmCommand();
    // The npm cache stays the user's; only the prefix is new.
    const install = spawnSync(
      npm.cmd,
      [...npm.args, 'install', '--global', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', ROOT],
      { encoding: 'utf8', env: { ...process.env, npm_config_prefix: prefix } },
    );
    expect(install.status, install.stderr).toBe(0);
    const bin = path.join(prefix, 'bin');
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    // Found through PATH like a user's shell finds them, from a directory outside the checkout.
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}` };
    for (const name of ['memtree', 'memtreed']) {
      const r = spawnSync('sh', ['-c', `command -v ${name} && ${name} --version`], { encoding: 'utf8', env, cwd: prefix });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${path.join(bin, name)}\n${name} ${version}\n`);
    }
  });
});
