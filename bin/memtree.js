#!/usr/bin/env node
// The client is one CommonJS bundle (client/bundle.mjs): it starts faster than ES modules, and
// this folder's package.json makes this file CommonJS too, so no ES module loader starts at all.
require('../dist/memtree.cjs');
