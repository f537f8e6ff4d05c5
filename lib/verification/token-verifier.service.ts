import type { KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { OrgAccessDeniedError, PropelAuthNotReadyError } from '../errors';
import { findUserOrg, unmetOrgRequirement, type OrgAccessRequirement } from '../models/org-access';
import type { OrgMemberInfo } from '../models/org-member-info';
import { userFromClaims } from '../models/user-from-claims';
import type { User } from '../models/user';
import type { ResolvedPropelAuthOptions } from '../module/propelauth-options';
import { PROPELAUTH_LOGGER_CONTEXT, PROPELAUTH_RESOLVED_OPTIONS } from '../propelauth.constants';
import { freezeUser } from '../models/freeze';
import { verifyAccessTokenClaims } from './access-token';
import { VerifiedTokenCache } from './verified-token.cache';
import { parseBearerHeader } from './authorization-header';
import { loadVerifierKey } from './verifier-key.loader';

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
  private key: KeyObject | undefined;
  private loading: Promise<void> | undefined;
  private readonly cache: VerifiedTokenCache;

  constructor(@Inject(PROPELAUTH_RESOLVED_OPTIONS) private readonly options: ResolvedPropelAuthOptions) {
    this.key = options.manualVerifierKey;
    this.cache = new VerifiedTokenCache(options.tokenCacheSize);
  }

  /** Loads the verifier key; Nest awaits this, so a failure fails the application start. */
  async onModuleInit(): Promise<void> {
    await this.ready();
  }

  /** Resolves once the verifier key is loaded; concurrent callers share one fetch. */
  ready(): Promise<void> {
    if (this.key) return Promise.resolve();
    this.loading ??= loadVerifierKey(this.options, this.logger).then(
      (key) => {
        this.setVerifierKey(key);
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
    this.key = key;
    this.cache.clear();
  }

  /** True once tokens can be verified. */
  isReady(): boolean {
    return this.key !== undefined;
  }

  /**
   * Verifies a raw access token (no `Bearer` prefix).
   * @throws TokenVerificationError (401) or PropelAuthNotReadyError (503)
   */
  verifyAccessToken(token: string): User {
    const key = this.key;
    if (key === undefined) throw new PropelAuthNotReadyError();
    const nowSeconds = Date.now() / 1000;
    const tolerance = this.options.clockToleranceSeconds;
    const cached = typeof token === 'string' ? this.cache.get(token, nowSeconds, tolerance) : undefined;
    if (cached !== undefined) return cached;
    const claims = verifyAccessTokenClaims(token, { key, issuer: this.options.issuer, clockToleranceSeconds: tolerance, nowSeconds });
    const user = freezeUser(userFromClaims(claims));
    this.cache.set(token, user, claims.exp as number, claims.nbf as number | undefined);
    return user;
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
    const found = findUserOrg(user, org?.orgId, org?.orgName);
    if (!found.ok) throw new OrgAccessDeniedError(found.reason);
    const unmet = unmetOrgRequirement(found.org, requirement);
    if (unmet !== undefined) throw new OrgAccessDeniedError(unmet);
    return { user, orgMemberInfo: found.org };
  }
}
