// At most `max` of something held at once per key: open connections per client address, live
// subscription streams per actor.
export class PerKeyLimit {
  private readonly held = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes one for `key`; false (nothing taken) when the key holds `max` already. */
  tryTake(key: string): boolean {
    const count = this.held.get(key) ?? 0;
    if (count >= this.max) return false;
    this.held.set(key, count + 1);
    return true;
  }

  release(key: string): void {
    const left = (this.held.get(key) ?? 1) - 1;
    if (left <= 0) this.held.delete(key);
    else this.held.set(key, left);
  }
}
