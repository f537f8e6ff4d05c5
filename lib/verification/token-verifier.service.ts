import type { KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { OrgAccessDeniedError, PropelAuthNotReadyError, TokenVerificationError } from '../errors';
import { checkOrgAccess, type OrgAccessRequirement } from '../models/org-access';
import type { OrgMemberInfo } from '../models/org-member-info';
import { userFromClaims } from '../models/user-from-claims';
import type { User } from '../models/user';
import type { ResolvedPropelAuthOptions } from '../module/propelauth-options';
import { PROPELAUTH_LOGGER_CONTEXT, PROPELAUTH_RESOLVED_OPTIONS } from '../propelauth.constants';
import { tokenExpiry, tokenKeyId, verifyAccessTokenClaims } from './access-token';
import { keysFromPem, loadVerifierKeys, sameKeys, selectKey, type VerifierKeys } from './verifier-keys';
import { VerifiedTokenCache } from './verified-token.cache';
import { parseBearerHeader } from './authorization-header';

/**
 * Verifies PropelAuth access tokens locally: RS256 against the verifier key,
 * `iss`, `exp` (required), `nbf`, `iat` and the claim shapes. No network call
 * per token. The key is loaded once, during `app.init()`. Verified tokens are
 * cached (see `tokenCacheSize`); the `User` returned is deeply frozen.
 *
 * @example
 * constructor(private readonly verifier: TokenVerifierService) {}
 * whoIs(header: string | undefined): User {
 *   return this.verifier.verifyAuthorizationHeader(header); // throws TokenVerificationError
 * }
 */
@Injectable()
export class TokenVerifierService implements OnModuleInit {
  private readonly logger = new Logger(PROPELAUTH_LOGGER_CONTEXT);
  private keys: VerifierKeys | undefined;
  private loading: Promise<void> | undefined;
  private readonly cache: VerifiedTokenCache;
  /** PEM path: the kid of tokens that verified with the current key (a different one hints at rotation). */
  private acceptedKid: string | undefined;
  private lastRefreshAt = 0;
  private refreshing: Promise<boolean> | undefined;

  constructor(@Inject(PROPELAUTH_RESOLVED_OPTIONS) private readonly options: ResolvedPropelAuthOptions) {
    this.keys = options.manualVerifierKey ? keysFromPem(options.manualVerifierKey) : undefined;
    this.cache = new VerifiedTokenCache(options.tokenCacheSize);
  }

  /** Loads the verifier key; Nest awaits this, so a failure fails the application start. */
  async onModuleInit(): Promise<void> {
    await this.ready();
  }

  /** Resolves once the verifier key is loaded; concurrent callers share one fetch. */
  ready(): Promise<void> {
    if (this.keys) return Promise.resolve();
    this.loading ??= loadVerifierKeys(this.options, this.logger).then(
      (keys) => {
        this.setVerifierKeys(keys);
      },
      (error: unknown) => {
        this.loading = undefined; // a later ready() may try again
        throw error;
      },
    );
    return this.loading;
  }

  /** Replaces the verifier key; every cached verification made with the old key is dropped. */
  protected setVerifierKey(key: KeyObject): void {
    this.setVerifierKeys(keysFromPem(key));
  }

  /** Replaces the verifier keys; every cached verification is dropped. */
  protected setVerifierKeys(keys: VerifierKeys): void {
    this.keys = keys;
    this.acceptedKid = undefined;
    this.cache.clear();
  }

  /**
   * Reloads the keys (the JWKS, or the verification metadata), at most once per
   * `keyRefreshIntervalSeconds`; concurrent callers share one reload. Resolves to
   * true when the keys changed. Never rejects: a failed reload is logged and
   * the current keys stay.
   */
  refreshKeys(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    if (!this.canRefreshKeys()) return Promise.resolve(false);
    this.lastRefreshAt = Date.now();
    this.refreshing = loadVerifierKeys(this.options, this.logger, 1)
      .then(
        (keys) => {
          if (sameKeys(this.keys, keys)) return false;
          this.setVerifierKeys(keys);
          this.logger.log('PropelAuth verifier key rotated: keys reloaded');
          return true;
        },
        (error: unknown) => {
          this.logger.warn(`Reloading the PropelAuth verifier keys failed: ${(error as Error)?.message ?? 'error'}; keeping the current keys`);
          return false;
        },
      )
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** True when a reload is under way or may start now: the keys come from PropelAuth and the last reload is old enough. */
  private canRefreshKeys(): boolean {
    if (this.refreshing) return true;
    const canReload = this.options.jwksUri !== undefined || this.options.manualVerifierKey === undefined;
    return canReload && this.keys !== undefined && Date.now() - this.lastRefreshAt >= this.options.keyRefreshIntervalSeconds * 1000;
  }

  /** True once tokens can be verified. */
  isReady(): boolean {
    return this.keys !== undefined;
  }

  /**
   * Verifies a raw access token (no `Bearer` prefix).
   * @throws TokenVerificationError (401) or PropelAuthNotReadyError (503)
   */
  verifyAccessToken(token: string): User {
    const keys = this.keys;
    if (keys === undefined) throw new PropelAuthNotReadyError();
    const nowSeconds = Date.now() / 1000;
    const tolerance = this.options.clockToleranceSeconds;
    const cached = typeof token === 'string' ? this.cache.get(token, nowSeconds, tolerance) : undefined;
    if (cached !== undefined) return cached;
    let kid: string | undefined;
    const keyFor = (tokenKid: string | undefined) => selectKey(keys, (kid = tokenKid));
    const claims = verifyAccessTokenClaims(token, { keyFor, issuer: this.options.issuer, clockToleranceSeconds: tolerance, nowSeconds });
    const user = userFromClaims(claims); // deeply frozen: the cache shares it
    this.acceptedKid = kid;
    this.cache.set(token, user, claims.exp as number, claims.nbf as number | undefined);
    return user;
  }

  /**
   * `verifyAccessToken`, plus key rotation: a token signed with a key that is not
   * loaded (an unknown kid with a JWKS; on the PEM path a bad signature with a
   * kid other than the accepted one) makes it reload the keys once, rate-limited
   * by `keyRefreshIntervalSeconds`, and verify again. The guards use this.
   *
   * @example const user = await verifier.verifyAccessTokenAsync(token);
   */
  async verifyAccessTokenAsync(token: string): Promise<User> {
    try {
      return this.verifyAccessToken(token);
    } catch (error) {
      const retry = this.verifyAfterKeyRefresh(error, token);
      if (retry === undefined) throw error;
      return retry;
    }
  }

  /**
   * After `verifyAccessToken` refused `token` with `error`: when the refusal may only
   * mean a key rotation and a reload is under way or allowed now, the verification
   * after that reload (rejecting with `error` when the keys did not change); else
   * undefined, at once. A refused token is never verified twice before the reload,
   * and while reloads are rate-limited a forged `kid` costs no more than any forgery.
   *
   * @example
   * try { return verifier.verifyAccessToken(token); }
   * catch (error) { const retry = verifier.verifyAfterKeyRefresh(error, token); if (!retry) throw error; return retry; }
   */
  verifyAfterKeyRefresh(error: unknown, token: string): Promise<User> | undefined {
    if (!this.mayBeRotated(error, token) || !this.canRefreshKeys()) return undefined;
    return this.refreshKeys().then((changed) => {
      if (!changed) throw error;
      return this.verifyAccessToken(token);
    });
  }

  /**
   * The `exp` (seconds since the epoch) of a token this service has verified: from
   * the cache, without decoding it again; read from its payload when the cache is
   * off or has evicted it. Undefined when the token has none. It does not verify.
   */
  expiryOf(token: string): number | undefined {
    return this.cache.expiryOf(token) ?? tokenExpiry(token);
  }

  /** True when a refusal may only mean that PropelAuth now signs with a key not loaded yet. */
  mayBeRotated(error: unknown, token: string): boolean {
    if (!(error instanceof TokenVerificationError)) return false;
    if (error.reason === 'unknown_key') return true;
    if (error.reason !== 'invalid_signature' || this.options.jwksUri !== undefined) return false;
    const kid = tokenKeyId(token);
    return kid !== undefined && kid !== this.acceptedKid;
  }

  /**
   * Verifies the value of an `Authorization: Bearer <token>` header.
   * @throws TokenVerificationError (401) or PropelAuthNotReadyError (503)
   */
  verifyAuthorizationHeader(header: string | undefined): User {
    return this.verifyAccessToken(parseBearerHeader(header));
  }

  /**
   * Verifies the header and checks the user's membership in an org, with an
   * optional role or permission requirement: what the official library's
   * `validateAccessTokenAndGetUserWithOrgInfo*` functions do, in one method.
   * @throws TokenVerificationError (401), OrgAccessDeniedError (403) or PropelAuthNotReadyError (503)
   *
   * @example
   * const { user, orgMemberInfo } = verifier.verifyAuthorizationHeaderForOrg(header, { orgId }, { minimumRole: 'Admin' });
   */
  verifyAuthorizationHeaderForOrg(
    header: string | undefined,
    org: { orgId?: string; orgName?: string },
    requirement: OrgAccessRequirement = {},
  ): { user: User; orgMemberInfo: OrgMemberInfo } {
    const user = this.verifyAuthorizationHeader(header);
    const access = checkOrgAccess(user, org?.orgId, org?.orgName, requirement);
    if (!access.ok) throw new OrgAccessDeniedError(access.reason);
    return { user, orgMemberInfo: access.org };
  }
}
