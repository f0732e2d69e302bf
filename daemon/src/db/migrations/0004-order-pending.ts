/**
 * memray 1.19 and older's record order is resolved after the index is complete (issue 12 step
 * 4b, index/memray-order.ts): a mode whose stored records are still in the reading pass's
 * order has a row here. A view whose answer depends on the order waits until its mode's row is
 * gone; no other view can tell the two orders apart (tree/order-sensitivity.ts).
 */
import type { WritableDB } from '../open.js';

export default function migrate(db: WritableDB): void {
  db.exec(`
    CREATE TABLE order_pending (
      mode TEXT PRIMARY KEY
    ) STRICT;
  `);
}
