#!/usr/bin/env node
// The client is bundled into one file (npm run build): start-up time is most of what a user
// waits for before the first screen, and one module loads ~45 ms faster than ~80.
import '../dist/memtree.mjs';
