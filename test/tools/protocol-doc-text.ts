/**
 * The hand-written parts of docs/protocol.md: the guide (framing, handshake, scripting
 * snippets, which test/integration/protocol-doc.test.ts runs) and one example per method.
 */

import { PROTOCOL_VERSION, protocolMajor } from '../../protocol/src/version.js';

/** The version the doc names comes from the code (it said 1.0 long after the daemon spoke 1.1). */
const PROTOCOL_MAJOR = protocolMajor(PROTOCOL_VERSION);

// Raw, so \r\n and regex escapes stay as written; backticks and ${ are escaped in the source.
export const GUIDE = unescape(String.raw`
# memtreed protocol

memtreed speaks JSON-RPC 2.0 over a Unix socket, framed like the Language Server Protocol: each
message is a header \`Content-Length: N\r\n\r\n\` followed by N bytes of UTF-8 JSON. Any number
of clients may connect at once; each connection is independent.

*This file is generated from \`protocol/src\` by \`npm run docs:protocol\`; a test fails when it
is out of date. Edit the JSDoc there, or the guide and examples in
\`test/tools/protocol-doc-text.ts\`.*

## Finding the socket

- \`memtree rpc daemon/status\` starts memtreed if needed and prints its status, including
  \`socket\`. \`memtree daemon status\` shows the same without starting it.
- Default: \`$XDG_RUNTIME_DIR/memtree/memtreed.sock\`, else \`<tmpdir>/memtree-<uid>/memtreed.sock\`
  (the directory is private to the user, mode 0700; memtree refuses one that is not).
- \`--state-dir DIR\` / \`MEMTREE_STATE_DIR=DIR\`: socket, lock, index and log all under DIR
  (\`DIR/memtreed.sock\`). \`--socket PATH\` / \`MEMTREE_SOCKET\` overrides the socket alone.

## Session

1. The first request on a connection must be \`daemon/initialize\` with
   \`protocolVersion\` "${PROTOCOL_VERSION}" (any ${PROTOCOL_MAJOR}.x works: minor versions only add optional fields and
   methods). Other requests before it fail with ProtocolMismatch (-31008), except
   \`daemon/shutdown\`, which lets a client of another version stop the daemon.
2. \`capture/open\` with the capture's path returns a \`captureId\`. The first open of a file
   indexes it (a few seconds for millions of records) and sends \`capture/progress\`
   notifications meanwhile; later opens of the same unchanged file reuse the index at once.
   Cancelling the request (\`$/cancelRequest\`) stops waiting; the indexing job stops when no
   client waits for it.
3. \`tree/root\` then \`tree/expand\` per node you open. Every request carries the full view
   (snapshot mode, \`biggestAllocs\`, filters); node ids are stable for a given (capture, mode,
   biggestAllocs) whatever the filters. \`tree/export\` returns the whole tree at once (the
   document \`memtree tree --json\` prints).
4. While a capture is being indexed, \`tree/root\`, \`tree/expand\`, \`tree/search\` and
   \`node/detail\` with the \`captureId\` of its \`capture/progress\` notifications answer from a
   provisional tree (peak and leaks views): the snapshot of the records read so far, marked by a
   \`provisional\` field (ProvisionalInfo: its number, the percentage read) and replaced about
   every second. Pass its number back as \`provisionalTree\` so node ids keep referring to it;
   answers after indexing ends have no \`provisional\` field. Other requests wait for the index.

Errors use JSON-RPC's error object; codes are listed at the end. A malformed message gets a
-32700 / -32600 reply with \`id: null\`; the connection stays usable.

## Scripting without memtree

Python 3, standard library only (\`python3 tree_top.py SOCKET CAPTURE\`):

\`\`\`python
import json
import os
import socket
import sys


class Memtreed:
    """A minimal memtreed client: Content-Length framing, one request at a time."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.next_id = 0

    def _read_message(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("memtreed closed the connection")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        while len(self.buf) < length:
            self.buf += self.sock.recv(65536)
        body, self.buf = self.buf[:length], self.buf[length:]
        return json.loads(body)

    def call(self, method, params=None):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        body = json.dumps(message).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        while True:
            reply = self._read_message()
            if reply.get("id") != self.next_id:
                continue  # a notification, e.g. capture/progress while indexing
            if "error" in reply:
                raise RuntimeError(reply["error"])
            return reply["result"]


daemon = Memtreed(sys.argv[1])
daemon.call("daemon/initialize", {"protocolVersion": "${PROTOCOL_VERSION}", "clientVersion": "tree_top.py"})
capture = daemon.call("capture/open", {"path": os.path.abspath(sys.argv[2])})
view = {"mode": {"kind": "peak"}, "biggestAllocs": 200,
        "hideImportSystem": False, "hideUninteresting": True}
print("peak memory:", capture["info"]["peakMemory"], "bytes")
top = daemon.call("tree/expand", {"captureId": capture["captureId"], "view": view,
                                  "nodeId": 0, "limit": 10})
for node in top["nodes"]:
    print(f"{node['bytes']:>12}  {node['function']}  {node['file']}:{node['line']}")
\`\`\`

Node.js, no dependencies (\`node tree_top.mjs SOCKET CAPTURE\`):

\`\`\`js
import * as net from 'node:net';
import * as path from 'node:path';

const sock = net.connect(process.argv[2]);
let buf = Buffer.alloc(0);
let nextId = 0;
const waiting = new Map();
sock.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const length = Number(/content-length: *(\d+)/i.exec(buf.subarray(0, end).toString())[1]);
    if (buf.length < end + 4 + length) return;
    const msg = JSON.parse(buf.subarray(end + 4, end + 4 + length).toString());
    buf = buf.subarray(end + 4 + length);
    const w = waiting.get(msg.id); // notifications (no id) are ignored here
    if (w) (waiting.delete(msg.id), msg.error ? w.reject(new Error(msg.error.message)) : w.resolve(msg.result));
  }
});
function call(method, params) {
  const id = ++nextId;
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  sock.write(Buffer.concat([Buffer.from(\`Content-Length: \${body.length}\r\n\r\n\`), body]));
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

await call('daemon/initialize', { protocolVersion: '${PROTOCOL_VERSION}', clientVersion: 'tree_top.mjs' });
const capture = await call('capture/open', { path: path.resolve(process.argv[3]) });
const view = { mode: { kind: 'peak' }, biggestAllocs: 200, hideImportSystem: false, hideUninteresting: true };
console.log('peak memory:', capture.info.peakMemory, 'bytes');
const top = await call('tree/expand', { captureId: capture.captureId, view, nodeId: 0, limit: 10 });
for (const n of top.nodes) console.log(String(n.bytes).padStart(12), n.function, \`\${n.file}:\${n.line}\`);
sock.end();
\`\`\`

From a shell, \`memtree rpc METHOD 'JSON-PARAMS'\` does the handshake for you and prints the
result as one line of JSON (errors on stderr as \`{code, message, data}\`, exit status 1):

\`\`\`sh
memtree rpc capture/open '{"path": "/abs/path/results.bin"}'
memtree rpc tree/expand '{"captureId": "…", "nodeId": 0, "view": {"mode": {"kind": "peak"}, "biggestAllocs": 200}}'
\`\`\`
`);

function unescape(raw: string): string {
  return raw.replace(/\\`/g, '`').replace(/\\\$\{/g, '${');
}

const VIEW = '"view": {"mode": {"kind": "peak"}, "biggestAllocs": 200, "hideImportSystem": false, "hideUninteresting": true}';
const ID = '"captureId": "718fe4f772301b7f9b664ccc"';

/** Request -> response examples (abridged from a session on examples/simple.bin). */
export const EXAMPLES: Record<string, string> = {
  'daemon/initialize': `→ {"jsonrpc": "2.0", "id": 1, "method": "daemon/initialize", "params": {"protocolVersion": "${PROTOCOL_VERSION}", "clientVersion": "0.1.0"}}
← {"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": "${PROTOCOL_VERSION}", "daemonVersion": "0.1.0", "capabilities": {"pagedExpand": true, "temporaryMode": true, "leaksMode": true, "sourceLines": true, "nativeSymbols": true}}}`,
  'daemon/status': `→ {"jsonrpc": "2.0", "id": 2, "method": "daemon/status"}
← {"jsonrpc": "2.0", "id": 2, "result": {"pid": 21158, "uptimeMs": 573, "idleMs": 0, "rssBytes": 64028672, "memory": {"heapUsedBytes": 9437184, "heapTotalBytes": 13631488, "externalBytes": 2411724, "arrayBuffersBytes": 114688}, "clients": 1, "socket": "/run/user/1000/memtree/memtreed.sock", "indexDir": "/home/me/.cache/memtree", "logFile": "/home/me/.cache/memtree/memtreed.log", "idleTimeoutMs": 900000, "captures": [{${ID}, "path": "/home/me/examples/simple.bin", "state": "ready"}], "jobs": [], "usage": {"openCaptures": 1, "maxOpenCaptures": 16, "idleCloseMs": 60000, "fileDescriptors": 26, "indexDirBytes": 98304, "cacheSizeBytes": 2147483648, "treesPerCapture": 16, "workerThreads": 0}}}`,
  'daemon/shutdown': `→ {"jsonrpc": "2.0", "id": 3, "method": "daemon/shutdown"}
← {"jsonrpc": "2.0", "id": 3, "result": null}`,
  'capture/open': `→ {"jsonrpc": "2.0", "id": 4, "method": "capture/open", "params": {"path": "examples/simple.bin", "cwd": "/home/me"}}
← {"jsonrpc": "2.0", "method": "capture/progress", "params": {${ID}, "path": "/home/me/examples/simple.bin", "phase": "reading", "bytes": 14979, "totalBytes": 14979, "records": 340, "percent": 98}}
← {"jsonrpc": "2.0", "id": 4, "result": {${ID}, "info": {"path": "/home/me/examples/simple.bin", "formatVersion": 13, "writtenBy": "memray 1.20", "fileFormat": "all_allocations", "compressed": true, "pid": 28257, "commandLine": "… run -q -o simple.bin simple.py", "pythonAllocator": "pymalloc", "nativeTraces": false, "tracePythonAllocators": false, "mainThreadId": 1, "startTime": "2026-11-27T14:50:43.794Z", "endTime": "2026-11-27T14:50:43.873Z", "totalAllocations": 340, "totalFrames": 84, "peakMemory": 19138731}, "indexed": true, "indexMs": 39, "warnings": [], "searchPath": ["/opt/scenarios", "/usr/lib/python3.11"]}}`,
  'capture/progress': `← {"jsonrpc": "2.0", "method": "capture/progress", "params": {"captureId": "0b8a7454b5a040325b22042c", "path": "/data/large.bin", "phase": "reading", "bytes": 5603328, "totalBytes": 11226653, "records": 4702153, "percent": 48, "etaMs": 1020}}`,
  'capture/list': `→ {"jsonrpc": "2.0", "id": 5, "method": "capture/list"}
← {"jsonrpc": "2.0", "id": 5, "result": {"captures": [{${ID}, "path": "/home/me/examples/simple.bin", "indexBytes": 69632, "state": "ready", "lastOpened": 1765051200000, "open": true}]}}`,
  'cache/clear': `→ {"jsonrpc": "2.0", "id": 6, "method": "cache/clear", "params": {"path": "examples/simple.bin", "cwd": "/home/me"}}
← {"jsonrpc": "2.0", "id": 6, "result": {"removed": 1, "freedBytes": 69632, "kept": 0}}`,
  'capture/forget': `→ {"jsonrpc": "2.0", "id": 6, "method": "capture/forget", "params": {${ID}}}
← {"jsonrpc": "2.0", "id": 6, "result": null}`,
  'capture/memory': `→ {"jsonrpc": "2.0", "id": 11, "method": "capture/memory", "params": {${ID}, "points": 3}}
← {"jsonrpc": "2.0", "id": 11, "result": {"startTimeMs": 1795791043794, "endTimeMs": 1795791043873, "count": 7, "peak": {"snapshot": 7, "bytes": 19138731}, "buckets": [{"first": 0, "last": 1, "fromMs": 1795791043795, "toMs": 1795791043811, "rss": [47484928, 49881088], "heap": [0, 10038722]}, …]}}`,
  'tree/root': `→ {"jsonrpc": "2.0", "id": 7, "method": "tree/root", "params": {${ID}, ${VIEW}}}
← {"jsonrpc": "2.0", "id": 7, "result": {"root": {"id": 0, "function": "<ROOT>", "file": "", "line": 0, "bytes": 19138731, "allocations": 51, "thread": "", "interesting": true, "importSystem": false, "childCount": 3}, "elided": {"locations": 0, "allocations": 0, "bytes": 0}, "peakMemory": 19138731}}`,
  'tree/expand': `→ {"jsonrpc": "2.0", "id": 8, "method": "tree/expand", "params": {${ID}, ${VIEW}, "nodeId": 0, "offset": 0, "limit": 2}}
← {"jsonrpc": "2.0", "id": 8, "result": {"nodes": [{"id": 1, "function": "_run_tracker", "file": "/usr/local/lib/python3.11/dist-packages/memray/commands/run.py", "line": 83, "bytes": 19135935, "allocations": 39, "thread": "0x1", "interesting": true, "importSystem": false, "childCount": 8}, {"id": 55, "function": "_run_tracker", "file": "/usr/local/lib/python3.11/dist-packages/memray/commands/run.py", "line": 80, "bytes": 1456, "allocations": 3, "thread": "0x1", "interesting": true, "importSystem": false, "childCount": 2}], "total": 3, "offset": 0}}`,
  'tree/export': `→ {"jsonrpc": "2.0", "id": 9, "method": "tree/export", "params": {${ID}, "mode": {"kind": "temporary", "threshold": 1}, "biggestAllocs": 10}}
← {"jsonrpc": "2.0", "id": 9, "result": {"capture": {…}, "mode": {"kind": "temporary", "threshold": 1}, "biggestAllocs": 10, "root": {"function": "<ROOT>", …, "children": […]}, "elided": {"locations": 4, "allocations": 12, "bytes": 3120}}}`,
  'node/detail': `→ {"jsonrpc": "2.0", "id": 10, "method": "node/detail", "params": {${ID}, ${VIEW}, "nodeId": 5, "context": 2, "cwd": "/opt/scenarios"}}
← {"jsonrpc": "2.0", "id": 10, "result": {"node": {"id": 5, "function": "<module>", "file": "simple.py", "line": 54, "bytes": 19100010, "allocations": 11, "thread": "0x1", "interesting": true, "importSystem": false, "childCount": 2}, "source": {"path": "/opt/scenarios/simple.py", "firstLine": 52, "lines": ["", "if __name__ == \\"__main__\\":", "    main()", "    main()"]}}}`,
  'tree/search': `→ {"jsonrpc": "2.0", "id": 11, "method": "tree/search", "params": {${ID}, ${VIEW}, "query": "^main$", "regex": true, "limit": 1}}
← {"jsonrpc": "2.0", "id": 11, "result": {"matches": [{"node": {"id": 6, "function": "main", "file": "simple.py", "line": 48, "bytes": 19100010, "allocations": 11, "thread": "0x1", "interesting": true, "importSystem": false, "childCount": 3}, "path": [0, 1, 5, 6]}], "total": 2, "offset": 0}}`,
  'capture/threads': `→ {"jsonrpc": "2.0", "id": 12, "method": "capture/threads", "params": {${ID}, "mode": {"kind": "peak"}}}
← {"jsonrpc": "2.0", "id": 12, "result": {"threads": [{"label": "0x1", "bytes": 8000000, "allocations": 31, "records": 31}, {"label": "0x2 (worker-alpha)", "bytes": 1000000, "allocations": 3, "records": 3}]}}`,
  'tree/elided': `→ {"jsonrpc": "2.0", "id": 13, "method": "tree/elided", "params": {${ID}, "view": {"mode": {"kind": "peak"}, "biggestAllocs": 3, "hideImportSystem": false, "hideUninteresting": true}, "limit": 2}}
← {"jsonrpc": "2.0", "id": 13, "result": {"locations": [{"function": "<listcomp>", "file": "simple.py", "line": 41, "depth": 8, "bytes": 1000004, "allocations": 4, "thread": "0x1"}, {"function": "leaf_medium", "file": "simple.py", "line": 10, "depth": 10, "bytes": 1000001, "allocations": 1, "thread": "0x1"}], "total": 26, "offset": 0}}`,
};
