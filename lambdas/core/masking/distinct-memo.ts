// A memo of what was computed for the distinct strings of one column of one result: values repeat
// within a column (a status, the same customer's phone on every row of a join), so each distinct
// one is scanned and masked once. It lives for one call only (raw values are never kept across
// requests) and remembers a bounded number of strings. A column whose values do not repeat (order
// numbers, card numbers) stops asking after a trial: a lookup that always misses costs a good part
// of the scan it is meant to save.

/** Lookups after which the hit rate is judged. */
const TRIAL = 256;
/** Hits in the trial below which the memo stops asking (1 in 16). */
const MIN_HITS = TRIAL / 16;

export class DistinctMemo<V> {
  private readonly seen = new Map<string, V>();
  private lookups = 0;
  private hits = 0;
  private off = false;

  /** @param max distinct strings remembered at most. */
  constructor(private readonly max: number) {}

  /** Whether lookups are still made (false after a trial with too few hits). */
  get active(): boolean {
    return !this.off;
  }

  get(key: string): V | undefined {
    if (this.off) return undefined;
    const known = this.seen.get(key);
    if (known !== undefined) this.hits++;
    if (++this.lookups === TRIAL && this.hits < MIN_HITS) {
      this.off = true;
      this.seen.clear();
    }
    return known;
  }

  set(key: string, value: V): void {
    if (!this.off && this.seen.size < this.max) this.seen.set(key, value);
  }
}
