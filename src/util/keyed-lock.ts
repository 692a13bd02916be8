/**
 * Runs async sections one at a time per key: the server keys it by digest (so a commit and a
 * garbage collection of the same blob never interleave), the client by referrers tag (so two
 * updates of one tag never read the same index). A failed section does not block the next one.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `section` after every earlier section started for `key` has settled, and returns its result. */
  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => {}).then(section);
    const tail = current.catch(() => {});
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
