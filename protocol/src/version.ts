/**
 * Protocol version. The major part must match between client and daemon (a client restarts a
 * daemon of another major version); minor versions only add optional fields and methods.
 */
export const PROTOCOL_VERSION = '1.0';

/** The major part of a protocol version string. */
export function protocolMajor(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '', 10);
}
