import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OrgMemberInfo,
  PropelAuthApiKeyRejectedError,
  PropelAuthBadRequestError,
  PropelAuthFeatureNotEnabledError,
  PropelAuthNotFoundError,
  PropelAuthRateLimitedError,
} from '../../lib';
import { ApiKeyStore, utcDate } from '../../lib/testing/emulator/api-keys.store';
import { captureWire, officialClient, rejection, sameWire, startApiHarness, withOrganizationsOff, type ApiHarness } from '../support/api';

const KEYS = '/api/backend/v1/end_user_api_keys';
const UNKNOWN_KEY_ID = '0123456789abcdef0123456789abcdef';

describe('PropelAuthApiService: end-user API keys', () => {
  let h: ApiHarness;
  let official: ReturnType<typeof officialClient>;
  let keys: ApiKeyStore;
  let seq = 0;
  /** A fresh user (and, with `org`, an org the user is an Admin of). */
  const setup = (withOrg = false) => {
    const n = ++seq;
    const user = h.emulator.createUser({ email: `keys${n}@acme.test`, firstName: `K${n}`, properties: { favorite_color: 'red' } });
    if (!withOrg) return { user, org: undefined };
    const org = h.emulator.createOrg({ name: `Keys Org ${n}`, metadata: { billing_plan: 'pro' }, maxUsers: 20 });
    h.emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Admin' });
    return { user, org };
  };

  beforeAll(async () => {
    h = await startApiHarness();
    official = officialClient(h.emulator);
    keys = h.emulator.state.store(ApiKeyStore);
  });
  afterAll(async () => {
    official?.restore();
    await h?.close();
  });

  describe('createApiKey', () => {
    it('creates a personal key: a 32-hex id and a secret token, stored with its metadata as sent', async () => {
      const { user } = setup();
      const created = await h.api.createApiKey({ userId: user.userId, displayName: 'CLI', metadata: { scope_name: 'read' } });
      expect(created.apiKeyId).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof created.apiKeyToken).toBe('string');
      expect(created.apiKeyToken.length).toBeGreaterThan(32);
      expect(keys.keys.get(created.apiKeyId)).toMatchObject({ userId: user.userId, displayName: 'CLI', metadata: { scope_name: 'read' }, expiresAtSeconds: null });
    });

    it('rejects with field errors on 400 (unknown user, expiry in the past, user not in the org)', async () => {
      const { user, org } = setup(true);
      const unknownUser = await rejection(h.api.createApiKey({ userId: '6f1b1b8e-0c1a-4d4e-9a57-3c1d2a1b0fff' }));
      expect(unknownUser).toBeInstanceOf(PropelAuthBadRequestError);
      expect((unknownUser as PropelAuthBadRequestError).fieldToErrors).toEqual({ user_id: ['User not found'] });
      const past = await rejection(h.api.createApiKey({ userId: user.userId, expiresAtSeconds: 1000 }));
      expect((past as PropelAuthBadRequestError).fieldToErrors).toEqual({ expires_at_seconds: ['Must be in the future'] });
      const outsider = setup().user;
      const notMember = await rejection(h.api.createApiKey({ orgId: org!.orgId, userId: outsider.userId }));
      expect((notMember as PropelAuthBadRequestError).fieldToErrors).toEqual({ user_id: ['The user is not a member of the organization'] });
    });

    it('rejects an org key with PropelAuthFeatureNotEnabledError (426) when organizations are off', async () => {
      const { org } = setup(true);
      const error = await withOrganizationsOff(h.emulator, () => rejection(h.api.createApiKey({ orgId: org!.orgId })));
      expect(error).toBeInstanceOf(PropelAuthFeatureNotEnabledError);
      expect((error as PropelAuthFeatureNotEnabledError).status).toBe(426);
      expect((error as PropelAuthFeatureNotEnabledError).code).toBe('feature_gated'); // the same 426 as the org endpoints
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { user, org } = setup(true);
      const request = { orgId: org!.orgId, userId: user.userId, expiresAtSeconds: Math.floor(Date.now() / 1000) + 3600, metadata: { a_b: 1 }, displayName: 'Both' };
      const ours = await sameWire(h.emulator, () => official.auth.createApiKey(request), () => h.api.createApiKey(request));
      expect(ours).toMatchObject({ method: 'POST', path: KEYS, body: { org_id: org!.orgId, user_id: user.userId, display_name: 'Both', metadata: { a_b: 1 } } });
      // Fields not given are not sent at all, by either library.
      const minimalTheirs = await captureWire(h.emulator, () => official.auth.createApiKey({}));
      const minimalOurs = await captureWire(h.emulator, () => h.api.createApiKey({}));
      expect(minimalOurs).toEqual(minimalTheirs);
      expect(minimalOurs[0].body).toEqual({});
    });
  });

  describe('fetchApiKey', () => {
    it('returns the key camelCased, metadata keys as sent, never the token, expiresAtSeconds null when it never expires', async () => {
      const { user } = setup();
      const { apiKeyId, apiKeyToken } = await h.api.createApiKey({ userId: user.userId, metadata: { team_name: 'ops' }, displayName: 'Ops' });
      const key = await h.api.fetchApiKey(apiKeyId);
      expect(key).toEqual({ apiKeyId, createdAt: expect.any(Number), expiresAtSeconds: null, metadata: { team_name: 'ops' }, userId: user.userId, displayName: 'Ops' });
      expect(JSON.stringify(key)).not.toContain(apiKeyToken);
      expect(await official.auth.fetchApiKey(apiKeyId)).toEqual(key);
    });

    it('rejects with PropelAuthNotFoundError for an unknown key (the official library throws a generic Error)', async () => {
      const error = await rejection(h.api.fetchApiKey(UNKNOWN_KEY_ID));
      expect(error).toBeInstanceOf(PropelAuthNotFoundError);
      expect((error as PropelAuthNotFoundError).status).toBe(404);
      expect(await rejection(official.auth.fetchApiKey(UNKNOWN_KEY_ID))).not.toBeInstanceOf(PropelAuthNotFoundError);
    });

    it('rejects an id that is not 32 hex digits with PropelAuthNotFoundError, without a request and without the id in the message', async () => {
      const token = 'pretend-this-is-a-secret-token-0000';
      expect(await captureWire(h.emulator, () => h.api.fetchApiKey(token))).toEqual([]);
      const error = await rejection(h.api.fetchApiKey(token));
      expect(error).toBeInstanceOf(PropelAuthNotFoundError);
      expect(JSON.stringify(error)).not.toContain(token);
      expect((error as Error).message).not.toContain(token);
      // The official library throws synchronously (a SyntaxError from its own exception constructor).
      expect(() => official.auth.fetchApiKey(token)).toThrow(SyntaxError);
    });

    it('rejects with PropelAuthBadRequestError on 400', async () => {
      h.emulator.failNext({ path: `${KEYS}/${UNKNOWN_KEY_ID}`, status: 400, body: { api_key_id: ['Invalid API key id'] } });
      const error = await rejection(h.api.fetchApiKey(UNKNOWN_KEY_ID));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_id: ['Invalid API key id'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { apiKeyId } = await h.api.createApiKey({});
      const ours = await sameWire(h.emulator, () => official.auth.fetchApiKey(apiKeyId), () => h.api.fetchApiKey(apiKeyId));
      expect(ours).toMatchObject({ method: 'GET', path: `${KEYS}/${apiKeyId}`, query: {} });
    });
  });

  describe('fetchCurrentApiKeys', () => {
    it('pages the current keys of an org, a user id or a user email; archived keys are left out', async () => {
      const { user, org } = setup(true);
      const first = await h.api.createApiKey({ orgId: org!.orgId, userId: user.userId });
      const second = await h.api.createApiKey({ orgId: org!.orgId, metadata: { n: 2 } });
      const deleted = await h.api.createApiKey({ orgId: org!.orgId });
      await h.api.deleteApiKey(deleted.apiKeyId);

      const page = await h.api.fetchCurrentApiKeys({ orgId: org!.orgId, pageSize: 1 });
      expect(page).toEqual({ apiKeys: [expect.objectContaining({ apiKeyId: first.apiKeyId, orgId: org!.orgId, userId: user.userId })], totalApiKeys: 2, currentPage: 0, pageSize: 1, hasMoreResults: true });
      const next = await h.api.fetchCurrentApiKeys({ orgId: org!.orgId, pageSize: 1, pageNumber: 1 });
      expect(next.apiKeys.map((key) => key.apiKeyId)).toEqual([second.apiKeyId]);
      expect(next.apiKeys[0].metadata).toEqual({ n: 2 });
      expect(next.hasMoreResults).toBe(false);

      expect((await h.api.fetchCurrentApiKeys({ userId: user.userId })).apiKeys.map((key) => key.apiKeyId)).toEqual([first.apiKeyId]);
      expect((await h.api.fetchCurrentApiKeys({ userEmail: user.email })).apiKeys.map((key) => key.apiKeyId)).toEqual([first.apiKeyId]);
      expect(await h.api.fetchCurrentApiKeys({ orgId: org!.orgId })).toEqual(await official.auth.fetchCurrentApiKeys({ orgId: org!.orgId }));
    });

    it('rejects with field errors on 400', async () => {
      const error = await rejection(h.api.fetchCurrentApiKeys({ orgId: 'not-a-uuid' }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ org_id: ['Invalid org_id'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { user, org } = setup(true);
      const query = { orgId: org!.orgId, userId: user.userId, userEmail: user.email, pageSize: 5, pageNumber: 2 };
      const ours = await sameWire(h.emulator, () => official.auth.fetchCurrentApiKeys(query), () => h.api.fetchCurrentApiKeys(query));
      expect(ours).toMatchObject({ method: 'GET', path: KEYS, query: { org_id: org!.orgId, user_id: user.userId, user_email: user.email, page_size: '5', page_number: '2' } });
      const emptyTheirs = await captureWire(h.emulator, () => official.auth.fetchCurrentApiKeys({}));
      expect(await captureWire(h.emulator, () => h.api.fetchCurrentApiKeys({}))).toEqual(emptyTheirs);
    });
  });

  describe('fetchArchivedApiKeys', () => {
    it('lists deleted and expired keys, and only those', async () => {
      const { user } = setup();
      const deleted = await h.api.createApiKey({ userId: user.userId });
      const expired = await h.api.createApiKey({ userId: user.userId });
      const current = await h.api.createApiKey({ userId: user.userId });
      await h.api.deleteApiKey(deleted.apiKeyId);
      keys.expire(expired.apiKeyId);

      const archived = await h.api.fetchArchivedApiKeys({ userId: user.userId });
      expect(archived.apiKeys.map((key) => key.apiKeyId)).toEqual([deleted.apiKeyId, expired.apiKeyId]);
      expect(archived.totalApiKeys).toBe(2);
      expect((await h.api.fetchCurrentApiKeys({ userId: user.userId })).apiKeys.map((key) => key.apiKeyId)).toEqual([current.apiKeyId]);
      expect(archived).toEqual(await official.auth.fetchArchivedApiKeys({ userId: user.userId }));
    });

    it('rejects with field errors on 400', async () => {
      const error = await rejection(h.api.fetchArchivedApiKeys({ pageSize: 0 }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(Object.keys((error as PropelAuthBadRequestError).fieldToErrors)).toEqual(['page_size']);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const query = { userEmail: 'someone@acme.test', pageSize: 3 };
      const ours = await sameWire(h.emulator, () => official.auth.fetchArchivedApiKeys(query), () => h.api.fetchArchivedApiKeys(query));
      expect(ours).toMatchObject({ method: 'GET', path: `${KEYS}/archived`, query: { user_email: 'someone@acme.test', page_size: '3' } });
    });
  });

  describe('updateApiKey', () => {
    it('changes the expiry and replaces the metadata; resolves to true', async () => {
      const { apiKeyId } = await h.api.createApiKey({ metadata: { old_key: 1 } });
      const expiresAtSeconds = Math.floor(Date.now() / 1000) + 7200;
      expect(await h.api.updateApiKey(apiKeyId, { expiresAtSeconds, metadata: { new_key: 2 } })).toBe(true);
      expect(await h.api.fetchApiKey(apiKeyId)).toMatchObject({ expiresAtSeconds, metadata: { new_key: 2 } });
      expect(await h.api.updateApiKey(apiKeyId, { setToNeverExpire: true })).toBe(true);
      expect((await h.api.fetchApiKey(apiKeyId)).expiresAtSeconds).toBeNull();
    });

    it('rejects with PropelAuthNotFoundError for an unknown or deleted key, and for a bad id without a request', async () => {
      expect(await rejection(h.api.updateApiKey(UNKNOWN_KEY_ID, { setToNeverExpire: true }))).toBeInstanceOf(PropelAuthNotFoundError);
      const { apiKeyId } = await h.api.createApiKey({});
      await h.api.deleteApiKey(apiKeyId);
      expect(await rejection(h.api.updateApiKey(apiKeyId, { setToNeverExpire: true }))).toBeInstanceOf(PropelAuthNotFoundError);
      expect(await captureWire(h.emulator, () => h.api.updateApiKey('../../user', { setToNeverExpire: true }))).toEqual([]);
      expect(await rejection(h.api.updateApiKey('../../user', {}))).toBeInstanceOf(PropelAuthNotFoundError);
      expect(() => official.auth.updateApiKey('../../user', {})).toThrow(SyntaxError);
    });

    it('rejects with field errors on 400', async () => {
      const { apiKeyId } = await h.api.createApiKey({});
      const error = await rejection(h.api.updateApiKey(apiKeyId, { expiresAtSeconds: 5 }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ expires_at_seconds: ['Must be in the future'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { apiKeyId } = await h.api.createApiKey({});
      const request = { expiresAtSeconds: Math.floor(Date.now() / 1000) + 60, setToNeverExpire: false };
      // The official type says metadata is a string; it is sent (and meant) as an object.
      const ours = await sameWire(h.emulator, () => official.auth.updateApiKey(apiKeyId, { ...request, metadata: { a: 1 } as unknown as string }), () => h.api.updateApiKey(apiKeyId, { ...request, metadata: { a: 1 } }));
      expect(ours).toMatchObject({ method: 'PATCH', path: `${KEYS}/${apiKeyId}`, body: { expires_at_seconds: request.expiresAtSeconds, set_to_never_expire: false, metadata: { a: 1 } } });
    });
  });

  describe('deleteApiKey', () => {
    it('archives the key: true, then false (404) once it is gone; it no longer validates', async () => {
      const { user } = setup();
      const { apiKeyId, apiKeyToken } = await h.api.createApiKey({ userId: user.userId });
      expect(await h.api.deleteApiKey(apiKeyId)).toBe(true);
      expect(await h.api.deleteApiKey(apiKeyId)).toBe(false);
      expect(await h.api.deleteApiKey(UNKNOWN_KEY_ID)).toBe(false);
      const error = await rejection(h.api.validateApiKey(apiKeyToken));
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_token: ['Invalid API key'] });
    });

    it('resolves to false for an id that is not 32 hex digits, without a request', async () => {
      expect(await captureWire(h.emulator, () => h.api.deleteApiKey('xyz'))).toEqual([]);
      expect(await h.api.deleteApiKey('xyz')).toBe(false);
      expect(() => official.auth.deleteApiKey('xyz')).toThrow(SyntaxError);
    });

    it('rejects with PropelAuthBadRequestError on 400', async () => {
      h.emulator.failNext({ path: `${KEYS}/${UNKNOWN_KEY_ID}`, method: 'DELETE', status: 400, body: { api_key_id: ['Cannot delete'] } });
      const error = await rejection(h.api.deleteApiKey(UNKNOWN_KEY_ID));
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_id: ['Cannot delete'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const ours = await sameWire(h.emulator, () => official.auth.deleteApiKey(UNKNOWN_KEY_ID), () => h.api.deleteApiKey(UNKNOWN_KEY_ID));
      expect(ours).toMatchObject({ method: 'DELETE', path: `${KEYS}/${UNKNOWN_KEY_ID}` });
    });
  });

  describe('validateApiKey', () => {
    it('validates a personal key: its metadata and user (UserMetadata, properties keys as sent)', async () => {
      const { user } = setup();
      const { apiKeyToken } = await h.api.createApiKey({ userId: user.userId, metadata: { scope_name: 'read' } });
      const validation = await h.api.validateApiKey(apiKeyToken);
      expect(validation).toEqual({
        metadata: { scope_name: 'read' },
        userId: user.userId,
        user: expect.objectContaining({ userId: user.userId, email: user.email, firstName: user.firstName, properties: { favorite_color: 'red' } }),
      });
      expect(validation.org).toBeUndefined();
    });

    it('validates an org key: org with orgName (the official type says name, which is undefined at run time) and userInOrg as OrgMemberInfo', async () => {
      const { user, org } = setup(true);
      const { apiKeyToken } = await h.api.createApiKey({ orgId: org!.orgId, userId: user.userId });
      const validation = await h.api.validateApiKey(apiKeyToken);
      expect(validation.org).toEqual({ orgId: org!.orgId, orgName: org!.name, maxUsers: 20, canSetupSaml: false, isSamlConfigured: false, metadata: { billing_plan: 'pro' } });
      expect(validation.userInOrg).toBeInstanceOf(OrgMemberInfo);
      expect(validation.userInOrg!.userIsAtLeastRole('Member')).toBe(true);
      expect(validation.userInOrg!.orgName).toBe(org!.name);
      expect(validation.user?.userId).toBe(user.userId);

      const theirs = await official.auth.validateApiKey(apiKeyToken);
      expect((theirs.org as unknown as { orgName: string }).orgName).toBe(validation.org!.orgName);
      expect(theirs.org!.name).toBeUndefined();
    });

    it('removes a leading "Bearer " (any case), as PropelAuth\'s libraries do', async () => {
      const { apiKeyToken } = await h.api.createApiKey({ metadata: { generic: true } });
      for (const header of [`Bearer ${apiKeyToken}`, `bEaReR ${apiKeyToken}`]) {
        const wire = await captureWire(h.emulator, () => h.api.validateApiKey(header));
        expect(wire[0].body).toEqual({ api_key_token: apiKeyToken });
        expect(await h.api.validateApiKey(header)).toEqual({ metadata: { generic: true } });
      }
    });

    it('rejects unknown, deleted and expired keys with field errors (400), and never puts the token in the error', async () => {
      const { user } = setup();
      const { apiKeyId, apiKeyToken } = await h.api.createApiKey({ userId: user.userId });
      keys.expire(apiKeyId);
      const expired = await rejection(h.api.validateApiKey(apiKeyToken));
      expect(expired).toBeInstanceOf(PropelAuthBadRequestError);
      expect((expired as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_token: ['The API key has expired'] });
      expect((expired as Error).message).not.toContain(apiKeyToken);
      expect(JSON.stringify(expired)).not.toContain(apiKeyToken);

      const unknown = await rejection(h.api.validateApiKey('f'.repeat(64)));
      expect((unknown as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_token: ['Invalid API key'] });
      expect(JSON.stringify(unknown)).not.toContain('f'.repeat(64));
    });

    it('stops validating, and archives, the keys of a deleted user or org and the personal keys of a disabled user', async () => {
      const deletedUser = setup().user;
      const disabledUser = setup().user;
      const { user, org } = setup(true);
      const ofDeletedUser = await h.api.createApiKey({ userId: deletedUser.userId });
      const ofDisabledUser = await h.api.createApiKey({ userId: disabledUser.userId });
      const ofDeletedOrg = await h.api.createApiKey({ orgId: org!.orgId, userId: user.userId });
      expect(await h.api.deleteUser(deletedUser.userId)).toBe(true);
      expect(await h.api.disableUser(disabledUser.userId)).toBe(true);
      expect(await h.api.deleteOrg(org!.orgId)).toBe(true);
      for (const key of [ofDeletedUser, ofDisabledUser, ofDeletedOrg]) {
        const error = await rejection(h.api.validateApiKey(key.apiKeyToken));
        expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_token: ['Invalid API key'] });
      }
      expect((await h.api.fetchArchivedApiKeys({ userId: disabledUser.userId })).apiKeys.map((key) => key.apiKeyId)).toEqual([ofDisabledUser.apiKeyId]);
      expect((await h.api.fetchCurrentApiKeys({ userId: user.userId })).apiKeys).toEqual([]);
    });

    it('rejects an empty token without a request', async () => {
      expect(await captureWire(h.emulator, () => h.api.validateApiKey(''))).toEqual([]);
      expect(await captureWire(h.emulator, () => h.api.validateApiKey('Bearer '))).toEqual([]);
      const error = await rejection(h.api.validateApiKey(''));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_token: ['No API key token was given'] });
    });

    it('rejects a rate-limited key with PropelAuthRateLimitedError carrying waitSeconds (429)', async () => {
      const { apiKeyId, apiKeyToken } = await h.api.createApiKey({});
      keys.rateLimit(apiKeyId, { waitSeconds: 58.134504795074 });
      const error = await rejection(h.api.validateApiKey(apiKeyToken));
      expect(error).toBeInstanceOf(PropelAuthRateLimitedError);
      expect((error as PropelAuthRateLimitedError).status).toBe(429);
      expect((error as PropelAuthRateLimitedError).waitSeconds).toBe(58.134504795074);
      expect((error as PropelAuthRateLimitedError).code).toBe('rate_limit_exceeded');
      expect((error as PropelAuthRateLimitedError).userFacingError).toMatch(/rate limit/);
      expect(JSON.stringify(error)).not.toContain(apiKeyToken);
      // The official library's ApiKeyValidateRateLimitedException gives the same wait.
      keys.rateLimit(apiKeyId, { waitSeconds: 58.134504795074 });
      expect(await rejection(official.auth.validateApiKey(apiKeyToken))).toMatchObject({ waitSeconds: 58.134504795074, errorCode: 'rate_limit_exceeded' });
      // Once the limit has passed, the key validates again.
      expect(await h.api.validateApiKey(apiKeyToken)).toEqual({ metadata: {} });
    });

    it('rejects with PropelAuthNotFoundError on 404 (the official library throws a generic Error)', async () => {
      h.emulator.failNext({ path: `${KEYS}/validate`, status: 404, body: { error: 'not_found' } });
      expect(await rejection(h.api.validateApiKey('whatever-token'))).toBeInstanceOf(PropelAuthNotFoundError);
    });

    it('rejects with PropelAuthApiKeyRejectedError when PropelAuth rejects the integration API key (401)', async () => {
      h.emulator.failNext({ path: `${KEYS}/validate`, status: 401, body: { error: 'unauthorized' } });
      const error = await rejection(h.api.validateApiKey('whatever-token'));
      expect(error).toBeInstanceOf(PropelAuthApiKeyRejectedError);
      expect((error as PropelAuthApiKeyRejectedError).status).toBe(401);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { apiKeyToken } = await h.api.createApiKey({});
      for (const token of [apiKeyToken, `BEARER ${apiKeyToken}`]) {
        const ours = await sameWire(h.emulator, () => official.auth.validateApiKey(token), () => h.api.validateApiKey(token));
        expect(ours).toMatchObject({ method: 'POST', path: `${KEYS}/validate`, body: { api_key_token: apiKeyToken } });
      }
    });
  });

  describe('validatePersonalApiKey', () => {
    it('returns the user and metadata of a personal key', async () => {
      const { user } = setup();
      const { apiKeyToken } = await h.api.createApiKey({ userId: user.userId, metadata: { k: 'v' } });
      const validation = await h.api.validatePersonalApiKey(apiKeyToken);
      expect(validation.user.userId).toBe(user.userId);
      expect(validation.metadata).toEqual({ k: 'v' });
    });

    it('rejects an org key or an ownerless key with PropelAuthBadRequestError after one request', async () => {
      const { user, org } = setup(true);
      for (const request of [{ orgId: org!.orgId, userId: user.userId }, {}]) {
        const { apiKeyToken } = await h.api.createApiKey(request);
        const before = h.emulator.requests.length;
        const error = await rejection(h.api.validatePersonalApiKey(apiKeyToken));
        expect(h.emulator.requests.length - before).toBe(1);
        expect(error).toBeInstanceOf(PropelAuthBadRequestError);
        expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_token: ['Not a personal API Key'] });
        expect(JSON.stringify(error)).not.toContain(apiKeyToken);
        expect(await rejection(official.auth.validatePersonalApiKey(apiKeyToken))).toMatchObject({ fieldToErrors: { api_key_token: ['Not a personal API Key'] } });
      }
    });

    it('rejects an invalid key with field errors (400)', async () => {
      const error = await rejection(h.api.validatePersonalApiKey('a'.repeat(64)));
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_token: ['Invalid API key'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { user } = setup();
      const { apiKeyToken } = await h.api.createApiKey({ userId: user.userId });
      const ours = await sameWire(h.emulator, () => official.auth.validatePersonalApiKey(`Bearer ${apiKeyToken}`), () => h.api.validatePersonalApiKey(`Bearer ${apiKeyToken}`));
    });
  });

  describe('validateOrgApiKey', () => {
    it('returns the org, metadata, user and userInOrg of an org key', async () => {
      const { user, org } = setup(true);
      const { apiKeyToken } = await h.api.createApiKey({ orgId: org!.orgId, userId: user.userId, metadata: { tier: 1 } });
      const validation = await h.api.validateOrgApiKey(apiKeyToken);
      expect(validation.org).toMatchObject({ orgId: org!.orgId, orgName: org!.name });
      expect(validation.metadata).toEqual({ tier: 1 });
      expect(validation.user?.userId).toBe(user.userId);
      expect(validation.userInOrg).toBeInstanceOf(OrgMemberInfo);
      expect(validation.userInOrg!.userAssignedRole).toBe('Admin');
    });

    it('rejects a personal key with PropelAuthBadRequestError after one request', async () => {
      const { user } = setup();
      const { apiKeyToken } = await h.api.createApiKey({ userId: user.userId });
      const before = h.emulator.requests.length;
      const error = await rejection(h.api.validateOrgApiKey(apiKeyToken));
      expect(h.emulator.requests.length - before).toBe(1);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_token: ['Not an org API Key'] });
      expect(await rejection(official.auth.validateOrgApiKey(apiKeyToken))).toMatchObject({ fieldToErrors: { api_key_token: ['Not an org API Key'] } });
    });

    it('rejects an invalid key with field errors (400)', async () => {
      const error = await rejection(h.api.validateOrgApiKey('b'.repeat(64)));
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_token: ['Invalid API key'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { org } = setup(true);
      const { apiKeyToken } = await h.api.createApiKey({ orgId: org!.orgId });
      const ours = await sameWire(h.emulator, () => official.auth.validateOrgApiKey(apiKeyToken), () => h.api.validateOrgApiKey(apiKeyToken));
    });
  });

  describe('importApiKey', () => {
    it('imports a key: {apiKeyId}; it validates through validateImportedApiKey only', async () => {
      const { user } = setup();
      const legacy = `legacy_${seq}_secret_value`;
      const imported = await h.api.importApiKey({ importedApiKey: legacy, userId: user.userId, metadata: { source_system: 'old' } });
      expect(imported).toEqual({ apiKeyId: expect.stringMatching(/^[0-9a-f]{32}$/) });
      expect(await h.api.fetchApiKey(imported.apiKeyId)).toMatchObject({ userId: user.userId, metadata: { source_system: 'old' } });
      expect((await h.api.validateImportedApiKey(legacy)).userId).toBe(user.userId);
      expect(await rejection(h.api.validateApiKey(legacy))).toBeInstanceOf(PropelAuthBadRequestError);
    });

    it('rejects with field errors on 400 (already imported), without the imported key in the error', async () => {
      const legacy = `dup_${++seq}_secret_value`;
      await h.api.importApiKey({ importedApiKey: legacy });
      const error = await rejection(h.api.importApiKey({ importedApiKey: legacy }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ imported_api_key: ['This API key was already imported'] });
      expect(JSON.stringify(error)).not.toContain(legacy);
      expect((error as Error).message).not.toContain(legacy);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { user, org } = setup(true);
      const request = { importedApiKey: `wire_${seq}_a`, orgId: org!.orgId, userId: user.userId, expiresAtSeconds: Math.floor(Date.now() / 1000) + 99, metadata: { x_y: 1 }, displayName: 'Imported' };
      const ours = await sameWire(h.emulator, () => official.auth.importApiKey(request), () => h.api.importApiKey({ ...request, importedApiKey: `wire_${seq}_a` }));
      expect(ours).toMatchObject({ method: 'POST', path: `${KEYS}/import`, body: { imported_api_key: `wire_${seq}_a`, org_id: org!.orgId, display_name: 'Imported' } });
    });
  });

  describe('validateImportedApiKey', () => {
    it('returns the key\'s owner and metadata, stripping "Bearer "', async () => {
      const { user, org } = setup(true);
      const legacy = `imp_${seq}_secret`;
      await h.api.importApiKey({ importedApiKey: legacy, orgId: org!.orgId, userId: user.userId, metadata: { m: 1 } });
      const validation = await h.api.validateImportedApiKey(`Bearer ${legacy}`);
      expect(validation.org).toMatchObject({ orgId: org!.orgId, orgName: org!.name });
      expect(validation.userInOrg).toBeInstanceOf(OrgMemberInfo);
      expect(validation.metadata).toEqual({ m: 1 });
      // Same org and metadata as the official library (which, unlike us, camelCases the user's properties keys).
      const theirs = await official.auth.validateImportedApiKey(`Bearer ${legacy}`);
      expect(validation.org).toEqual(theirs.org);
      expect(validation.metadata).toEqual(theirs.metadata);
      expect(theirs.user?.properties).toEqual({ favoriteColor: 'red' });
      expect(validation.user?.properties).toEqual({ favorite_color: 'red' });
    });

    it('rejects a key that was not imported with field errors (400)', async () => {
      const { apiKeyToken } = await h.api.createApiKey({});
      const error = await rejection(h.api.validateImportedApiKey(apiKeyToken));
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ api_key_token: ['Invalid API key'] });
      expect(JSON.stringify(error)).not.toContain(apiKeyToken);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const ours = await sameWire(h.emulator, () => official.auth.validateImportedApiKey('bearer some-imported-key'), () => h.api.validateImportedApiKey('bearer some-imported-key'));
      expect(ours).toMatchObject({ method: 'POST', path: `${KEYS}/validate_imported`, body: { api_key_token: 'some-imported-key' } });
    });
  });

  describe('fetchApiKeyUsage', () => {
    it('counts the successful validations of the matching keys on a UTC day', async () => {
      const { user, org } = setup(true);
      const orgKey = await h.api.createApiKey({ orgId: org!.orgId });
      const personal = await h.api.createApiKey({ userId: user.userId });
      await h.api.validateApiKey(orgKey.apiKeyToken);
      await h.api.validateApiKey(orgKey.apiKeyToken);
      await h.api.validateApiKey(personal.apiKeyToken);
      await rejection(h.api.validateOrgApiKey(personal.apiKeyToken)); // valid, so counted, though the kind is wrong
      const date = utcDate(keys.now());
      expect(await h.api.fetchApiKeyUsage({ date, orgId: org!.orgId })).toEqual({ count: 2 });
      expect(await h.api.fetchApiKeyUsage({ date, userId: user.userId })).toEqual({ count: 2 });
      expect(await h.api.fetchApiKeyUsage({ date, apiKeyId: orgKey.apiKeyId })).toEqual({ count: 2 });
      expect(await h.api.fetchApiKeyUsage({ date, api_key_id: personal.apiKeyId })).toEqual({ count: 2 });
      expect(await h.api.fetchApiKeyUsage({ date: '2001-01-01', orgId: org!.orgId })).toEqual({ count: 0 });
      expect(await official.auth.fetchApiKeyUsage({ date, orgId: org!.orgId })).toEqual({ count: 2 });
    });

    it('rejects with field errors on 400', async () => {
      const error = await rejection(h.api.fetchApiKeyUsage({ date: '31/01/2025' }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ date: ['Date must be formatted as YYYY-MM-DD'] });
    });

    it('puts the same request on the wire as @propelauth/node (which spells the key id api_key_id)', async () => {
      const { user, org } = setup(true);
      const filter = { date: '2025-01-31', orgId: org!.orgId, userId: user.userId };
      const ours = await sameWire(h.emulator, () => official.auth.fetchApiKeyUsage({ ...filter, api_key_id: UNKNOWN_KEY_ID }), () => h.api.fetchApiKeyUsage({ ...filter, apiKeyId: UNKNOWN_KEY_ID }));
      expect(ours).toMatchObject({ method: 'GET', path: `${KEYS}/usage`, query: { date: '2025-01-31', org_id: org!.orgId, user_id: user.userId, api_key_id: UNKNOWN_KEY_ID } });
    });
  });
});
