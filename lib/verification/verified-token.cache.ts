import type { User } from '../models/user';

interface Entry {
  token: string;
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
 * - Looked up by the token's last 32 characters (signature bytes, 192 bits) and
 *   then compared in full: a token that differs by one byte never hits. Hashing a
 *   fresh 1 KB header string for a Map key costs more than the rest of a hit (and a
 *   SHA-256 far more); the full comparison keeps the short key exact. The verifier
 *   refuses non-canonical base64url, so one token has one spelling.
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
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    if (nowSeconds >= entry.exp + toleranceSeconds || (entry.nbf !== undefined && nowSeconds + toleranceSeconds < entry.nbf)) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.tick - entry.tick >= this.maxEntries / 2) {
      // Re-insert to mark it recently used (a Map keeps insertion order).
      this.entries.delete(key);
      entry.tick = ++this.tick;
      this.entries.set(key, entry);
    }
    return entry.user;
  }

  /** The `exp` of a cached token, or undefined when it is not cached. */
  expiryOf(token: string): number | undefined {
    const entry = this.entries.get(keyOf(token));
    return entry !== undefined && entry.token === token ? entry.exp : undefined;
  }

  set(token: string, user: User, exp: number, nbf: number | undefined): void {
    if (this.maxEntries <= 0) return;
    const key = keyOf(token);
    this.entries.delete(key);
    this.entries.set(key, { token, user, exp, nbf, tick: ++this.tick });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

function keyOf(token: string): string {
  return token.length > 32 ? token.slice(-32) : token;
}
