/**
 * Daemon lifecycle methods.
 */
import { RequestType, RequestType0 } from 'vscode-jsonrpc';

/** Named features a script can test for before using them. */
export interface DaemonCapabilities {
  /** `tree/expand` pages children with offset/limit. */
  readonly pagedExpand: boolean;
  /** Temporary-allocation snapshots are available. */
  readonly temporaryMode: boolean;
  /** Leak snapshots are available. */
  readonly leaksMode: boolean;
  /** `node/detail` returns source lines. */
  readonly sourceLines: boolean;
  /** Native (C) frames are symbolized. */
  readonly nativeSymbols: boolean;
}

export interface InitializeParams {
  /** The client's PROTOCOL_VERSION. */
  readonly protocolVersion: string;
  /** The client's package version, for logs. */
  readonly clientVersion: string;
}

export interface InitializeResult {
  /** The daemon's PROTOCOL_VERSION. */
  readonly protocolVersion: string;
  /** The daemon's package version. */
  readonly daemonVersion: string;
  /** Features this daemon supports. */
  readonly capabilities: DaemonCapabilities;
}

/** The first request on every connection: version handshake. */
export namespace DaemonInitializeRequest {
  export const method = 'daemon/initialize' as const;
  export const type = new RequestType<InitializeParams, InitializeResult, void>(method);
}

/** An open capture as the daemon status reports it. */
export interface StatusCapture {
  /** Capture id. */
  readonly captureId: string;
  /** Absolute path. */
  readonly path: string;
  /** "ready", "indexing" or "failed". */
  readonly state: 'ready' | 'indexing' | 'failed';
}

/** A running indexing job. */
export interface StatusJob {
  /** Capture id being indexed. */
  readonly captureId: string;
  /** What the job is doing (e.g. "reading", "writing"; "memray order": the record order of memray 1.19 and older, resolved after the index is complete). */
  readonly phase: string;
  /** Progress 0..100. */
  readonly percent: number;
}

/** Where the daemon's memory is, as Node reports it. */
export interface DaemonMemory {
  /** Bytes used by JavaScript objects on the main thread's heap. */
  readonly heapUsedBytes: number;
  /** Bytes the main thread's heap has reserved. */
  readonly heapTotalBytes: number;
  /** Bytes of C++ objects bound to JavaScript objects (buffers included). */
  readonly externalBytes: number;
  /** Bytes of ArrayBuffers and SharedArrayBuffers (part of externalBytes). */
  readonly arrayBuffersBytes: number;
}

export interface StatusResult {
  /** Daemon process id. */
  readonly pid: number;
  /** Milliseconds since the daemon started. */
  readonly uptimeMs: number;
  /** Milliseconds since the last request or disconnect. */
  readonly idleMs: number;
  /** Resident set size of the daemon in bytes. */
  readonly rssBytes: number;
  /** The daemon's JavaScript memory (Node's process.memoryUsage), in bytes. @since 1.6 */
  readonly memory?: DaemonMemory;
  /** Connected clients, this one included. */
  readonly clients: number;
  /** Socket path. */
  readonly socket: string;
  /** Directory of the index files. */
  readonly indexDir: string;
  /** Log file path. */
  readonly logFile: string;
  /** Idle shutdown delay in ms (0 = never). */
  readonly idleTimeoutMs: number;
  /** Captures with an open index. */
  readonly captures: readonly StatusCapture[];
  /** Indexing and tree-building jobs running now. */
  readonly jobs: readonly StatusJob[];
  /** Resources in use and their limits. @since 1.2 */
  readonly usage: StatusUsage;
}

/** What the daemon holds, against its limits. */
export interface StatusUsage {
  /** Captures whose index is open now. */
  readonly openCaptures: number;
  /** Most indexes kept open at once (the least recently used close first). */
  readonly maxOpenCaptures: number;
  /** Milliseconds after which an unused open index is closed. */
  readonly idleCloseMs: number;
  /** Open file descriptors of the daemon (-1 where the system does not tell). */
  readonly fileDescriptors: number;
  /** Bytes of the files in the index directory. */
  readonly indexDirBytes: number;
  /** Budget of the index directory (`--cache-size`): least recently opened indexes beyond it are deleted. */
  readonly cacheSizeBytes: number;
  /** Built trees (views) kept in memory per open capture, the least recently used dropped first. */
  readonly treesPerCapture: number;
  /** Indexing worker threads alive now. @since 1.6 */
  readonly workerThreads?: number;
}

/** Daemon health and state. */
export namespace DaemonStatusRequest {
  export const method = 'daemon/status' as const;
  export const type = new RequestType0<StatusResult, void>(method);
}

/** Graceful shutdown; the daemon answers, then exits. */
export namespace DaemonShutdownRequest {
  export const method = 'daemon/shutdown' as const;
  export const type = new RequestType0<null, void>(method);
}
