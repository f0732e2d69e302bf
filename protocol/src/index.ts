/** memtree's JSON-RPC protocol: every method, notification and type, in one place. */
export * from './version.js';
export * from './errors.js';
export * from './daemon.js';
export * from './capture.js';
export * from './tree.js';
export * from './node.js';
export * from './threads.js';
export * from './elided.js';
export * from './tree-document.js';
export * from './display.js';
export * from './memory.js';
