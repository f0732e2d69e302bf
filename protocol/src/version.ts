/**
 * Protocol version. The major part must match between client and daemon (a client restarts a
 * daemon of another major version); minor versions only add optional fields and methods.
 */
export const PROTOCOL_VERSION = '1.7';

/** The major part of a protocol version string. */
export function protocolMajor(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '', 10);
}

/**
 * Whether a client speaking `client` should replace a daemon answering with `daemon`: another
 * major, or an older minor that lacks fields the client uses. A newer daemon is kept (minors
 * only add), so clients of different versions never restart each other in turn.
 */
export function daemonIsOutdated(daemon: string, client: string): boolean {
  if (protocolMajor(daemon) !== protocolMajor(client)) return true;
  const minor = (v: string) => Number.parseInt(v.split('.')[1] ?? '0', 10) || 0;
  return minor(daemon) < minor(client);
}
