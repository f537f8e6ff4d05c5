import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  ForbiddenException,
  initBaseAuth,
  UnauthorizedException,
  type OrgMemberInfo as OfficialOrgMemberInfo,
  type UserClass,
} from '@propelauth/node';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { OrgAccessDeniedError, PropelAuthModule, TokenVerificationError, TokenVerifierService, type OrgAccessRequirement, type OrgMemberInfo, type User } from '../../lib';
import { PropelAuthEmulator, type MintAccessTokenOptions } from '../../lib/testing';

// Parity with the official @propelauth/node (2.1.36): the same tokens go through both
// libraries, and every answer must agree except where ours documents a hardening.

const ACME = '6f1b1b8e-0c1a-4d4e-9a57-3c1d2a1b0001';
const BIGCO = '6f1b1b8e-0c1a-4d4e-9a57-3c1d2a1b0002';
const CUSTOM = '6f1b1b8e-0c1a-4d4e-9a57-3c1d2a1b0003';
const MULTI = '6f1b1b8e-0c1a-4d4e-9a57-3c1d2a1b0004';
const NOT_A_MEMBER = '6f1b1b8e-0c1a-4d4e-9a57-3c1d2a1b9999';

const ROLES = ['Owner', 'Admin', 'Member', 'Nonexistent', 'owner', 'Billing'];
const PERMISSIONS = ['propelauth::can_invite', 'propelauth::can_delete_org', 'propelauth::can_view_other_members', 'custom::billing', 'nonexistent'];
const PERMISSION_SETS = [[], ['propelauth::can_invite'], ['propelauth::can_invite', 'propelauth::can_delete_org'], ['propelauth::can_view_other_members', 'custom::billing']];

const CASES: Array<[string, MintAccessTokenOptions]> = [
  ['no orgs', { userId: 'u-none', email: 'none@example.com' }],
  ['one org as Owner', { userId: 'u-owner', firstName: 'Ada', lastName: 'Lovelace', username: 'ada', orgs: [{ orgId: ACME, orgName: 'Acme Inc', role: 'Owner' }] }],
  ['one org as Admin', { userId: 'u-admin', orgs: [{ orgId: ACME, orgName: 'Acme Inc', role: 'Admin', orgMetadata: { plan: 'pro', seats: 5 } }] }],
  ['one org as Member', { userId: 'u-member', orgs: [{ orgId: ACME, orgName: 'Acme Inc', role: 'Member' }] }],
  [
    'several orgs (spaces, punctuation, custom permissions)',
    {
      userId: 'u-several',
      orgs: [
        { orgId: ACME, orgName: 'Acme Inc', role: 'Owner' },
        { orgId: BIGCO, orgName: 'Big Co, Ltd.', role: 'Member' },
        { orgId: CUSTOM, orgName: 'custom-org', role: 'Admin', permissions: ['custom::billing', 'propelauth::can_invite'] },
      ],
    },
  ],
  [
    'multi_role org with additional roles',
    { userId: 'u-multi', orgs: [{ orgId: MULTI, orgName: 'Multi Role Org', role: 'Member', additionalRoles: ['Admin', 'Billing'], roleStructure: 'multi_role' }] },
  ],
  [
    'active-org token',
    { userId: 'u-active', orgs: [{ orgId: ACME, orgName: 'Acme Inc', role: 'Admin' }, { orgId: BIGCO, orgName: 'Big Co, Ltd.', role: 'Member' }], activeOrgId: BIGCO },
  ],
  ['social_sso login', { userId: 'u-social', loginMethod: { login_method: 'social_sso', provider: 'Google' } }],
  ['saml_sso login', { userId: 'u-saml', loginMethod: { login_method: 'saml_sso', provider: 'Okta', org_id: ACME }, orgs: [{ orgId: ACME, orgName: 'Acme Inc' }] }],
  ['unknown login method', { userId: 'u-unknown', loginMethod: { login_method: 'carrier_pigeon' } }],
  ['missing login_method', { userId: 'u-nologin', claims: { login_method: undefined } }],
  ['magic_link login', { userId: 'u-magic', loginMethod: { login_method: 'magic_link' } }],
  ['snake_case properties', { userId: 'u-props', properties: { favorite_color: 'blue', is_beta_tester: true, nested_obj: { inner_key: 1 } } }],
  ['impersonated user', { userId: 'u-imp', impersonatorUserId: 'employee-7', loginMethod: { login_method: 'impersonation' } }],
  ['legacy ids', { userId: 'u-legacy', legacyUserId: 'legacy-user-42', orgs: [{ orgId: ACME, orgName: 'Acme Inc', role: 'Admin', legacyOrgId: 'legacy-org-7' }] }],
  ['org with no permissions', { userId: 'u-noperm', orgs: [{ orgId: ACME, orgName: 'Acme Inc', role: 'Member', permissions: [] }] }],
];

type Official = ReturnType<typeof initBaseAuth>;
type Outcome = 'ok' | 'forbidden' | 'unauthorized' | string;

/** What a validateAccessTokenAndGetUser* call did, as one comparable word (plus the org it returned). */
async function outcomeOf(call: Promise<object>): Promise<Outcome> {
  try {
    const result: { orgMemberInfo?: OfficialOrgMemberInfo } = await call;
    return result.orgMemberInfo ? `ok:${result.orgMemberInfo.orgId}` : 'ok';
  } catch (error) {
    if (error instanceof ForbiddenException) return 'forbidden';
    if (error instanceof UnauthorizedException) return 'unauthorized';
    return `error:${(error as Error).name}`;
  }
}

/** Our verifier's answer: 'ok' or the TokenVerificationError reason. */
function ourReason(verify: () => User): string {
  try {
    verify();
    return 'ok';
  } catch (error) {
    if (error instanceof TokenVerificationError) return error.reason;
    throw error;
  }
}

function orgFields(org: OrgMemberInfo) {
  return {
    orgId: org.orgId,
    orgName: org.orgName,
    orgMetadata: org.orgMetadata,
    urlSafeOrgName: org.urlSafeOrgName,
    userAssignedRole: org.userAssignedRole,
    userInheritedRolesPlusCurrentRole: [...org.userInheritedRolesPlusCurrentRole],
    userPermissions: [...org.userPermissions],
    orgRoleStructure: org.orgRoleStructure,
    userAssignedAdditionalRoles: [...org.assignedAdditionalRoles],
    legacyOrgId: org.legacyOrgId,
  };
}

function officialOrgFields(org: OfficialOrgMemberInfo) {
  return {
    orgId: org.orgId,
    orgName: org.orgName,
    orgMetadata: org.orgMetadata,
    urlSafeOrgName: org.urlSafeOrgName,
    userAssignedRole: org.userAssignedRole,
    userInheritedRolesPlusCurrentRole: org.userInheritedRolesPlusCurrentRole,
    userPermissions: org.userPermissions,
    orgRoleStructure: org.orgRoleStructure,
    userAssignedAdditionalRoles: org.userAssignedAdditionalRoles,
    legacyOrgId: org.legacyOrgId,
  };
}

describe('parity with the official @propelauth/node', () => {
  let emulator: PropelAuthEmulator;
  let moduleRef: TestingModule;
  let verifier: TokenVerifierService;
  let official: Official;
  let fetchSpy: MockInstance;

  beforeAll(async () => {
    // Both libraries get the key and issuer up front: neither may make a network call.
    fetchSpy = vi.spyOn(globalThis, 'fetch');
    emulator = await new PropelAuthEmulator().start();
    const metadata = emulator.tokenVerificationMetadata();
    moduleRef = await Test.createTestingModule({
      imports: [PropelAuthModule.forRoot({ ...emulator.moduleOptions(), manualTokenVerificationMetadata: metadata })],
    }).compile();
    await moduleRef.init();
    verifier = moduleRef.get(TokenVerifierService);
    official = initBaseAuth({ authUrl: emulator.authUrl, apiKey: emulator.apiKey, manualTokenVerificationMetadata: metadata });
  });

  afterAll(async () => {
    fetchSpy?.mockRestore();
    await moduleRef?.close();
    await emulator?.stop();
  });

  describe.each(CASES)('token: %s', (_name, mint) => {
    let token: string;
    let ours: User;
    let theirs: UserClass;
    let orgIds: string[];
    beforeAll(async () => {
      token = emulator.mintAccessToken(mint);
      ours = verifier.verifyAuthorizationHeader(`Bearer ${token}`);
      theirs = await official.validateAccessTokenAndGetUserClass(`Bearer ${token}`);
      orgIds = [...new Set([...Object.keys(ours.orgIdToOrgMemberInfo), ...theirs.getOrgs().map((org) => org.orgId), NOT_A_MEMBER])];
    });

    it('has the same user fields and org memberships', async () => {
      const plain = await official.validateAccessTokenAndGetUser(`Bearer ${token}`);
      const expected = {
        userId: theirs.userId,
        email: theirs.email,
        firstName: theirs.firstName,
        lastName: theirs.lastName,
        username: theirs.username,
        legacyUserId: theirs.legacyUserId,
        impersonatorUserId: theirs.impersonatorUserId,
        activeOrgId: theirs.activeOrgId,
        loginMethod: theirs.loginMethod,
        metadata: plain.metadata,
        // Ours always has an object here (absent claim: {}); the official one leaves it undefined.
        properties: theirs.properties ?? {},
      };
      expect({
        userId: ours.userId,
        email: ours.email,
        firstName: ours.firstName,
        lastName: ours.lastName,
        username: ours.username,
        legacyUserId: ours.legacyUserId,
        impersonatorUserId: ours.impersonatorUserId,
        activeOrgId: ours.activeOrgId,
        loginMethod: ours.loginMethod,
        metadata: ours.metadata,
        properties: ours.properties,
      }).toStrictEqual(expected);
      expect(ours.isImpersonated()).toBe(theirs.isImpersonating());
      expect(ours.getActiveOrgId()).toBe(theirs.getActiveOrgId());
      expect(ours.getActiveOrg()?.orgId).toBe(theirs.getActiveOrg()?.orgId);
      expect(Object.keys(ours.orgIdToOrgMemberInfo).sort()).toEqual(Object.keys(plain.orgIdToOrgMemberInfo ?? {}).sort());
      expect(ours.getOrgs().map((org) => org.orgId).sort()).toEqual(theirs.getOrgs().map((org) => org.orgId).sort());
      for (const org of theirs.getOrgs()) {
        expect(orgFields(ours.getOrg(org.orgId)!)).toEqual(officialOrgFields(org));
      }
      for (const key of [...Object.keys(ours.properties), 'missing_key', 'toString', 'hasOwnProperty']) {
        expect(ours.getUserProperty(key)).toEqual(theirs.getUserProperty(key));
      }
    });

    it('answers role and permission checks the same, on the user and on each org', () => {
      for (const orgId of orgIds) {
        const ourOrg = ours.getOrg(orgId);
        const theirOrg = theirs.getOrg(orgId);
        expect(ourOrg?.orgId).toBe(theirOrg?.orgId);
        for (const role of ROLES) {
          expect([orgId, role, ours.isRoleInOrg(orgId, role)]).toEqual([orgId, role, theirs.isRole(orgId, role)]);
          expect([orgId, role, ours.isAtLeastRoleInOrg(orgId, role)]).toEqual([orgId, role, theirs.isAtLeastRole(orgId, role)]);
          if (ourOrg && theirOrg) {
            expect(ourOrg.userIsRole(role)).toBe(theirOrg.isRole(role));
            expect(ourOrg.userIsAtLeastRole(role)).toBe(theirOrg.isAtLeastRole(role));
          }
        }
        for (const permission of PERMISSIONS) {
          expect([orgId, permission, ours.hasPermissionInOrg(orgId, permission)]).toEqual([orgId, permission, theirs.hasPermission(orgId, permission)]);
          if (ourOrg && theirOrg) expect(ourOrg.userHasPermission(permission)).toBe(theirOrg.hasPermission(permission));
        }
        for (const permissions of PERMISSION_SETS) {
          expect([orgId, permissions, ours.hasAllPermissionsInOrg(orgId, permissions)]).toEqual([orgId, permissions, theirs.hasAllPermissions(orgId, permissions)]);
          if (ourOrg && theirOrg) expect(ourOrg.userHasAllPermissions(permissions)).toBe(theirOrg.hasAllPermissions(permissions));
        }
      }
    });

    it('finds orgs by name the same way', () => {
      for (const org of theirs.getOrgs()) {
        for (const name of [org.urlSafeOrgName, org.urlSafeOrgName.toUpperCase(), `${org.orgName} (wrong)`, 'no-such-org']) {
          expect([name, ours.getOrgByName(name)?.orgId]).toEqual([name, theirs.getOrgByName(name)?.orgId]);
        }
        if (org.orgName.toLowerCase().replace(/ /g, '-') === org.urlSafeOrgName) {
          expect(ours.getOrgByName(org.orgName)?.orgId).toBe(theirs.getOrgByName(org.orgName)?.orgId);
        } else {
          // Documented superset: ours also matches the org's exact name (as the official
          // validateAccessTokenAndGetUserWithOrgInfo({ orgName }) does), while the official
          // UserClass.getOrgByName only compares the URL-safe form, so "Big Co, Ltd." misses there.
          expect(theirs.getOrgByName(org.orgName)).toBeUndefined();
          expect(ours.getOrgByName(org.orgName)?.orgId).toBe(org.orgId);
        }
      }
    });

    it('makes the same accept / Forbidden decisions as the official org validators (verifyAuthorizationHeaderForOrg)', async () => {
      const header = `Bearer ${token}`;
      const ourOutcome = (orgId: string, requirement: OrgAccessRequirement = {}): Outcome => {
        try {
          return `ok:${verifier.verifyAuthorizationHeaderForOrg(header, { orgId }, requirement).orgMemberInfo.orgId}`;
        } catch (error) {
          if (error instanceof OrgAccessDeniedError) return 'forbidden';
          throw error;
        }
      };
      for (const orgId of orgIds) {
        expect(await outcomeOf(official.validateAccessTokenAndGetUserWithOrgInfo(header, { orgId }))).toBe(ourOutcome(orgId));
        for (const role of ROLES) {
          const minimum = await outcomeOf(official.validateAccessTokenAndGetUserWithOrgInfoWithMinimumRole(header, { orgId }, role));
          expect([orgId, role, minimum]).toEqual([orgId, role, ourOutcome(orgId, { minimumRole: role })]);
          const exact = await outcomeOf(official.validateAccessTokenAndGetUserWithOrgInfoWithExactRole(header, { orgId }, role));
          expect([orgId, role, exact]).toEqual([orgId, role, ourOutcome(orgId, { exactRole: role })]);
        }
        for (const permission of PERMISSIONS) {
          const outcome = await outcomeOf(official.validateAccessTokenAndGetUserWithOrgInfoWithPermission(header, { orgId }, permission));
          expect([orgId, permission, outcome]).toEqual([orgId, permission, ourOutcome(orgId, { permission })]);
        }
        for (const permissions of PERMISSION_SETS) {
          const outcome = await outcomeOf(official.validateAccessTokenAndGetUserWithOrgInfoWithAllPermissions(header, { orgId }, permissions));
          expect([orgId, permissions, outcome]).toEqual([orgId, permissions, ourOutcome(orgId, { permissions })]);
        }
      }
      for (const orgName of ['Acme Inc', 'acme-inc', 'No Such Org']) {
        const theirs = await outcomeOf(official.validateAccessTokenAndGetUserWithOrgInfo(header, { orgName }));
        const ours = (() => {
          try {
            return `ok:${verifier.verifyAuthorizationHeaderForOrg(header, { orgName }).orgMemberInfo.orgId}`;
          } catch (error) {
            if (error instanceof OrgAccessDeniedError) return 'forbidden';
            throw error;
          }
        })();
        expect([orgName, ours]).toEqual([orgName, theirs]);
      }
    });
  });

  describe('tokens both libraries refuse', () => {
    const officialOutcome = (header: string) => outcomeOf(official.validateAccessTokenAndGetUser(header));

    it('an expired token', async () => {
      const token = emulator.mintAccessToken({ userId: 'u-expired', expiresInSeconds: -60 });
      expect(await officialOutcome(`Bearer ${token}`)).toBe('unauthorized');
      expect(ourReason(() => verifier.verifyAuthorizationHeader(`Bearer ${token}`))).toBe('expired');
    });

    it('a token signed with another key', async () => {
      const valid = emulator.mintAccessToken({ userId: 'u-wrong-key', orgs: [{ orgId: ACME, role: 'Owner' }] });
      const claims = JSON.parse(Buffer.from(valid.split('.')[1], 'base64url').toString('utf8'));
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const forged = jwt.sign(claims, privateKey, { algorithm: 'RS256', noTimestamp: true });
      expect(await officialOutcome(`Bearer ${forged}`)).toBe('unauthorized');
      expect(ourReason(() => verifier.verifyAuthorizationHeader(`Bearer ${forged}`))).toBe('invalid_signature');
    });

    it('a token from another issuer, a not-yet-valid token and an unsigned token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const otherIssuer = emulator.mintAccessToken({ claims: { iss: 'https://auth.someone-else.example' } });
      const notYet = emulator.mintAccessToken({ claims: { nbf: now + 3600 } });
      const [head, payload] = emulator.mintAccessToken().split('.');
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
      for (const [token, reason] of [[otherIssuer, 'invalid_issuer'], [notYet, 'not_yet_valid'], [unsigned, 'malformed_token'], [`${head}.${payload}.AAAA`, 'invalid_signature']]) {
        expect(await officialOutcome(`Bearer ${token}`)).toBe('unauthorized');
        expect(ourReason(() => verifier.verifyAuthorizationHeader(`Bearer ${token}`))).toBe(reason);
      }
    });

    it('malformed Authorization headers (and agrees on a lowercase scheme)', async () => {
      const token = emulator.mintAccessToken({ userId: 'u-header' });
      for (const header of ['', token, `Basic ${token}`, `Bearer\t${token}`, `Bearer ${token} extra`, 'Bearer ']) {
        expect([header.slice(0, 12), await officialOutcome(header)]).toEqual([header.slice(0, 12), 'unauthorized']);
        expect(ourReason(() => verifier.verifyAuthorizationHeader(header))).not.toBe('ok');
      }
      expect(await officialOutcome(`bearer ${token}`)).toBe('ok');
      expect(ourReason(() => verifier.verifyAuthorizationHeader(`bearer ${token}`))).toBe('ok');
      // validateAccessTokenAndGetUserClass takes a bare token, like our verifyAccessToken.
      expect((await official.validateAccessTokenAndGetUserClass(token)).userId).toBe(verifier.verifyAccessToken(token).userId);
    });
  });

  describe('documented hardenings: ours differs on purpose', () => {
    const officialUser = (header: string) => official.validateAccessTokenAndGetUser(header);

    it('a token without exp: official accepts it forever, ours requires exp (missing_exp)', async () => {
      // jose only checks exp when present; ours refuses a token that would never expire.
      const token = emulator.mintAccessToken({ userId: 'u-no-exp', claims: { exp: undefined } });
      expect((await officialUser(`Bearer ${token}`)).userId).toBe('u-no-exp');
      expect(ourReason(() => verifier.verifyAccessToken(token))).toBe('missing_exp');
    });

    it('a token without user_id: official returns a user with no id, ours refuses it (invalid_claims)', async () => {
      // A User without a userId would authorize as "nobody"; ours treats the claims as invalid (401).
      const token = emulator.mintAccessToken({ claims: { user_id: undefined } });
      expect((await officialUser(`Bearer ${token}`)).userId).toBeUndefined();
      expect(ourReason(() => verifier.verifyAccessToken(token))).toBe('invalid_claims');
    });

    it('"Bearer  <token>" with two spaces: official splits on one space and refuses, ours follows RFC 6750 (1*SP)', async () => {
      // RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, so several spaces are valid.
      const token = emulator.mintAccessToken({ userId: 'u-two-spaces' });
      expect(await outcomeOf(officialUser(`Bearer  ${token}`))).toBe('unauthorized');
      expect(verifier.verifyAuthorizationHeader(`Bearer  ${token}`).userId).toBe('u-two-spaces');
    });

    it('an iss with a trailing slash: official compares exactly and refuses, ours normalises trailing slashes', async () => {
      // Ours strips trailing slashes from both the configured issuer and iss ("https://a" == "https://a/").
      const token = emulator.mintAccessToken({ userId: 'u-slash', claims: { iss: `${emulator.authUrl}/` } });
      expect(await outcomeOf(officialUser(`Bearer ${token}`))).toBe('unauthorized');
      expect(verifier.verifyAccessToken(token).userId).toBe('u-slash');
    });

    it('an iat far in the future: official ignores iat, ours refuses it (issued_in_future)', async () => {
      // Ours refuses an iat beyond clock tolerance + 60 s (TokenVerifierService checks iat); jose needs maxTokenAge for that.
      const issuedAt = Math.floor(Date.now() / 1000) + 3600;
      const token = emulator.mintAccessToken({ userId: 'u-future', issuedAt });
      // The emulator documents issuedAt as the token's iat; it must be in the signed payload.
      expect(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).iat).toBe(issuedAt);
      expect((await officialUser(`Bearer ${token}`)).userId).toBe('u-future');
      expect(ourReason(() => verifier.verifyAccessToken(token))).toBe('issued_in_future');
    });
  });

  it('neither library made a network call', () => {
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
