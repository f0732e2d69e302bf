#!/usr/bin/env node
// The client is one CommonJS bundle (client/bundle.mjs): it starts faster than ES modules, and
// this folder's package.json makes this file CommonJS too, so no ES module loader starts at all.
// Its compiled code is kept in a V8 code cache (code-cache.js), written after a successful
// `memtree tree` (the code a tree needs has been compiled by then).
'use strict';
const path = require('node:path');
require('./code-cache.js')(path.join(__dirname, '../dist/memtree.cjs'), (write) => {
  if (process.argv[2] === 'tree') process.once('exit', (code) => code === 0 && write());
});
