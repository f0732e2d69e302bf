/**
 * Which file version each capture id names, and which ids the daemon found changed: a request
 * with an id whose file was replaced or rewritten gets CaptureChanged, never the old file's tree
 * or (worse) a mix of both.
 */
import { ResponseError } from 'vscode-jsonrpc';
import { MemtreeErrorCodes, type CaptureErrorData } from '../../../protocol/src/errors.js';
import { currentIdentity, stillIs, type FileIdentity } from '../capture/fingerprint.js';

/** CaptureChanged: the file is no longer the version a capture id names. */
export function changedError(shownAs: string): ResponseError<CaptureErrorData> {
  const reason = 'the file changed (replaced or rewritten) since memtree opened it';
  return new ResponseError(MemtreeErrorCodes.CaptureChanged, `${shownAs}: ${reason}; open it again`, { path: shownAs, reason });
}

export class CaptureVersions {
  /** Stat identity of the file version of each capture id seen: checked on every request. */
  private readonly identities = new Map<string, FileIdentity>();
  /** Capture ids whose file was found changed. */
  private readonly changed = new Set<string>();

  /** Records that the file's version `identity` is capture `captureId` (as fingerprinted just now). */
  opened(captureId: string, identity: FileIdentity): void {
    this.identities.set(captureId, identity);
    this.changed.delete(captureId); // a version that is back (restored from a copy) is fine again
  }

  /** Marks `captureId` changed (a job found its file changed). */
  markChanged(captureId: string): void {
    this.changed.add(captureId);
  }

  isChanged(captureId: string): boolean {
    return this.changed.has(captureId);
  }

  /**
   * Whether `file` still is the version `captureId` names, or is gone (the index holds every
   * record and answers alone: nothing can mix): one stat (the full fingerprint when this daemon
   * has not seen the version yet, e.g. an id from before a restart). A false answer is
   * remembered.
   */
  unchanged(file: string, captureId: string): boolean {
    if (this.changed.has(captureId)) return false;
    const now = currentIdentity(file);
    if (now === undefined) return true;
    const known = this.identities.get(captureId);
    if (now === known) return true;
    if (known === undefined && stillIs(file, captureId)) {
      this.identities.set(captureId, now);
      return true;
    }
    this.changed.add(captureId);
    return false;
  }
}
