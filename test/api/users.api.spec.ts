import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrgMemberInfo, PropelAuthBadRequestError } from '../../lib';
import { captureWire, officialClient, startApiHarness, type ApiHarness } from '../support/api';

describe('PropelAuthApiService: users', () => {
  let h: ApiHarness;
  let official: ReturnType<typeof officialClient>;
  beforeAll(async () => {
    h = await startApiHarness();
    official = officialClient(h.emulator);
  });
  afterAll(async () => {
    official?.restore();
    await h?.close();
  });

  describe('fetchUserMetadataByUserId', () => {
    it('returns the user, with its orgs as OrgMemberInfo when asked, and properties keys as sent', async () => {
      const user = h.emulator.createUser({ email: 'fetch@acme.test', firstName: 'Fe', properties: { favorite_color: 'red' } });
      const org = h.emulator.createOrg({ name: 'Fetch Org' });
      h.emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Admin' });

      const fetched = await h.api.fetchUserMetadataByUserId(user.userId);
      expect(fetched).toMatchObject({ userId: user.userId, email: 'fetch@acme.test', firstName: 'Fe', enabled: true, properties: { favorite_color: 'red' } });
      expect(fetched?.orgIdToOrgInfo).toBeUndefined();

      const withOrgs = await h.api.fetchUserMetadataByUserId(user.userId, true);
      const info = withOrgs!.orgIdToOrgInfo![org.orgId];
      expect(info).toBeInstanceOf(OrgMemberInfo);
      expect(info.userIsAtLeastRole('Member')).toBe(true);
      expect(info.orgName).toBe('Fetch Org');
    });

    it('returns null for an unknown user, and for an id that cannot exist without a request', async () => {
      expect(await h.api.fetchUserMetadataByUserId('6f1b1b8e-0c1a-4d4e-9a57-3c1d2a1b0fff')).toBeNull();
      expect(await captureWire(h.emulator, () => h.api.fetchUserMetadataByUserId('../../admin'))).toEqual([]);
      await expect(h.api.fetchUserMetadataByUserId('not-a-uuid')).resolves.toBeNull();
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const user = h.emulator.createUser({ email: 'wire@acme.test' });
      const theirs = await captureWire(h.emulator, () => official.auth.fetchUserMetadataByUserId(user.userId, true));
      const ours = await captureWire(h.emulator, () => h.api.fetchUserMetadataByUserId(user.userId, true));
      expect(ours).toEqual(theirs);
      expect(ours[0]).toMatchObject({ method: 'GET', path: `/api/backend/v1/user/${user.userId}`, query: { include_orgs: 'true' } });
    });
  });

  describe('createUser', () => {
    it('creates the user and resolves to its id', async () => {
      const { userId } = await h.api.createUser({ email: 'new@acme.test', firstName: 'New', properties: { plan_tier: 'pro' } });
      expect(h.emulator.state.users.get(userId)).toMatchObject({ email: 'new@acme.test', firstName: 'New', properties: { plan_tier: 'pro' } });
    });

    it('rejects with field errors on 400', async () => {
      const error = await h.api.createUser({ email: 'new@acme.test' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ email: ['Email already exists'] });
      expect((error as PropelAuthBadRequestError).status).toBe(400);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const request = { email: 'same@acme.test', emailConfirmed: true, firstName: 'S', lastName: 'T', username: 'st', password: 'hunter22', properties: { a_b: 1 } };
      const theirs = await captureWire(h.emulator, () => official.auth.createUser(request));
      const ours = await captureWire(h.emulator, () => h.api.createUser(request));
      expect(ours).toEqual(theirs);
      expect(ours[0].path).toBe('/api/backend/v1/user/');
    });
  });

  describe('createMagicLink', () => {
    it('returns a url and creates the user if needed', async () => {
      const link = await h.api.createMagicLink({ email: 'magic@acme.test', expiresInHours: 24 });
      expect(link.url).toMatch(/^https:\/\//);
      expect(h.emulator.state.findUserByEmail('magic@acme.test')).toBeDefined();
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const request = { email: 'm2@acme.test', redirectToUrl: 'https://app.test/x', expiresInHours: 2, createNewUserIfOneDoesntExist: true, expiresAfterFirstUse: true, userSignupQueryParameters: { ref_code: 'a' } };
      const theirs = await captureWire(h.emulator, () => official.auth.createMagicLink(request));
      const ours = await captureWire(h.emulator, () => h.api.createMagicLink(request));
      expect(ours).toEqual(theirs);
    });
  });
});
