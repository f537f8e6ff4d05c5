import type { User } from '../models/user';

interface Entry {
  user: User;
  exp: number;
  nbf: number | undefined;
  /** When the entry was last (re)inserted, in insertions. */
  tick: number;
}

/**
 * Verified tokens, so a client that sends the same token for its whole
 * lifetime (30 minutes at PropelAuth) pays for RSA verification once.
 *
 * - Keyed by the whole token string: a token differing by one byte is another
 *   key. The verifier refuses non-canonical base64url, so one token has one
 *   spelling. (A SHA-256 of the key would cost more than the rest of a hit.)
 * - Only successful verifications are stored; `exp` and `nbf` are re-checked
 *   against the clock on every hit, so an entry never outlives its token.
 * - Bounded: beyond `maxEntries` the least recently used entry is evicted. A hit
 *   re-inserts its entry only once it has drifted into the older half, so most
 *   hits are a single Map lookup and hot tokens are never the ones evicted.
 * - The stored `User` is deeply frozen, so handing it to many requests shares
 *   no mutable state.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  private tick = 0;

  constructor(readonly maxEntries: number) {}

  get(token: string, nowSeconds: number, toleranceSeconds: number): User | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (nowSeconds >= entry.exp + toleranceSeconds || (entry.nbf !== undefined && nowSeconds + toleranceSeconds < entry.nbf)) {
      this.entries.delete(token);
      return undefined;
    }
    if (this.tick - entry.tick >= this.maxEntries / 2) {
      // Re-insert to mark it recently used (a Map keeps insertion order).
      this.entries.delete(token);
      entry.tick = ++this.tick;
      this.entries.set(token, entry);
    }
    return entry.user;
  }

  set(token: string, user: User, exp: number, nbf: number | undefined): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(token);
    this.entries.set(token, { user, exp, nbf, tick: ++this.tick });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
