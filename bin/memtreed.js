#!/usr/bin/env node
// The daemon is ES modules (its start-up time is paid once); this folder is CommonJS (see memtree.js).
import('../dist/daemon/src/main.js');
