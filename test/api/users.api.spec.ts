import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OrgMemberInfo,
  PropelAuthApiKeyRejectedError,
  PropelAuthBadRequestError,
  PropelAuthFeatureNotEnabledError,
  PropelAuthNotFoundError,
  PropelAuthRateLimitedError,
  TokenVerifierService,
} from '../../lib';
import { UserStore } from '../../lib/testing/emulator/users.store';
import { captureWire, officialClient, rejection, sameWire, startApiHarness, withOrganizationsOff, type ApiHarness } from '../support/api';

const UNKNOWN_ID = '6f1b1b8e-0c1a-4d4e-9a57-3c1d2a1b0fff';
const BAD_ID = '../../admin';

describe('PropelAuthApiService: users', () => {
  let h: ApiHarness;
  let official: ReturnType<typeof officialClient>;
  let counter = 0;
  /** A fresh email for each use, so tests sharing the one emulator never collide. */
  const email = (tag: string) => `${tag}-${++counter}@acme.test`;
  const user = (tag: string, extra: { username?: string; properties?: Record<string, unknown>; emailConfirmed?: boolean; legacyUserId?: string } = {}) =>
    h.emulator.createUser({ email: email(tag), ...extra });
  const store = () => h.emulator.state.store(UserStore);
  beforeAll(async () => {
    h = await startApiHarness();
    official = officialClient(h.emulator);
  });
  afterAll(async () => {
    official?.restore();
    await h?.close();
  });

  it('every user update answers false for an id that cannot be a path parameter ("", ".", ".."), without a request', async () => {
    for (const id of ['', '.', '..']) {
      const calls: Array<[string, () => Promise<boolean>]> = [
        ['updateUserMetadata', () => h.api.updateUserMetadata(id, { firstName: 'x' })],
        ['updateUserEmail', () => h.api.updateUserEmail(id, { newEmail: 'x@acme.test', requireEmailConfirmation: false })],
        ['updateUserPassword', () => h.api.updateUserPassword(id, { password: 'correct horse battery' })],
        ['deleteUser', () => h.api.deleteUser(id)],
        ['disableUser', () => h.api.disableUser(id)],
        ['enableUser', () => h.api.enableUser(id)],
        ['disableUser2fa', () => h.api.disableUser2fa(id)],
        ['logoutAllUserSessions', () => h.api.logoutAllUserSessions(id)],
        ['resendEmailConfirmation', () => h.api.resendEmailConfirmation(id)],
      ];
      for (const [name, call] of calls) {
        expect(await captureWire(h.emulator, async () => expect(await call(), `${name}(${JSON.stringify(id)})`).toBe(false))).toEqual([]);
      }
    }
  });

  describe('fetchUserMetadataByUserId', () => {
    it('returns the user, with its orgs as OrgMemberInfo when asked, and properties keys as sent', async () => {
      const stored = h.emulator.createUser({ email: 'fetch@acme.test', firstName: 'Fe', properties: { favorite_color: 'red' } });
      const org = h.emulator.createOrg({ name: 'Fetch Org' });
      h.emulator.addUserToOrg({ userId: stored.userId, orgId: org.orgId, role: 'Admin' });

      const fetched = await h.api.fetchUserMetadataByUserId(stored.userId);
      expect(fetched).toMatchObject({ userId: stored.userId, email: 'fetch@acme.test', firstName: 'Fe', enabled: true, properties: { favorite_color: 'red' } });
      expect(fetched?.orgIdToOrgInfo).toBeUndefined();

      const withOrgs = await h.api.fetchUserMetadataByUserId(stored.userId, true);
      const info = withOrgs!.orgIdToOrgInfo![org.orgId];
      expect(info).toBeInstanceOf(OrgMemberInfo);
      expect(info.userIsAtLeastRole('Member')).toBe(true);
      expect(info.orgName).toBe('Fetch Org');
    });

    it('returns null for an unknown user, and for an id that cannot exist without a request', async () => {
      expect(await h.api.fetchUserMetadataByUserId(UNKNOWN_ID)).toBeNull();
      expect(await captureWire(h.emulator, () => h.api.fetchUserMetadataByUserId(BAD_ID))).toEqual([]);
      await expect(h.api.fetchUserMetadataByUserId('not-a-uuid')).resolves.toBeNull();
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const stored = user('wire');
      const request = await sameWire(h.emulator, 
        () => official.auth.fetchUserMetadataByUserId(stored.userId, true),
        () => h.api.fetchUserMetadataByUserId(stored.userId, true),
      );
      expect(request).toMatchObject({ method: 'GET', path: `/api/backend/v1/user/${stored.userId}`, query: { include_orgs: 'true' } });
    });

    it('rejects with PropelAuthApiKeyRejectedError on 401', async () => {
      const stored = user('401');
      h.emulator.failNext({ path: `/api/backend/v1/user/${stored.userId}`, status: 401 });
      const error = await rejection(h.api.fetchUserMetadataByUserId(stored.userId));
      expect(error).toBeInstanceOf(PropelAuthApiKeyRejectedError);
      expect((error as PropelAuthApiKeyRejectedError).status).toBe(401);
    });
  });

  describe('fetchUserMetadataByEmail / fetchUserMetadataByUsername', () => {
    it('find the user (email case-insensitively), with orgs when asked', async () => {
      const stored = user('by-email', { username: `ada${counter}`, properties: { plan_tier: 'pro' } });
      const org = h.emulator.createOrg({ name: 'By Email Org' });
      h.emulator.addUserToOrg({ userId: stored.userId, orgId: org.orgId, role: 'Member' });

      const byEmail = await h.api.fetchUserMetadataByEmail(stored.email.toUpperCase());
      expect(byEmail).toMatchObject({ userId: stored.userId, email: stored.email, properties: { plan_tier: 'pro' } });
      expect(byEmail?.orgIdToOrgInfo).toBeUndefined();
      const byUsername = await h.api.fetchUserMetadataByUsername(stored.username!, true);
      expect(byUsername?.userId).toBe(stored.userId);
      expect(byUsername?.orgIdToOrgInfo?.[org.orgId]).toBeInstanceOf(OrgMemberInfo);
    });

    it('return null when there is no such user', async () => {
      expect(await h.api.fetchUserMetadataByEmail('nobody@nowhere.test')).toBeNull();
      expect(await h.api.fetchUserMetadataByUsername('nobody-at-all')).toBeNull();
    });

    it('reject with field errors on 400', async () => {
      const error = await rejection(h.api.fetchUserMetadataByEmail(''));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ email: ['email is required'] });
      expect(((await rejection(h.api.fetchUserMetadataByUsername(''))) as PropelAuthBadRequestError).fieldToErrors).toEqual({ username: ['username is required'] });
    });

    it('put the same requests on the wire as @propelauth/node', async () => {
      const byEmail = await sameWire(h.emulator, () => official.auth.fetchUserMetadataByEmail('x+y@acme.test', true), () => h.api.fetchUserMetadataByEmail('x+y@acme.test', true));
      expect(byEmail).toMatchObject({ method: 'GET', path: '/api/backend/v1/user/email', query: { email: 'x+y@acme.test', include_orgs: 'true' } });
      const byName = await sameWire(h.emulator, () => official.auth.fetchUserMetadataByUsername('a b&c'), () => h.api.fetchUserMetadataByUsername('a b&c'));
      expect(byName).toMatchObject({ path: '/api/backend/v1/user/username', query: { username: 'a b&c', include_orgs: 'false' } });
    });
  });

  describe('fetchBatchUserMetadataBy*', () => {
    it('re-key the answer by user id, email and username; unknown values are absent', async () => {
      const a = user('batch-a', { username: `batch-a-${counter}`, properties: { some_key: 1 } });
      const b = user('batch-b', { username: `batch-b-${counter}` });
      const byId = await h.api.fetchBatchUserMetadataByUserIds([a.userId, b.userId, UNKNOWN_ID]);
      expect(Object.keys(byId).sort()).toEqual([a.userId, b.userId].sort());
      expect(byId[a.userId]).toEqual(await h.api.fetchUserMetadataByUserId(a.userId));
      expect(byId[a.userId].properties).toEqual({ some_key: 1 });

      const byEmail = await h.api.fetchBatchUserMetadataByEmails([a.email, 'nobody@acme.test']);
      expect(Object.keys(byEmail)).toEqual([a.email]);
      expect(byEmail[a.email].userId).toBe(a.userId);

      const byName = await h.api.fetchBatchUserMetadataByUsernames([b.username!, 'nobody']);
      expect(Object.keys(byName)).toEqual([b.username]);
      expect(byName[b.username!].userId).toBe(b.userId);
    });

    it('fill orgIdToOrgInfo when asked, and key a "__proto__" username as an own property', async () => {
      const stored = user('batch-orgs', { username: '__proto__' });
      const org = h.emulator.createOrg({ name: 'Batch Org' });
      h.emulator.addUserToOrg({ userId: stored.userId, orgId: org.orgId, role: 'Owner' });
      const byId = await h.api.fetchBatchUserMetadataByUserIds([stored.userId], true);
      expect(byId[stored.userId].orgIdToOrgInfo?.[org.orgId]).toBeInstanceOf(OrgMemberInfo);

      const byName = await h.api.fetchBatchUserMetadataByUsernames(['__proto__']);
      expect(Object.hasOwn(byName, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(byName, '__proto__')?.value.userId).toBe(stored.userId);
      expect(Object.getPrototypeOf(byName)).toBe(Object.prototype);
    });

    it('reject with field errors on 400', async () => {
      const error = await rejection(h.api.fetchBatchUserMetadataByUserIds(Array.from({ length: 101 }, () => randomUUID())));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ user_ids: ['At most 100 user_ids per request'] });
      const emails = (await rejection(h.api.fetchBatchUserMetadataByEmails([1 as unknown as string]))) as PropelAuthBadRequestError;
      expect(emails.fieldToErrors).toEqual({ emails: ['emails must be a list of strings'] });
    });

    it('put the same requests on the wire as @propelauth/node', async () => {
      const ids = [randomUUID(), randomUUID()];
      const plain = await sameWire(h.emulator, () => official.auth.fetchBatchUserMetadataByUserIds(ids), () => h.api.fetchBatchUserMetadataByUserIds(ids));
      expect(plain).toMatchObject({ method: 'POST', path: '/api/backend/v1/user/user_ids', query: {}, body: { user_ids: ids } });
      const withOrgs = await sameWire(h.emulator, () => official.auth.fetchBatchUserMetadataByUserIds(ids, true), () => h.api.fetchBatchUserMetadataByUserIds(ids, true));
      expect(withOrgs.query).toEqual({ include_orgs: 'true' });
      const emails = await sameWire(h.emulator, () => official.auth.fetchBatchUserMetadataByEmails(['a@x.test'], true), () => h.api.fetchBatchUserMetadataByEmails(['a@x.test'], true));
      expect(emails).toMatchObject({ path: '/api/backend/v1/user/emails', body: { emails: ['a@x.test'] } });
      const names = await sameWire(h.emulator, () => official.auth.fetchBatchUserMetadataByUsernames(['ada']), () => h.api.fetchBatchUserMetadataByUsernames(['ada']));
      expect(names).toMatchObject({ path: '/api/backend/v1/user/usernames', body: { usernames: ['ada'] } });
    });
  });

  describe('fetchUsersByQuery', () => {
    it('pages through the matching users in creation order, with totals', async () => {
      const tag = `query${randomUUID().slice(0, 8)}`;
      const created = [user(`${tag}-c`), user(`${tag}-a`), user(`${tag}-b`)];
      const first = await h.api.fetchUsersByQuery({ emailOrUsername: tag.toUpperCase(), pageSize: 2 });
      expect(first).toMatchObject({ totalUsers: 3, currentPage: 0, pageSize: 2, hasMoreResults: true });
      expect(first.users.map((u) => u.userId)).toEqual([created[0].userId, created[1].userId]);
      const second = await h.api.fetchUsersByQuery({ emailOrUsername: tag, pageSize: 2, pageNumber: 1 });
      expect(second).toMatchObject({ totalUsers: 3, currentPage: 1, pageSize: 2, hasMoreResults: false });
      expect(second.users.map((u) => u.userId)).toEqual([created[2].userId]);

      const newest = await h.api.fetchUsersByQuery({ emailOrUsername: tag, orderBy: 'CREATED_AT_DESC' });
      expect(newest.users.map((u) => u.userId)).toEqual([...created].reverse().map((u) => u.userId));
      expect(newest.pageSize).toBe(10);
      const byEmail = await h.api.fetchUsersByQuery({ emailOrUsername: tag, orderBy: 'EMAIL' });
      expect(byEmail.users.map((u) => u.email)).toEqual(created.map((u) => u.email).sort());
    });

    it('matches usernames, filters by legacy user id, and includes orgs when asked', async () => {
      const tag = `legacy${randomUUID().slice(0, 8)}`;
      const named = user('plain', { username: `${tag}-name` });
      const legacy = user('legacy', { legacyUserId: tag });
      const org = h.emulator.createOrg({ name: 'Query Org' });
      h.emulator.addUserToOrg({ userId: named.userId, orgId: org.orgId, role: 'Member' });

      const byName = await h.api.fetchUsersByQuery({ emailOrUsername: `${tag}-NAME`, includeOrgs: true });
      expect(byName.users.map((u) => u.userId)).toEqual([named.userId]);
      expect(byName.users[0].orgIdToOrgInfo?.[org.orgId]).toBeInstanceOf(OrgMemberInfo);
      const byLegacy = await h.api.fetchUsersByQuery({ legacyUserId: tag });
      expect(byLegacy).toMatchObject({ totalUsers: 1, hasMoreResults: false });
      expect(byLegacy.users[0]).toMatchObject({ userId: legacy.userId, legacyUserId: tag });
    });

    it('rejects with field errors on 400', async () => {
      const size = (await rejection(h.api.fetchUsersByQuery({ pageSize: 0 }))) as PropelAuthBadRequestError;
      expect(size).toBeInstanceOf(PropelAuthBadRequestError);
      expect(size.fieldToErrors).toEqual({ page_size: ['page_size must be an integer from 1 to 100'] });
      const order = (await rejection(h.api.fetchUsersByQuery({ orderBy: 'NAME' as 'EMAIL' }))) as PropelAuthBadRequestError;
      expect(Object.keys(order.fieldToErrors)).toEqual(['order_by']);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const query = { pageSize: 5, pageNumber: 1, orderBy: 'LAST_ACTIVE_AT_DESC' as const, emailOrUsername: 'a b', includeOrgs: true, legacyUserId: 'l-1' };
      const request = await sameWire(h.emulator, () => official.auth.fetchUsersByQuery(query), () => h.api.fetchUsersByQuery(query));
      expect(request).toMatchObject({
        method: 'GET',
        path: '/api/backend/v1/user/query',
        query: { page_size: '5', page_number: '1', order_by: 'LAST_ACTIVE_AT_DESC', email_or_username: 'a b', include_orgs: 'true', legacy_user_id: 'l-1' },
      });
      expect((await sameWire(h.emulator, () => official.auth.fetchUsersByQuery({}), () => h.api.fetchUsersByQuery({}))).query).toEqual({});
    });
  });

  describe('fetchUsersInOrg', () => {
    it('pages through the members with their roles, filtered by role', async () => {
      const org = h.emulator.createOrg({ name: 'Members Org' });
      const members = [user('member-a'), user('member-b'), user('member-c')];
      user('outsider');
      h.emulator.addUserToOrg({ userId: members[0].userId, orgId: org.orgId, role: 'Owner' });
      h.emulator.addUserToOrg({ userId: members[1].userId, orgId: org.orgId, role: 'Member' });
      h.emulator.addUserToOrg({ userId: members[2].userId, orgId: org.orgId, role: 'Member' });

      const first = await h.api.fetchUsersInOrg({ orgId: org.orgId, pageSize: 2 });
      expect(first).toMatchObject({ totalUsers: 3, currentPage: 0, pageSize: 2, hasMoreResults: true });
      expect(first.users.map((u) => [u.userId, u.roleInOrg, u.additionalRolesInOrg])).toEqual([
        [members[0].userId, 'Owner', []],
        [members[1].userId, 'Member', []],
      ]);
      expect(first.users[0].orgIdToOrgInfo).toBeUndefined();
      const second = await h.api.fetchUsersInOrg({ orgId: org.orgId, pageSize: 2, pageNumber: 1, includeOrgs: true });
      expect(second.users.map((u) => u.userId)).toEqual([members[2].userId]);
      expect(second.users[0].orgIdToOrgInfo?.[org.orgId]).toBeInstanceOf(OrgMemberInfo);
      const owners = await h.api.fetchUsersInOrg({ orgId: org.orgId, role: 'Owner' });
      expect(owners).toMatchObject({ totalUsers: 1, hasMoreResults: false });
      expect(owners.users[0].userId).toBe(members[0].userId);
    });

    it('answers an empty page for an org id that cannot exist, without a request', async () => {
      const wire = await captureWire(h.emulator, async () => {
        expect(await h.api.fetchUsersInOrg({ orgId: BAD_ID })).toEqual({ users: [], totalUsers: 0, currentPage: 0, pageSize: 10, hasMoreResults: false });
        expect(await h.api.fetchUsersInOrg({ orgId: 'nope', pageSize: 5, pageNumber: 2 })).toEqual({ users: [], totalUsers: 0, currentPage: 2, pageSize: 5, hasMoreResults: false });
      });
      expect(wire).toEqual([]);
    });

    it('rejects an unknown org (404), a bad page size (400) and a project without organizations (426)', async () => {
      expect(await rejection(h.api.fetchUsersInOrg({ orgId: UNKNOWN_ID }))).toBeInstanceOf(PropelAuthNotFoundError);
      const org = h.emulator.createOrg({ name: 'Paged Org' });
      const bad = (await rejection(h.api.fetchUsersInOrg({ orgId: org.orgId, pageSize: 101 }))) as PropelAuthBadRequestError;
      expect(bad).toBeInstanceOf(PropelAuthBadRequestError);
      expect(bad.fieldToErrors).toEqual({ page_size: ['page_size must be an integer from 1 to 100'] });
      await withOrganizationsOff(h.emulator, async () => {
        const error = await rejection(h.api.fetchUsersInOrg({ orgId: org.orgId }));
        expect(error).toBeInstanceOf(PropelAuthFeatureNotEnabledError);
        expect((error as PropelAuthFeatureNotEnabledError).status).toBe(426);
      });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const org = h.emulator.createOrg({ name: 'Wire Members Org' });
      const query = { orgId: org.orgId, pageSize: 3, pageNumber: 0, includeOrgs: false, role: 'Admin' };
      const request = await sameWire(h.emulator, () => official.auth.fetchUsersInOrg(query), () => h.api.fetchUsersInOrg(query));
      expect(request).toMatchObject({ method: 'GET', path: `/api/backend/v1/user/org/${org.orgId}`, query: { page_size: '3', page_number: '0', include_orgs: 'false', role: 'Admin' } });
    });
  });

  describe('fetchUserSignupQueryParams', () => {
    it('returns the parameters of the signup (keys as sent), empty when there were none', async () => {
      const address = email('signup');
      await h.api.createMagicLink({ email: address, userSignupQueryParameters: { utm_source: 'newsletter', 'ref-code': 'A1' } });
      const created = h.emulator.state.findUserByEmail(address)!;
      expect(await h.api.fetchUserSignupQueryParams(created.userId)).toEqual({ userSignupQueryParameters: { utm_source: 'newsletter', 'ref-code': 'A1' } });
      expect(await h.api.fetchUserSignupQueryParams(user('no-signup').userId)).toEqual({ userSignupQueryParameters: {} });
    });

    it('returns null for an unknown user, and for a bad id without a request', async () => {
      expect(await h.api.fetchUserSignupQueryParams(UNKNOWN_ID)).toBeNull();
      expect(await captureWire(h.emulator, async () => expect(await h.api.fetchUserSignupQueryParams(BAD_ID)).toBeNull())).toEqual([]);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const stored = user('signup-wire');
      const request = await sameWire(h.emulator, () => official.auth.fetchUserSignupQueryParams(stored.userId), () => h.api.fetchUserSignupQueryParams(stored.userId));
      expect(request).toMatchObject({ method: 'GET', path: `/api/backend/v1/user/${stored.userId}/signup_query_parameters` });
    });
  });

  describe('fetchUserMfaMethods / disableUser2fa', () => {
    it('returns the MFA setup: none, TOTP or phones (camelCase)', async () => {
      const none = user('mfa-none');
      expect(await h.api.fetchUserMfaMethods(none.userId)).toEqual({ mfaSetup: null });
      const totp = user('mfa-totp');
      store().setMfa(totp, { type: 'Totp' });
      expect(await h.api.fetchUserMfaMethods(totp.userId)).toEqual({ mfaSetup: { type: 'Totp' } });
      const phone = user('mfa-phone');
      const phoneId = randomUUID();
      store().setMfa(phone, { type: 'Phone', phoneNumbers: [{ suffix: '4242', phoneId }] });
      expect(await h.api.fetchUserMfaMethods(phone.userId)).toEqual({ mfaSetup: { type: 'Phone', phoneNumbers: [{ mfaPhoneNumberSuffix: '4242', mfaPhoneId: phoneId }] } });
      expect((await h.api.fetchUserMetadataByUserId(phone.userId))?.mfaEnabled).toBe(true);
    });

    it('disableUser2fa removes the MFA; false for an unknown user or a bad id (no request)', async () => {
      const stored = user('2fa');
      store().setMfa(stored, { type: 'Totp' });
      expect(await h.api.disableUser2fa(stored.userId)).toBe(true);
      expect(await h.api.fetchUserMfaMethods(stored.userId)).toEqual({ mfaSetup: null });
      expect((await h.api.fetchUserMetadataByUserId(stored.userId))?.mfaEnabled).toBe(false);
      expect(await h.api.disableUser2fa(UNKNOWN_ID)).toBe(false);
      expect(await captureWire(h.emulator, async () => expect(await h.api.disableUser2fa(BAD_ID)).toBe(false))).toEqual([]);
    });

    it('fetchUserMfaMethods returns null for an unknown user, and for a bad id without a request', async () => {
      expect(await h.api.fetchUserMfaMethods(UNKNOWN_ID)).toBeNull();
      expect(await captureWire(h.emulator, async () => expect(await h.api.fetchUserMfaMethods(BAD_ID)).toBeNull())).toEqual([]);
    });

    it('put the same requests on the wire as @propelauth/node', async () => {
      const stored = user('mfa-wire');
      expect((await sameWire(h.emulator, () => official.auth.fetchUserMfaMethods(stored.userId), () => h.api.fetchUserMfaMethods(stored.userId))).path).toBe(
        `/api/backend/v1/user/${stored.userId}/mfa`,
      );
      const disable = await sameWire(h.emulator, () => official.auth.disableUser2fa(stored.userId), () => h.api.disableUser2fa(stored.userId));
      expect(disable).toMatchObject({ method: 'POST', path: `/api/backend/v1/user/${stored.userId}/disable_2fa`, body: undefined });
    });
  });

  describe('fetchUserOAuthTokens / fetchFreshTokenFromProvider', () => {
    it('returns the tokens by provider, camelCased', async () => {
      const stored = user('oauth');
      store().setOAuthToken(stored.userId, 'github', { accessToken: 'gho_1', refreshToken: 'ghr_1', tokenExpiration: 1_900_000_000, authorizedScopes: ['repo', 'user:email'] });
      store().setOAuthToken(stored.userId, 'google', { accessToken: 'ya29.x' });
      expect(await h.api.fetchUserOAuthTokens(stored.userId)).toEqual({
        github: { accessToken: 'gho_1', refreshToken: 'ghr_1', tokenProvider: 'github', tokenExpiration: 1_900_000_000, authorizedScopes: ['repo', 'user:email'] },
        google: { accessToken: 'ya29.x', tokenProvider: 'google' },
      });
      expect(await h.api.fetchUserOAuthTokens(user('no-oauth').userId)).toEqual({});
    });

    it('fetchUserOAuthTokens returns null for an unknown user, and for a bad id without a request', async () => {
      expect(await h.api.fetchUserOAuthTokens(UNKNOWN_ID)).toBeNull();
      expect(await captureWire(h.emulator, async () => expect(await h.api.fetchUserOAuthTokens(BAD_ID)).toBeNull())).toEqual([]);
    });

    it('fetchFreshTokenFromProvider returns a new token from the provider', async () => {
      const stored = user('fresh');
      store().setOAuthToken(stored.userId, 'slack', { accessToken: 'xoxp-old', refreshToken: 'xoxe-1', authorizedScopes: ['chat:write'] });
      const fresh = await h.api.fetchFreshTokenFromProvider(stored.userId, 'slack');
      expect(fresh).toMatchObject({ tokenProvider: 'slack', refreshToken: 'xoxe-1', authorizedScopes: ['chat:write'] });
      expect(fresh?.accessToken).not.toBe('xoxp-old');
      expect(fresh?.tokenExpiration).toBeGreaterThan(Date.now() / 1000);
      expect((await h.api.fetchUserOAuthTokens(stored.userId))?.slack?.accessToken).toBe(fresh?.accessToken);
    });

    it('fetchFreshTokenFromProvider: 404 rejects (unknown user, no token), 400 rejects, a bad id is null without a request', async () => {
      expect(await rejection(h.api.fetchFreshTokenFromProvider(UNKNOWN_ID, 'github'))).toBeInstanceOf(PropelAuthNotFoundError);
      const stored = user('no-fresh');
      const missing = await rejection(h.api.fetchFreshTokenFromProvider(stored.userId, 'gitlab'));
      expect(missing).toBeInstanceOf(PropelAuthNotFoundError);
      expect((missing as PropelAuthNotFoundError).status).toBe(404);
      const unknownProvider = (await rejection(h.api.fetchFreshTokenFromProvider(stored.userId, 'myspace' as 'github'))) as PropelAuthBadRequestError;
      expect(unknownProvider).toBeInstanceOf(PropelAuthBadRequestError);
      expect(unknownProvider.fieldToErrors).toEqual({ provider: ['Unknown provider myspace'] });
      expect(await captureWire(h.emulator, async () => expect(await h.api.fetchFreshTokenFromProvider(BAD_ID, 'github')).toBeNull())).toEqual([]);
    });

    it('put the same requests on the wire as @propelauth/node', async () => {
      const stored = user('oauth-wire');
      store().setOAuthToken(stored.userId, 'xero', { accessToken: 'x' });
      expect((await sameWire(h.emulator, () => official.auth.fetchUserOAuthTokens(stored.userId), () => h.api.fetchUserOAuthTokens(stored.userId))).path).toBe(
        `/api/backend/v1/user/${stored.userId}/oauth_token`,
      );
      const fresh = await sameWire(h.emulator, () => official.auth.fetchFreshTokenFromProvider(stored.userId, 'xero'), () => h.api.fetchFreshTokenFromProvider(stored.userId, 'xero'));
      expect(fresh).toMatchObject({ method: 'GET', path: `/api/backend/v1/user/${stored.userId}/xero/fresh_token` });
    });
  });

  describe('createUser', () => {
    it('creates the user and resolves to its id', async () => {
      const { userId } = await h.api.createUser({ email: 'new@acme.test', firstName: 'New', properties: { plan_tier: 'pro' } });
      expect(h.emulator.state.users.get(userId)).toMatchObject({ email: 'new@acme.test', firstName: 'New', properties: { plan_tier: 'pro' } });
      expect((await h.api.fetchUsersByQuery({ emailOrUsername: 'new@acme.test' })).users.map((u) => u.userId)).toEqual([userId]);
    });

    it('rejects with field errors on 400', async () => {
      const error = await rejection(h.api.createUser({ email: 'new@acme.test' }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ email: ['Email already exists'] });
      expect((error as PropelAuthBadRequestError).status).toBe(400);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const request = { email: 'same@acme.test', emailConfirmed: true, firstName: 'S', lastName: 'T', username: 'st', password: 'hunter22', properties: { a_b: 1 } };
      const wire = await sameWire(h.emulator, () => official.auth.createUser(request), () => h.api.createUser(request));
      expect(wire.path).toBe('/api/backend/v1/user/');
    });
  });

  describe('updateUserMetadata', () => {
    it('changes the given fields: properties merged with keys as sent, metadata replaced', async () => {
      const stored = user('update', { properties: { plan_tier: 'free', seats: 1 } });
      stored.metadata = { old_key: true };
      expect(
        await h.api.updateUserMetadata(stored.userId, {
          username: `updated-${counter}`,
          firstName: 'Up',
          lastName: 'Dated',
          pictureUrl: 'https://img.test/a.png',
          metadata: { billing_id: 'cus_1' },
          properties: { plan_tier: 'pro' },
          updatePasswordRequired: true,
          legacyUserId: 'legacy-up',
        }),
      ).toBe(true);
      expect(await h.api.fetchUserMetadataByUserId(stored.userId)).toMatchObject({
        username: `updated-${counter}`,
        firstName: 'Up',
        lastName: 'Dated',
        pictureUrl: 'https://img.test/a.png',
        metadata: { billing_id: 'cus_1' },
        properties: { plan_tier: 'pro', seats: 1 },
        updatePasswordRequired: true,
        legacyUserId: 'legacy-up',
      });
      expect(await h.api.updateUserMetadata(stored.userId, { lastName: 'Only' })).toBe(true);
      expect(await h.api.fetchUserMetadataByUserId(stored.userId)).toMatchObject({ firstName: 'Up', lastName: 'Only' });
    });

    it('false for an unknown user, and for a bad id without a request; field errors on 400', async () => {
      expect(await h.api.updateUserMetadata(UNKNOWN_ID, { firstName: 'X' })).toBe(false);
      expect(await captureWire(h.emulator, async () => expect(await h.api.updateUserMetadata(BAD_ID, { firstName: 'X' })).toBe(false))).toEqual([]);
      const taken = user('taken', { username: `taken-${counter}` });
      const error = (await rejection(h.api.updateUserMetadata(user('taker').userId, { username: taken.username }))) as PropelAuthBadRequestError;
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(error.fieldToErrors).toEqual({ username: ['Username already exists'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const stored = user('update-wire');
      const request = { username: 'w', firstName: 'F', lastName: 'L', pictureUrl: 'https://p.test', metadata: { a_b: 1 }, properties: { c_d: 2 }, updatePasswordRequired: false, legacyUserId: 'lg' };
      const wire = await sameWire(h.emulator, () => official.auth.updateUserMetadata(stored.userId, request), () => h.api.updateUserMetadata(stored.userId, request));
      expect(wire).toMatchObject({ method: 'PUT', path: `/api/backend/v1/user/${stored.userId}`, body: { first_name: 'F', picture_url: 'https://p.test', metadata: { a_b: 1 }, legacy_user_id: 'lg' } });
      const partial = await sameWire(h.emulator, () => official.auth.updateUserMetadata(stored.userId, { firstName: 'G' }), () => h.api.updateUserMetadata(stored.userId, { firstName: 'G' }));
      expect(partial.body).toEqual({ first_name: 'G' });
    });
  });

  describe('updateUserEmail', () => {
    it('changes the email at once, or once confirmed', async () => {
      const stored = user('email-change', { emailConfirmed: false });
      const next = email('email-next');
      expect(await h.api.updateUserEmail(stored.userId, { newEmail: next, requireEmailConfirmation: false })).toBe(true);
      expect(await h.api.fetchUserMetadataByEmail(next)).toMatchObject({ userId: stored.userId, emailConfirmed: true });

      const pending = email('email-pending');
      expect(await h.api.updateUserEmail(stored.userId, { newEmail: pending, requireEmailConfirmation: true })).toBe(true);
      expect((await h.api.fetchUserMetadataByUserId(stored.userId))?.email).toBe(next);
      expect(store().pendingEmailChanges.get(stored.userId)).toBe(pending);
    });

    it('false for an unknown user or a bad id (no request); field errors on 400', async () => {
      expect(await h.api.updateUserEmail(UNKNOWN_ID, { newEmail: email('x'), requireEmailConfirmation: false })).toBe(false);
      expect(await captureWire(h.emulator, () => h.api.updateUserEmail(BAD_ID, { newEmail: email('x'), requireEmailConfirmation: false }))).toEqual([]);
      const other = user('email-owner');
      const error = (await rejection(h.api.updateUserEmail(user('email-thief').userId, { newEmail: other.email, requireEmailConfirmation: false }))) as PropelAuthBadRequestError;
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(error.fieldToErrors).toEqual({ new_email: ['Email already exists'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const stored = user('email-wire');
      const request = { newEmail: email('email-wire-new'), requireEmailConfirmation: true };
      const wire = await sameWire(h.emulator, () => official.auth.updateUserEmail(stored.userId, request), () => h.api.updateUserEmail(stored.userId, request));
      expect(wire).toMatchObject({ method: 'PUT', path: `/api/backend/v1/user/${stored.userId}/email`, body: { new_email: request.newEmail, require_email_confirmation: true } });
    });
  });

  describe('updateUserPassword / clearUserPassword', () => {
    it('set and clear the password', async () => {
      const stored = user('password');
      expect(await h.api.updateUserPassword(stored.userId, { password: 'correct horse battery', askUserToUpdatePasswordOnLogin: true })).toBe(true);
      expect(await h.api.fetchUserMetadataByUserId(stored.userId)).toMatchObject({ hasPassword: true, updatePasswordRequired: true });
      expect(await h.api.clearUserPassword(stored.userId)).toBe(true);
      expect((await h.api.fetchUserMetadataByUserId(stored.userId))?.hasPassword).toBe(false);
    });

    it('updateUserPassword: false for an unknown user or a bad id (no request); field errors on 400', async () => {
      expect(await h.api.updateUserPassword(UNKNOWN_ID, { password: 'long enough pass' })).toBe(false);
      expect(await captureWire(h.emulator, () => h.api.updateUserPassword(BAD_ID, { password: 'long enough pass' }))).toEqual([]);
      const error = (await rejection(h.api.updateUserPassword(user('weak').userId, { password: 'short' }))) as PropelAuthBadRequestError;
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(error.fieldToErrors).toEqual({ password: ['Password must be at least 8 characters'] });
    });

    it('clearUserPassword: an unknown user rejects (404), a bad id is false without a request', async () => {
      const error = await rejection(h.api.clearUserPassword(UNKNOWN_ID));
      expect(error).toBeInstanceOf(PropelAuthNotFoundError);
      expect(await captureWire(h.emulator, async () => expect(await h.api.clearUserPassword(BAD_ID)).toBe(false))).toEqual([]);
    });

    it('put the same requests on the wire as @propelauth/node', async () => {
      const stored = user('password-wire');
      const request = { password: 'correct horse battery' };
      const update = await sameWire(h.emulator, () => official.auth.updateUserPassword(stored.userId, request), () => h.api.updateUserPassword(stored.userId, request));
      expect(update).toMatchObject({ method: 'PUT', path: `/api/backend/v1/user/${stored.userId}/password`, body: { password: request.password } });
      const clear = await sameWire(h.emulator, () => official.auth.clearUserPassword(stored.userId), () => h.api.clearUserPassword(stored.userId));
      expect(clear).toMatchObject({ method: 'PUT', path: `/api/backend/v1/user/${stored.userId}/clear_password`, body: undefined });
    });
  });

  describe('enableUserCanCreateOrgs / disableUserCanCreateOrgs', () => {
    it('switch canCreateOrgs; false for an unknown user or a bad id (no request)', async () => {
      const stored = user('can-create');
      expect(await h.api.enableUserCanCreateOrgs(stored.userId)).toBe(true);
      expect((await h.api.fetchUserMetadataByUserId(stored.userId))?.canCreateOrgs).toBe(true);
      expect(await h.api.disableUserCanCreateOrgs(stored.userId)).toBe(true);
      expect((await h.api.fetchUserMetadataByUserId(stored.userId))?.canCreateOrgs).toBe(false);
      expect(await h.api.enableUserCanCreateOrgs(UNKNOWN_ID)).toBe(false);
      expect(await h.api.disableUserCanCreateOrgs(UNKNOWN_ID)).toBe(false);
      const wire = await captureWire(h.emulator, async () => {
        expect(await h.api.enableUserCanCreateOrgs(BAD_ID)).toBe(false);
        expect(await h.api.disableUserCanCreateOrgs(BAD_ID)).toBe(false);
      });
      expect(wire).toEqual([]);
    });

    it('put the same requests on the wire as @propelauth/node', async () => {
      const stored = user('can-create-wire');
      const on = await sameWire(h.emulator, () => official.auth.enableUserCanCreateOrgs(stored.userId), () => h.api.enableUserCanCreateOrgs(stored.userId));
      expect(on).toMatchObject({ method: 'PUT', path: `/api/backend/v1/user/${stored.userId}/can_create_orgs/enable` });
      const off = await sameWire(h.emulator, () => official.auth.disableUserCanCreateOrgs(stored.userId), () => h.api.disableUserCanCreateOrgs(stored.userId));
      expect(off).toMatchObject({ method: 'PUT', path: `/api/backend/v1/user/${stored.userId}/can_create_orgs/disable` });
    });
  });

  describe('deleteUser', () => {
    it('deletes the user and its memberships; false once gone, and for a bad id without a request', async () => {
      const stored = user('delete');
      const org = h.emulator.createOrg({ name: 'Delete Org' });
      h.emulator.addUserToOrg({ userId: stored.userId, orgId: org.orgId, role: 'Member' });
      store().setMfa(stored, { type: 'Totp' });
      expect(await h.api.deleteUser(stored.userId)).toBe(true);
      expect(await h.api.fetchUserMetadataByUserId(stored.userId)).toBeNull();
      expect((await h.api.fetchUsersInOrg({ orgId: org.orgId })).totalUsers).toBe(0);
      expect(store().mfa.has(stored.userId)).toBe(false);
      expect(await h.api.deleteUser(stored.userId)).toBe(false);
      expect(await captureWire(h.emulator, async () => expect(await h.api.deleteUser(BAD_ID)).toBe(false))).toEqual([]);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const stored = user('delete-wire');
      const wire = await sameWire(h.emulator, () => official.auth.deleteUser(stored.userId), () => h.api.deleteUser(stored.userId));
      expect(wire).toMatchObject({ method: 'DELETE', path: `/api/backend/v1/user/${stored.userId}`, body: undefined });
    });
  });

  describe('disableUser / enableUser / logoutAllUserSessions', () => {
    it('disable (ending the sessions) and enable the user', async () => {
      const stored = user('disable');
      expect(await h.api.disableUser(stored.userId)).toBe(true);
      expect((await h.api.fetchUserMetadataByUserId(stored.userId))?.enabled).toBe(false);
      expect(store().sessionsEndedAt.get(stored.userId)).toBeGreaterThan(0);
      expect(await h.api.enableUser(stored.userId)).toBe(true);
      expect((await h.api.fetchUserMetadataByUserId(stored.userId))?.enabled).toBe(true);
    });

    it('logoutAllUserSessions ends the sessions', async () => {
      const stored = user('logout');
      expect(store().sessionsEndedAt.has(stored.userId)).toBe(false);
      expect(await h.api.logoutAllUserSessions(stored.userId)).toBe(true);
      expect(store().sessionsEndedAt.get(stored.userId)).toBeGreaterThan(0);
    });

    it('false for an unknown user, and for a bad id without a request', async () => {
      expect(await h.api.disableUser(UNKNOWN_ID)).toBe(false);
      expect(await h.api.enableUser(UNKNOWN_ID)).toBe(false);
      expect(await h.api.logoutAllUserSessions(UNKNOWN_ID)).toBe(false);
      const wire = await captureWire(h.emulator, async () => {
        expect(await h.api.disableUser(BAD_ID)).toBe(false);
        expect(await h.api.enableUser(BAD_ID)).toBe(false);
        expect(await h.api.logoutAllUserSessions(BAD_ID)).toBe(false);
      });
      expect(wire).toEqual([]);
    });

    it('put the same requests on the wire as @propelauth/node', async () => {
      const stored = user('disable-wire');
      for (const [name, suffix] of [
        ['disableUser', 'disable'],
        ['enableUser', 'enable'],
        ['logoutAllUserSessions', 'logout_all_sessions'],
      ] as const) {
        const wire = await sameWire(h.emulator, () => official.auth[name](stored.userId), () => h.api[name](stored.userId));
        expect(wire).toMatchObject({ method: 'POST', path: `/api/backend/v1/user/${stored.userId}/${suffix}`, body: undefined });
      }
    });
  });

  describe('resendEmailConfirmation', () => {
    it('sends it, then rate limits a second one with the wait time', async () => {
      const stored = user('resend', { emailConfirmed: false });
      expect(await h.api.resendEmailConfirmation(stored.userId)).toBe(true);
      const error = (await rejection(h.api.resendEmailConfirmation(stored.userId))) as PropelAuthRateLimitedError;
      expect(error).toBeInstanceOf(PropelAuthRateLimitedError);
      expect(error.waitSeconds).toBeGreaterThan(50);
      expect(error.userFacingError).toMatch(/Try again in \d+ seconds/);
    });

    it('false for an unknown user or a bad id (no request); field errors on 400', async () => {
      expect(await h.api.resendEmailConfirmation(UNKNOWN_ID)).toBe(false);
      expect(await captureWire(h.emulator, async () => expect(await h.api.resendEmailConfirmation(BAD_ID)).toBe(false))).toEqual([]);
      const error = (await rejection(h.api.resendEmailConfirmation(user('confirmed', { emailConfirmed: true }).userId))) as PropelAuthBadRequestError;
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(error.fieldToErrors).toEqual({ user_id: ['The email address is already confirmed'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const stored = user('resend-wire', { emailConfirmed: false });
      const wire = await sameWire(h.emulator, () => official.auth.resendEmailConfirmation(stored.userId), () => h.api.resendEmailConfirmation(stored.userId));
      expect(wire).toMatchObject({ method: 'POST', path: '/api/backend/v1/resend_email_confirmation', body: { user_id: stored.userId } });
    });
  });

  describe('inviteUserToOrg / inviteUserToOrgByUserId', () => {
    it('add pending invitations (inviting again renews them)', async () => {
      const org = h.emulator.createOrg({ name: 'Invite Org' });
      const invitee = email('invitee');
      expect(await h.api.inviteUserToOrg({ orgId: org.orgId, email: invitee.toUpperCase(), role: 'Admin' })).toBe(true);
      expect(await h.api.inviteUserToOrg({ orgId: org.orgId, email: invitee, role: 'Member', additionalRoles: [] })).toBe(true);
      const existing = user('invitee-by-id');
      expect(await h.api.inviteUserToOrgByUserId({ orgId: org.orgId, userId: existing.userId, role: 'Owner' })).toBe(true);

      const invites = h.emulator.state.pendingInvites.filter((invite) => invite.orgId === org.orgId);
      expect(invites).toEqual([
        { inviteeEmail: invitee, orgId: org.orgId, role: 'Member', additionalRoles: [], createdAt: expect.any(Number), expiresAt: expect.any(Number) },
        { inviteeEmail: existing.email, orgId: org.orgId, role: 'Owner', additionalRoles: [], createdAt: expect.any(Number), expiresAt: expect.any(Number) },
      ]);
      expect(invites[0].expiresAt - invites[0].createdAt).toBe(7 * 24 * 3600);
    });

    it('false for an unknown org or user, and for bad ids without a request', async () => {
      expect(await h.api.inviteUserToOrg({ orgId: UNKNOWN_ID, email: email('x'), role: 'Member' })).toBe(false);
      const org = h.emulator.createOrg({ name: 'Invite 404 Org' });
      expect(await h.api.inviteUserToOrgByUserId({ orgId: org.orgId, userId: UNKNOWN_ID, role: 'Member' })).toBe(false);
      const wire = await captureWire(h.emulator, async () => {
        expect(await h.api.inviteUserToOrg({ orgId: BAD_ID, email: email('x'), role: 'Member' })).toBe(false);
        expect(await h.api.inviteUserToOrgByUserId({ orgId: BAD_ID, userId: UNKNOWN_ID, role: 'Member' })).toBe(false);
        expect(await h.api.inviteUserToOrgByUserId({ orgId: org.orgId, userId: BAD_ID, role: 'Member' })).toBe(false);
      });
      expect(wire).toEqual([]);
    });

    it('reject with field errors on 400 (unknown role, already a member)', async () => {
      const org = h.emulator.createOrg({ name: 'Invite 400 Org' });
      const role = (await rejection(h.api.inviteUserToOrg({ orgId: org.orgId, email: email('x'), role: 'Janitor' }))) as PropelAuthBadRequestError;
      expect(role).toBeInstanceOf(PropelAuthBadRequestError);
      expect(role.fieldToErrors).toEqual({ role: ['Role Janitor does not exist'] });
      const member = user('already-member');
      h.emulator.addUserToOrg({ userId: member.userId, orgId: org.orgId, role: 'Member' });
      const byEmail = (await rejection(h.api.inviteUserToOrg({ orgId: org.orgId, email: member.email, role: 'Member' }))) as PropelAuthBadRequestError;
      expect(byEmail.fieldToErrors).toEqual({ email: ['The user is already a member of this org'] });
      const byId = (await rejection(h.api.inviteUserToOrgByUserId({ orgId: org.orgId, userId: member.userId, role: 'Member' }))) as PropelAuthBadRequestError;
      expect(byId.fieldToErrors).toEqual({ user_id: ['The user is already a member of this org'] });
    });

    it('reject with PropelAuthFeatureNotEnabledError when the project has no organizations (426)', async () => {
      const org = h.emulator.createOrg({ name: 'Invite 426 Org' });
      const existing = user('invite-426');
      await withOrganizationsOff(h.emulator, async () => {
        expect(await rejection(h.api.inviteUserToOrg({ orgId: org.orgId, email: email('x'), role: 'Member' }))).toBeInstanceOf(PropelAuthFeatureNotEnabledError);
        expect(await rejection(h.api.inviteUserToOrgByUserId({ orgId: org.orgId, userId: existing.userId, role: 'Member' }))).toBeInstanceOf(PropelAuthFeatureNotEnabledError);
      });
    });

    it('put the same requests on the wire as @propelauth/node', async () => {
      const org = h.emulator.createOrg({ name: 'Invite Wire Org' });
      const byEmail = { orgId: org.orgId, email: email('invite-wire'), role: 'Member' };
      const wire = await sameWire(h.emulator, () => official.auth.inviteUserToOrg(byEmail), () => h.api.inviteUserToOrg(byEmail));
      expect(wire).toMatchObject({ method: 'POST', path: '/api/backend/v1/invite_user', body: { org_id: org.orgId, email: byEmail.email, role: 'Member', additional_roles: [] } });
      const byId = { orgId: org.orgId, userId: user('invite-wire-id').userId, role: 'Admin', additionalRoles: ['Member'] };
      const wireById = await sameWire(h.emulator, () => official.auth.inviteUserToOrgByUserId(byId), () => h.api.inviteUserToOrgByUserId(byId));
      expect(wireById).toMatchObject({ path: '/api/backend/v1/invite_user_by_id', body: { org_id: org.orgId, user_id: byId.userId, role: 'Admin', additional_roles: ['Member'] } });
    });
  });

  describe('createMagicLink', () => {
    it('returns a url and creates the user if needed', async () => {
      const link = await h.api.createMagicLink({ email: 'magic@acme.test', expiresInHours: 24 });
      expect(link.url.startsWith(`${h.emulator.authUrl}/`)).toBe(true);
      expect(h.emulator.state.findUserByEmail('magic@acme.test')).toBeDefined();
    });

    it('rejects with field errors on 400', async () => {
      const error = (await rejection(h.api.createMagicLink({ email: email('nobody'), createNewUserIfOneDoesntExist: false }))) as PropelAuthBadRequestError;
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(error.fieldToErrors).toEqual({ email: ['User not found'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const request = { email: 'm2@acme.test', redirectToUrl: 'https://app.test/x', expiresInHours: 2, createNewUserIfOneDoesntExist: true, expiresAfterFirstUse: true, userSignupQueryParameters: { ref_code: 'a' } };
      await sameWire(h.emulator, () => official.auth.createMagicLink(request), () => h.api.createMagicLink(request));
    });
  });

  describe('createAccessToken', () => {
    it('issues a token for the user that the verifier accepts', async () => {
      const stored = user('token');
      const org = h.emulator.createOrg({ name: 'Token Org' });
      h.emulator.addUserToOrg({ userId: stored.userId, orgId: org.orgId, role: 'Admin' });
      const result = await h.api.createAccessToken({ userId: stored.userId, durationInMinutes: 5, activeOrgId: org.orgId });
      expect(Object.keys(result)).toEqual(['accessToken']);
      const verified = h.moduleRef.get(TokenVerifierService).verifyAccessToken(result.accessToken);
      expect(verified.userId).toBe(stored.userId);
      expect(verified.email).toBe(stored.email);
    });

    it('rejects an unknown user (403) and a bad id (no request) with PropelAuthNotFoundError', async () => {
      const unknown = (await rejection(h.api.createAccessToken({ userId: UNKNOWN_ID, durationInMinutes: 5 }))) as PropelAuthNotFoundError;
      expect(unknown).toBeInstanceOf(PropelAuthNotFoundError);
      expect(unknown.status).toBe(403);
      let bad: unknown;
      expect(await captureWire(h.emulator, async () => (bad = await rejection(h.api.createAccessToken({ userId: BAD_ID, durationInMinutes: 5 }))))).toEqual([]);
      expect(bad).toBeInstanceOf(PropelAuthNotFoundError);
      expect(bad).toMatchObject({ status: 404, code: 'invalid_user_id', method: 'POST', path: '/api/backend/v1/access_token' });
    });

    it('rejects with field errors on 400, and PropelAuthFeatureNotEnabledError on 404', async () => {
      const stored = user('token-400');
      const error = (await rejection(h.api.createAccessToken({ userId: stored.userId, durationInMinutes: 0 }))) as PropelAuthBadRequestError;
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(Object.keys(error.fieldToErrors)).toEqual(['duration_in_minutes']);
      h.emulator.failNext({ path: '/api/backend/v1/access_token', status: 404, body: { error: 'not_found' } });
      const disabled = await rejection(h.api.createAccessToken({ userId: stored.userId, durationInMinutes: 5 }));
      expect(disabled).toBeInstanceOf(PropelAuthFeatureNotEnabledError);
      expect((disabled as PropelAuthFeatureNotEnabledError).status).toBe(404);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const stored = user('token-wire');
      const request = { userId: stored.userId, durationInMinutes: 7 };
      const wire = await sameWire(h.emulator, () => official.auth.createAccessToken(request), () => h.api.createAccessToken(request));
      expect(wire).toMatchObject({ method: 'POST', path: '/api/backend/v1/access_token', body: { user_id: stored.userId, duration_in_minutes: 7 } });
      const org = h.emulator.createOrg({ name: 'Token Wire Org' });
      const withOrg = { ...request, activeOrgId: org.orgId };
      expect((await sameWire(h.emulator, () => official.auth.createAccessToken(withOrg), () => h.api.createAccessToken(withOrg))).body).toEqual({ user_id: stored.userId, duration_in_minutes: 7, active_org_id: org.orgId });
    });
  });

  describe('migrateUserFromExternalSource', () => {
    it('imports the user with its legacy id, password hash and TOTP secret', async () => {
      const legacy = `legacy-${randomUUID()}`;
      const address = email('migrated');
      const { userId } = await h.api.migrateUserFromExternalSource({
        email: address,
        emailConfirmed: true,
        existingUserId: legacy,
        existingPasswordHash: '$2b$10$abcdefghijklmnopqrstuv',
        existingMfaBase32EncodedSecret: 'JBSWY3DPEHPK3PXP',
        askUserToUpdatePasswordOnLogin: true,
        enabled: false,
        firstName: 'Mi',
        username: `migrated-${counter}`,
        pictureUrl: 'https://img.test/m.png',
        properties: { plan_tier: 'legacy' },
      });
      expect(await h.api.fetchUserMetadataByUserId(userId)).toMatchObject({
        email: address,
        emailConfirmed: true,
        legacyUserId: legacy,
        hasPassword: true,
        mfaEnabled: true,
        updatePasswordRequired: true,
        enabled: false,
        firstName: 'Mi',
        pictureUrl: 'https://img.test/m.png',
        properties: { plan_tier: 'legacy' },
      });
      expect((await h.api.fetchUsersByQuery({ legacyUserId: legacy })).users.map((u) => u.userId)).toEqual([userId]);
      expect(await h.api.fetchUserMfaMethods(userId)).toEqual({ mfaSetup: { type: 'Totp' } });
      expect(store().passwordHashes.get(userId)).toBe('$2b$10$abcdefghijklmnopqrstuv');
    });

    it('rejects with field errors on 400', async () => {
      const taken = user('migrate-taken');
      const duplicate = (await rejection(h.api.migrateUserFromExternalSource({ email: taken.email, emailConfirmed: true }))) as PropelAuthBadRequestError;
      expect(duplicate).toBeInstanceOf(PropelAuthBadRequestError);
      expect(duplicate.fieldToErrors).toEqual({ email: ['Email already exists'] });
      const hash = (await rejection(h.api.migrateUserFromExternalSource({ email: email('migrate-hash'), emailConfirmed: true, existingPasswordHash: 'plaintext' }))) as PropelAuthBadRequestError;
      expect(hash.fieldToErrors).toEqual({ existing_password_hash: ['Unsupported password hash format'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const request = {
        email: email('migrate-wire'),
        emailConfirmed: false,
        existingUserId: 'old-1',
        existingPasswordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
        existingMfaBase32EncodedSecret: 'JBSWY3DP',
        askUserToUpdatePasswordOnLogin: false,
        enabled: true,
        firstName: 'F',
        lastName: 'L',
        username: `mw-${counter}`,
        pictureUrl: 'https://p.test',
        properties: { a_b: 1 },
      };
      const wire = await sameWire(h.emulator, () => official.auth.migrateUserFromExternalSource(request), () => h.api.migrateUserFromExternalSource(request));
      expect(wire).toMatchObject({ method: 'POST', path: '/api/backend/v1/migrate_user/', body: { existing_user_id: 'old-1', update_password_required: false, picture_url: 'https://p.test' } });
    });
  });

  describe('migrateUserPassword', () => {
    it('sets the password from a hash', async () => {
      const stored = user('migrate-password');
      expect(await h.api.migrateUserPassword({ userId: stored.userId, passwordHash: '$2y$12$0123456789abcdefghijkl' })).toBe(true);
      expect(store().passwordHashes.get(stored.userId)).toBe('$2y$12$0123456789abcdefghijkl');
      expect((await h.api.fetchUserMetadataByUserId(stored.userId))?.hasPassword).toBe(true);
    });

    it('false for a bad id without a request; an unknown user rejects (404); field errors on 400', async () => {
      expect(await captureWire(h.emulator, async () => expect(await h.api.migrateUserPassword({ userId: BAD_ID, passwordHash: '$2b$x' })).toBe(false))).toEqual([]);
      expect(await rejection(h.api.migrateUserPassword({ userId: UNKNOWN_ID, passwordHash: '$2b$x' }))).toBeInstanceOf(PropelAuthNotFoundError);
      const error = (await rejection(h.api.migrateUserPassword({ userId: user('migrate-bad-hash').userId, passwordHash: 'hunter2' }))) as PropelAuthBadRequestError;
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(error.fieldToErrors).toEqual({ password_hash: ['Unsupported password hash format'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const request = { userId: user('migrate-password-wire').userId, passwordHash: '$2b$10$abc' };
      const wire = await sameWire(h.emulator, () => official.auth.migrateUserPassword(request), () => h.api.migrateUserPassword(request));
      expect(wire).toMatchObject({ method: 'POST', path: '/api/backend/v1/migrate_user/password', body: { user_id: request.userId, password_hash: '$2b$10$abc' } });
    });
  });
});
