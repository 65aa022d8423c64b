/**
 * The one order of text the tool sorts by: code units, the same on every machine. A locale's collation
 * (String.prototype.localeCompare) made what the tool writes and reports depend on the locale of whoever ran it
 * (LANG, Node's ICU build), and loading ICU's collation data cost ~8 ms of every run that sorted.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
