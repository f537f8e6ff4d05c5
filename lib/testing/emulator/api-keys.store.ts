import { randomBytes } from 'node:crypto';
import { isoDay } from './emulator-fields';

/** An end-user API key held by the emulator (camelCase; the routes put it on the wire as snake_case). */
export interface EmulatorApiKey {
  /** 32 hex digits. */
  apiKeyId: string;
  /** The secret. The emulator keeps it in clear so tests can use it; PropelAuth keeps a hash. */
  token: string;
  /** Imported keys validate only through `validate_imported`; issued keys only through `validate`. */
  imported: boolean;
  userId?: string;
  orgId?: string;
  createdAt: number;
  /** Unix seconds; `null` never expires. */
  expiresAtSeconds: number | null;
  metadata: Record<string, unknown>;
  displayName?: string;
  /** Unix seconds of the deletion. */
  deletedAt?: number;
}

export interface CreateEmulatorApiKey {
  userId?: string;
  orgId?: string;
  expiresAtSeconds?: number | null;
  metadata?: Record<string, unknown>;
  displayName?: string;
  /** For imported keys: the key itself. Otherwise a random token is made. */
  importedToken?: string;
}

/** The per-key rate limit answer PropelAuth gives (wire reference 9.4). */
export interface EmulatorApiKeyRateLimit {
  waitSeconds: number;
  remaining: number;
}

/**
 * The emulator's end-user API keys, their usage counts and rate limits. Get the
 * instance of an emulator with `emulator.state.store(ApiKeyStore)`.
 *
 * @example
 * const keys = emulator.state.store(ApiKeyStore);
 * const { token } = keys.create({ userId });
 * keys.rateLimit(apiKeyId);       // its next validation answers 429
 * keys.expire(apiKeyId);          // archived: no longer validates
 */
export class ApiKeyStore {
  /** apiKeyId -> key, in creation order. */
  readonly keys = new Map<string, EmulatorApiKey>();
  /** `${apiKeyId} ${YYYY-MM-DD}` -> successful validations that UTC day. */
  readonly usage = new Map<string, number>();
  private readonly rateLimits = new Map<string, EmulatorApiKeyRateLimit>();
  private clockOffsetSeconds = 0;

  /** The emulator's clock for keys, in unix seconds (see `advanceClock`). */
  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
  }

  /** Moves the clock forward, so that keys reach their expiry without waiting. */
  advanceClock(seconds: number): void {
    this.clockOffsetSeconds += seconds;
  }

  create(input: CreateEmulatorApiKey = {}): EmulatorApiKey {
    const key: EmulatorApiKey = {
      apiKeyId: randomBytes(16).toString('hex'),
      token: input.importedToken ?? randomBytes(32).toString('hex'),
      imported: input.importedToken !== undefined,
      userId: input.userId,
      orgId: input.orgId,
      createdAt: this.now(),
      expiresAtSeconds: input.expiresAtSeconds ?? null,
      metadata: input.metadata ?? {},
      displayName: input.displayName,
    };
    this.keys.set(key.apiKeyId, key);
    return key;
  }

  /** The key with this token among issued (or imported) keys, archived ones included. */
  findByToken(token: string, imported: boolean): EmulatorApiKey | undefined {
    for (const key of this.keys.values()) if (key.token === token && key.imported === imported) return key;
    return undefined;
  }

  /** Deleted, or expired. */
  isArchived(key: EmulatorApiKey): boolean {
    return key.deletedAt !== undefined || isExpired(key, this.now());
  }

  isExpired(key: EmulatorApiKey): boolean {
    return isExpired(key, this.now());
  }

  delete(apiKeyId: string): void {
    const key = this.keys.get(apiKeyId);
    if (key) key.deletedAt = this.now();
  }

  /** Makes the key expired now (it moves to the archived list and stops validating). */
  expire(apiKeyId: string): void {
    const key = this.keys.get(apiKeyId);
    if (key) key.expiresAtSeconds = this.now() - 1;
  }

  /**
   * Makes the key's next `times` validations (default 1) answer 429 with PropelAuth's
   * per-key rate-limit body: `{ error_code: 'rate_limit_exceeded', user_facing_error, wait_seconds }`.
   */
  rateLimit(apiKeyId: string, options: { waitSeconds?: number; times?: number } = {}): void {
    this.rateLimits.set(apiKeyId, { waitSeconds: options.waitSeconds ?? 58.134504795074, remaining: options.times ?? 1 });
  }

  /** @internal The wait of a pending rate limit of the key (counting one use), or undefined. */
  takeRateLimit(apiKeyId: string): number | undefined {
    const limit = this.rateLimits.get(apiKeyId);
    if (limit === undefined) return undefined;
    if (--limit.remaining <= 0) this.rateLimits.delete(apiKeyId);
    return limit.waitSeconds;
  }

  /** @internal Counts one successful validation, on today's UTC date. */
  recordUsage(key: EmulatorApiKey): void {
    const name = `${key.apiKeyId} ${utcDate(this.now())}`;
    this.usage.set(name, (this.usage.get(name) ?? 0) + 1);
  }

  /** Successful validations on `date` (`YYYY-MM-DD`, UTC) of the keys that match every filter given. */
  usageCount(filter: { date: string; orgId?: string; userId?: string; apiKeyId?: string }): number {
    let count = 0;
    for (const key of this.keys.values()) {
      if (filter.orgId !== undefined && key.orgId !== filter.orgId) continue;
      if (filter.userId !== undefined && key.userId !== filter.userId) continue;
      if (filter.apiKeyId !== undefined && key.apiKeyId !== filter.apiKeyId) continue;
      count += this.usage.get(`${key.apiKeyId} ${filter.date}`) ?? 0;
    }
    return count;
  }
}

function isExpired(key: EmulatorApiKey, now: number): boolean {
  return key.expiresAtSeconds !== null && key.expiresAtSeconds <= now;
}

/** `YYYY-MM-DD` of a unix time, in UTC. */
export function utcDate(unixSeconds: number): string {
  return isoDay(unixSeconds * 1000);
}
