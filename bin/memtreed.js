#!/usr/bin/env node
// The daemon is one CommonJS bundle too (daemon/bundle.mjs): a cold `memtree tree` waits for it to start.
require('../dist/memtreed.cjs');
