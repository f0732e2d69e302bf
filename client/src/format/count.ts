/** Counts as memtree shows them everywhere: with thousands separators, "11,249,925". */
export function formatCount(n: number): string {
  // Not toLocaleString: the separator must not depend on the user's locale or Node's ICU build.
  const s = String(Math.trunc(Math.abs(n)));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
