#!/usr/bin/env node
// The daemon is one CommonJS bundle too (daemon/bundle.mjs): a cold `memtree tree` waits for it
// to start. Its compiled code is kept in a V8 code cache (code-cache.js), written a few seconds
// after start-up, once its first requests have compiled what they need.
'use strict';
const path = require('node:path');
require('./code-cache.js')(path.join(__dirname, '../dist/memtreed.cjs'), (write) => setTimeout(write, 3000).unref());
