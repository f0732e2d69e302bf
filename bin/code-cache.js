// Runs a CommonJS bundle of dist/ with its compiled code kept in a V8 code cache beside it
// (`<bundle>.cache`): compiling a bundle of several hundred KB was a third of a client's own
// start-up CPU (~30 of ~95 ms, the rest is Node itself), and a cold `memtree tree` also waits
// for memtreed to compile its bundle. Node 20 has no module.enableCompileCache (Node 22), so
// this is vm.Script's cachedData, the same mechanism. The cache is written when it was missing
// or V8 refused it (another Node, other flags), at a moment the caller chooses. It is keyed to
// the bundle file (size, mtime, inode), because V8's own check of the source is its length
// alone, and carries a SHA-256 of its data, because V8 does not verify the data: a damaged
// cache aborts the process. A cache that is missing, stale, damaged or refused means a normal
// compile, never a failure. A script from a code cache loses its import() loader: the bundles
// require their externals (client/bundle.mjs and daemon/bundle.mjs check).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');
const { createHash } = require('node:crypto'); // loaded by the bundles anyway

/**
 * Runs `file`; `whenToWrite(write)` is called when the cache should be (re)written, to call
 * `write` at a moment when the compiled code is worth keeping.
 */
module.exports = function runCached(file, whenToWrite) {
  const cacheFile = `${file}.cache`;
  const fd = fs.openSync(file, 'r');
  const st = fs.fstatSync(fd); // of the very file read (a rebuild may replace it meanwhile)
  const source = fs.readFileSync(fd, 'utf8');
  fs.closeSync(fd);
  const key = Buffer.from(`memtree code cache ${process.version} ${process.arch} ${st.size} ${st.mtimeMs} ${st.ino} `);
  const digest = (data) => createHash('sha256').update(data).digest('hex');
  let cachedData;
  try {
    // `<key><sha256 of the data>\n<data>`
    const c = fs.readFileSync(cacheFile);
    const data = c.subarray(key.length + 65);
    if (c.subarray(0, key.length).equals(key) && c.toString('latin1', key.length, key.length + 65) === `${digest(data)}\n`) cachedData = data;
  } catch {
    // None yet, or unreadable: compile from source.
  }
  const wrapper = '(function (exports, require, module, __filename, __dirname) { ';
  const script = new vm.Script(`${wrapper}${source}\n})`, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    whenToWrite(() => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        fs.writeFileSync(tmp, Buffer.concat([key, Buffer.from(`${digest(data)}\n`), data]), { mode: 0o644 });
        fs.renameSync(tmp, cacheFile); // atomic: processes starting now read the old cache or the new one
      } catch {
        try {
          fs.rmSync(tmp, { force: true });
        } catch {
          // A read-only install: no cache, a normal compile each time.
        }
      }
    });
  }
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
};
