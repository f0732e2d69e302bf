// Thread label of a tree node (tree-reporter.md §2.6, capture-format.md §13.1).

/** memray's format_thread_name: "merged thread" for -1, else "0x<hex>" plus " (<name>)" if named. */
export function threadLabel(tid: number | bigint, name: string | undefined): string {
  // Loose equality so both -1 and -1n mean "merged".
  if (tid == -1) return 'merged thread';
  // Python's hex() puts the sign before the prefix: hex(-5) == '-0x5'.
  const negative = tid < 0;
  const hex = `${negative ? '-' : ''}0x${(negative ? -tid : tid).toString(16)}`;
  return name ? `${hex} (${name})` : hex;
}
