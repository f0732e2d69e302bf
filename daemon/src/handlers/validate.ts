/**
 * Parameter checks for JSON-RPC handlers: bad params become JSON-RPC InvalidParams errors
 * (-32602) with a message saying which field is wrong, never a crash.
 */
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc';
import { DEFAULT_FILTER } from '../../../protocol/src/display.js';
import type { SnapshotMode } from '../../../protocol/src/tree-document.js';
import type { ViewOptions } from '../../../protocol/src/tree.js';

export function invalid(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

export function obj(v: unknown, what = 'params'): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${what} must be an object`);
  return v as Record<string, unknown>;
}

export function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw invalid(`${key} must be a non-empty string`);
  return v;
}

export function optStr(o: Record<string, unknown>, key: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key);
}

/** Longest path accepted (Linux's PATH_MAX): no longer one names a file, and resolving one costs. */
export const MAX_PATH_BYTES = 4096;

/** A file path parameter: a non-empty string of at most MAX_PATH_BYTES bytes, without NUL. */
export function pathStr(o: Record<string, unknown>, key: string): string {
  const v = str(o, key);
  if (v.length > MAX_PATH_BYTES || Buffer.byteLength(v) > MAX_PATH_BYTES) throw invalid(`${key} is longer than ${MAX_PATH_BYTES} bytes`);
  if (v.includes('\0')) throw invalid(`${key} contains a NUL character`);
  return v;
}

export function optPathStr(o: Record<string, unknown>, key: string): string | undefined {
  return o[key] === undefined ? undefined : pathStr(o, key);
}

export function int(o: Record<string, unknown>, key: string, min = -Infinity, max = Infinity): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw invalid(`${key} must be an integer${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` <= ${max}` : ''}`);
  }
  return v;
}

export function optInt(o: Record<string, unknown>, key: string, dflt: number, min?: number, max?: number): number {
  return o[key] === undefined ? dflt : int(o, key, min, max);
}

/**
 * A `-b` value: any integer, as memray's argparse takes it (negative keeps all but the last |N|
 * records, as Python slicing does; beyond the record count keeps all). Only non-integers fail.
 */
export function biggestAllocs(o: Record<string, unknown>, key = 'biggestAllocs'): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${key} must be an integer`);
  return v;
}

export function bool(o: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw invalid(`${key} must be a boolean`);
  return v;
}

export function mode(v: unknown, what = 'mode'): SnapshotMode {
  const o = obj(v, what);
  if (o.kind === 'peak' || o.kind === 'leaks') return { kind: o.kind };
  if (o.kind === 'temporary') return { kind: 'temporary', threshold: int(o, 'threshold', 0, 1e9) };
  throw invalid(`${what}.kind must be "peak", "leaks" or "temporary"`);
}

export function view(v: unknown): ViewOptions {
  const o = obj(v, 'view');
  return {
    mode: mode(o.mode, 'view.mode'),
    biggestAllocs: biggestAllocs(o),
    hideImportSystem: bool(o, 'hideImportSystem', DEFAULT_FILTER.hideImportSystem),
    hideUninteresting: bool(o, 'hideUninteresting', DEFAULT_FILTER.hideUninteresting),
    threads: optStrings(o, 'threads'),
    focus: optPattern(o, 'focus'),
    ignore: optPattern(o, 'ignore'),
    showFrom: optPattern(o, 'showFrom'),
    hide: optPattern(o, 'hide'),
    inverted: bool(o, 'inverted', false),
    ...(o.range === undefined || o.range === null ? {} : { range: snapshotRange(o.range) }),
  };
}

/** view.range: {start, end}, integers (checked against the capture where it is used). */
function snapshotRange(v: unknown): { start: number; end: number } {
  const r = obj(v, 'view.range');
  return { start: int(r, 'start', 0), end: int(r, 'end', 0) };
}

/** An optional list of strings (thread labels). */
export function optStrings(o: Record<string, unknown>, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw invalid(`${key} must be an array of strings`);
  return v as string[];
}

/** An optional expression (compiled later, where a bad one becomes an InvalidPattern error). */
function optPattern(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${key} must be a string`);
  return v;
}

/** An optional list of at most `max` non-empty strings of at most 4096 characters (paths). */
export function optPaths(o: Record<string, unknown>, key: string, max = 64): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > max || !v.every((s) => typeof s === 'string' && s !== '' && s.length <= 4096)) {
    throw invalid(`${key} must be an array of at most ${max} non-empty strings (at most 4096 characters each)`);
  }
  return v as string[];
}
