import { randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { RoleHierarchy } from './emulator-roles';
import type { EmulatorRoleStructure, EmulatorState, EmulatorUser } from './emulator-state';
import { wireOrgMemberInfo, wireStoredMembership } from './emulator-wire';

/** One org membership to put in a minted token. */
export interface MintOrgMembership {
  orgId?: string;
  orgName?: string;
  urlSafeOrgName?: string;
  /** Default: the lowest role of the hierarchy (Member). */
  role?: string;
  additionalRoles?: string[];
  /** Default: what the role hierarchy grants. */
  permissions?: string[];
  orgMetadata?: Record<string, unknown>;
  roleStructure?: EmulatorRoleStructure;
  legacyOrgId?: string;
}

/** What to put in a token minted by `PropelAuthEmulator.mintAccessToken()`. */
export interface MintAccessTokenOptions {
  userId?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  username?: string;
  properties?: Record<string, unknown>;
  legacyUserId?: string;
  impersonatorUserId?: string;
  orgs?: MintOrgMembership[];
  /** Scope the token to this org (one of `orgs`): it then carries `org_member_info` instead of the map. */
  activeOrgId?: string;
  /** Wire shape, e.g. `{ login_method: 'social_sso', provider: 'Google' }`. Default: password. */
  loginMethod?: Record<string, unknown>;
  /** Lifetime in seconds (default 1800, as PropelAuth). Negative gives an expired token. */
  expiresInSeconds?: number;
  /** `iat` in seconds since the epoch (default now). */
  issuedAt?: number;
  /** Claims set last, over the built ones; a value of `undefined` removes the claim. */
  claims?: Record<string, unknown>;
  /** Extra JWS header fields. */
  header?: Record<string, unknown>;
}

interface SigningKey {
  privateKey: KeyObject;
  kid: string;
}

/** Builds PropelAuth-shaped access-token claims (section 4.3/4.4 of the wire reference) and signs them RS256. */
export class TokenMinter {
  constructor(
    private readonly issuer: string,
    private readonly roles: RoleHierarchy,
    private readonly signingKey: () => SigningKey,
  ) {}

  mint(options: MintAccessTokenOptions = {}): string {
    const userId = options.userId ?? randomUUID();
    const orgEntries = (options.orgs ?? []).map((membership) => wireOrgMemberInfo(this.roles, membership));
    return this.sign(
      {
        user_id: userId,
        email: options.email ?? `${userId.slice(0, 8)}@example.com`,
        first_name: options.firstName,
        last_name: options.lastName,
        username: options.username,
        properties: options.properties,
        legacy_user_id: options.legacyUserId,
        impersonator_user_id: options.impersonatorUserId,
        login_method: options.loginMethod ?? { login_method: 'password' },
      },
      orgEntries,
      options,
    );
  }

  /** A token for a user held in the emulator's state, with that user's real memberships. */
  mintForUser(state: EmulatorState, user: EmulatorUser, options: { expiresInSeconds?: number; activeOrgId?: string } = {}): string {
    const orgEntries = state.orgsOfUser(user.userId).map(({ org, membership }) => wireStoredMembership(this.roles, org, membership));
    return this.sign(
      {
        user_id: user.userId,
        email: user.email,
        first_name: user.firstName,
        last_name: user.lastName,
        username: user.username,
        properties: user.properties,
        legacy_user_id: user.legacyUserId,
        login_method: { login_method: 'generated_from_backend_api' },
      },
      orgEntries,
      options,
    );
  }

  private sign(
    userClaims: Record<string, unknown>,
    orgEntries: Array<Record<string, unknown>>,
    options: Pick<MintAccessTokenOptions, 'activeOrgId' | 'expiresInSeconds' | 'issuedAt' | 'claims' | 'header'>,
  ): string {
    const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { sub: userClaims.user_id, iat, exp: iat + (options.expiresInSeconds ?? 1800), iss: this.issuer };
    for (const [name, value] of Object.entries(userClaims)) if (value !== undefined) claims[name] = value;
    if (options.activeOrgId !== undefined) {
      const active = orgEntries.find((entry) => entry.org_id === options.activeOrgId);
      if (!active) throw new Error(`activeOrgId ${options.activeOrgId} is not one of the user's orgs`);
      claims.org_member_info = active;
    } else {
      claims.org_id_to_org_member_info = Object.fromEntries(orgEntries.map((entry) => [entry.org_id, entry]));
    }
    for (const [name, value] of Object.entries(options.claims ?? {})) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    const { privateKey, kid } = this.signingKey();
    // jsonwebtoken keeps a given iat, and deletes it under noTimestamp: only ask for that when iat was removed.
    const noTimestamp = !Object.hasOwn(claims, 'iat');
    return jwt.sign(claims, privateKey, { algorithm: 'RS256', keyid: kid, noTimestamp, header: { typ: 'JWT', alg: 'RS256', ...options.header } });
  }
}
