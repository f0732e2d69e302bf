#!/usr/bin/env node
// The client is one CommonJS bundle (client/bundle.mjs): it starts faster than ES modules, and
// this folder's package.json makes this file CommonJS too, so no ES module loader starts at all.
//
// The bundle's compiled code is kept in a V8 code cache beside it (dist/memtree.cjs.cache):
// compiling the 650 KB bundle was a third of a client's own start-up CPU (~30 of ~95 ms, the
// rest is Node itself), and ten clients started at once share two cores. Node 20 has no
// module.enableCompileCache (Node 22), so this is vm.Script's cachedData, the same mechanism.
// The cache is written after a successful `memtree tree` when it was missing or V8 refused it
// (another Node, other flags). It is keyed to the bundle file (size, mtime, inode), because
// V8's own check of the source is its length alone, and carries a SHA-256 of its data, because
// V8 does not verify the data: a damaged cache aborts the process. A cache that is missing,
// stale, damaged or refused means a normal compile, never a failure.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');
const { createHash } = require('node:crypto'); // loaded by the bundle anyway

const file = path.join(__dirname, '../dist/memtree.cjs');
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
// No import() in it (client/bundle.mjs checks): a script from a code cache loses its loader.
const script = new vm.Script(`${wrapper}${source}\n})`, { filename: file, cachedData });
if ((cachedData === undefined || script.cachedDataRejected) && process.argv[2] === 'tree') {
  process.once('exit', (code) => {
    if (code !== 0) return;
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      const data = script.createCachedData();
      fs.writeFileSync(tmp, Buffer.concat([key, Buffer.from(`${digest(data)}\n`), data]), { mode: 0o644 });
      fs.renameSync(tmp, cacheFile); // atomic: clients starting now read the old cache or the new one
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
