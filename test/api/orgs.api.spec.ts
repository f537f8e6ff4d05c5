import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PropelAuthApiKeyRejectedError,
  PropelAuthBadRequestError,
  PropelAuthFeatureNotEnabledError,
  PropelAuthNotFoundError,
  type OrgOrderBy,
  type PropelAuthApiService,
} from '../../lib';
import type { EmulatorInvite, EmulatorOrg } from '../../lib/testing';
import { OrgStore } from '../../lib/testing/emulator/orgs.store';
import { captureWire, officialClient, rejection, sameWire, startApiHarness, withOrganizationsOff, type ApiHarness } from '../support/api';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----';

describe('PropelAuthApiService: organizations', () => {
  let h: ApiHarness;
  let official: ReturnType<typeof officialClient>;
  let seq = 0;
  beforeAll(async () => {
    h = await startApiHarness();
    official = officialClient(h.emulator);
  });
  afterAll(async () => {
    official?.restore();
    await h?.close();
  });

  /** A distinct name per call, so tests sharing the one emulator do not see each other's orgs. */
  const unique = (label: string) => `${label} ${++seq}-${randomUUID().slice(0, 8)}`;
  const seedOrg = (label = 'Org', extra: Partial<Parameters<ApiHarness['emulator']['createOrg']>[0]> = {}): EmulatorOrg =>
    h.emulator.createOrg({ name: unique(label), ...extra });
  const seedUser = (label = 'user') => h.emulator.createUser({ email: `${label}-${++seq}-${randomUUID().slice(0, 8)}@acme.test` });
  const seedInvite = (orgId: string, extra: Partial<EmulatorInvite> = {}): EmulatorInvite => {
    const invite: EmulatorInvite = {
      inviteeEmail: `invitee-${++seq}@acme.test`,
      orgId,
      role: 'Member',
      additionalRoles: [],
      createdAt: 1_700_000_000 + seq,
      expiresAt: 1_800_000_000 + seq,
      ...extra,
    };
    h.emulator.state.pendingInvites.push(invite);
    return invite;
  };
  const store = () => h.emulator.state.store(OrgStore);
  /** The org ids a token minted now for the stored user carries. */
  const orgsInToken = (userId: string): Record<string, { user_role: string; additional_roles: string[] }> =>
    (jwt.decode(h.emulator.createAccessToken({ userId })) as { org_id_to_org_member_info: Record<string, { user_role: string; additional_roles: string[] }> })
      .org_id_to_org_member_info;
  /** Our call and the official one put the same request on the wire (sameWire, ours first). */
  const expectSameWire = (ours: () => unknown, theirs: () => unknown) => sameWire(h.emulator, theirs, ours);
  /** The call sends no request and answers `answer`: a value, or for a rejection the error's class. */
  const noRequest = async (call: () => Promise<unknown>, answer: unknown) => {
    let settled: unknown;
    expect(await captureWire(h.emulator, async () => (settled = await call().catch((error: unknown) => error)))).toEqual([]);
    if (typeof answer === 'function') expect(settled).toBeInstanceOf(answer);
    else expect(settled).toEqual(answer);
  };

  it('every org update answers false for an id that cannot be a path parameter ("", ".", ".."), without a request', async () => {
    for (const id of ['', '.', '..']) {
      const calls: Array<[string, () => Promise<boolean>]> = [
        ['deleteOrg', () => h.api.deleteOrg(id)],
        ['allowOrgToSetupSamlConnection', () => h.api.allowOrgToSetupSamlConnection(id)],
        ['disallowOrgToSetupSamlConnection', () => h.api.disallowOrgToSetupSamlConnection(id)],
        ['updateOrg', () => h.api.updateOrg({ orgId: id, name: 'x' })],
      ];
      for (const [name, call] of calls) {
        expect(await captureWire(h.emulator, async () => expect(await call(), `${name}(${JSON.stringify(id)})`).toBe(false))).toEqual([]);
      }
    }
  });

  describe('fetchOrg', () => {
    it('returns the org in camelCase, metadata keys as sent', async () => {
      const org = seedOrg('Fetch', { metadata: { plan_tier: 'pro', nested_key: { inner_key: 1 } }, domain: 'fetch.test', maxUsers: 9, legacyOrgId: 'legacy-9' });
      const fetched = await h.api.fetchOrg(org.orgId);
      expect(fetched).toEqual({
        orgId: org.orgId,
        name: org.name,
        urlSafeOrgSlug: org.urlSafeOrgName,
        canSetupSaml: false,
        isSamlConfigured: false,
        isSamlInTestMode: false,
        maxUsers: 9,
        metadata: { plan_tier: 'pro', nested_key: { inner_key: 1 } },
        domain: 'fetch.test',
        extraDomains: [],
        domainAutojoin: false,
        domainRestrict: false,
        legacyOrgId: 'legacy-9',
        passwordRotationEnabled: false,
        passwordRotationHistorySize: 0,
        passwordRotationPeriod: 0,
        createdAt: org.createdAt,
      });
    });

    it('returns null for an unknown org, and for a non-UUID id without a request', async () => {
      expect(await h.api.fetchOrg(randomUUID())).toBeNull();
      await noRequest(() => h.api.fetchOrg('../../admin'), null);
      expect(await h.api.fetchOrg('not-a-uuid')).toBeNull();
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const org = seedOrg();
      const wire = await expectSameWire(() => h.api.fetchOrg(org.orgId), () => official.auth.fetchOrg(org.orgId));
      expect(wire).toMatchObject({ method: 'GET', path: `/api/backend/v1/org/${org.orgId}`, body: undefined });
    });
  });

  describe('fetchOrgByQuery', () => {
    it('pages through the orgs matching a name, with the totals', async () => {
      const prefix = unique('Paged');
      const created = [h.emulator.createOrg({ name: `${prefix} a` }), h.emulator.createOrg({ name: `${prefix} b` }), h.emulator.createOrg({ name: `${prefix} c` })];
      const first = await h.api.fetchOrgByQuery({ name: prefix.toUpperCase(), pageSize: 2 });
      expect(first).toMatchObject({ totalOrgs: 3, currentPage: 0, pageSize: 2, hasMoreResults: true });
      expect(first.orgs.map((org) => org.orgId)).toEqual([created[0].orgId, created[1].orgId]);
      const second = await h.api.fetchOrgByQuery({ name: prefix, pageSize: 2, pageNumber: 1 });
      expect(second).toMatchObject({ totalOrgs: 3, currentPage: 1, pageSize: 2, hasMoreResults: false });
      expect(second.orgs.map((org) => org.orgId)).toEqual([created[2].orgId]);
      expect((await h.api.fetchOrgByQuery({ name: prefix, pageSize: 2, pageNumber: 5 })).orgs).toEqual([]);
    });

    it('orders by creation (both ways) and by name', async () => {
      const prefix = unique('Ordered');
      const zed = h.emulator.createOrg({ name: `${prefix} zed` });
      const alpha = h.emulator.createOrg({ name: `${prefix} alpha` });
      const mid = h.emulator.createOrg({ name: `${prefix} mid` });
      const ids = async (orderBy?: OrgOrderBy) => (await h.api.fetchOrgByQuery({ name: prefix, orderBy })).orgs.map((org) => org.orgId);
      expect(await ids()).toEqual([zed.orgId, alpha.orgId, mid.orgId]);
      expect(await ids('CREATED_AT_ASC')).toEqual([zed.orgId, alpha.orgId, mid.orgId]);
      expect(await ids('CREATED_AT_DESC')).toEqual([mid.orgId, alpha.orgId, zed.orgId]);
      expect(await ids('NAME')).toEqual([alpha.orgId, mid.orgId, zed.orgId]);
    });

    it('filters by legacy org id and by domain (extra domains included)', async () => {
      const legacyOrgId = `legacy-${randomUUID()}`;
      const legacy = seedOrg('Legacy', { legacyOrgId });
      const domain = `${randomUUID().slice(0, 8)}.example.com`;
      const byDomain = seedOrg('Domain', { domain });
      const byExtra = seedOrg('Extra');
      byExtra.extraDomains.push(domain);
      expect((await h.api.fetchOrgByQuery({ legacyOrgId })).orgs.map((org) => org.orgId)).toEqual([legacy.orgId]);
      expect((await h.api.fetchOrgByQuery({ domain: domain.toUpperCase() })).orgs.map((org) => org.orgId)).toEqual([byDomain.orgId, byExtra.orgId]);
    });

    it('answers camelCase orgs (the official library leaves most keys snake_case)', async () => {
      const org = seedOrg('Shape', { metadata: { plan_tier: 'pro' }, maxUsers: 4, legacyOrgId: `l-${randomUUID()}` });
      store().addCustomRoleMapping('Shape roles');
      org.customRoleMappingName = 'Shape roles';
      const ours = await h.api.fetchOrgByQuery({ legacyOrgId: org.legacyOrgId });
      expect(ours).toEqual({
        orgs: [
          {
            orgId: org.orgId,
            name: org.name,
            isSamlConfigured: false,
            metadata: { plan_tier: 'pro' },
            maxUsers: 4,
            customRoleMappingName: 'Shape roles',
            legacyOrgId: org.legacyOrgId,
            createdAt: org.createdAt,
          },
        ],
        totalOrgs: 1,
        currentPage: 0,
        pageSize: 10,
        hasMoreResults: false,
      });
      const theirs = (await official.auth.fetchOrgByQuery({ legacyOrgId: org.legacyOrgId })) as unknown as { orgs: Array<Record<string, unknown>> };
      expect(theirs.orgs[0]).toHaveProperty('is_saml_configured', false); // the quirk this library fixes
      expect(theirs.orgs[0]).not.toHaveProperty('isSamlConfigured');
    });

    it('reads an org named `org_name` on the wire as `name`', async () => {
      const orgId = randomUUID();
      h.emulator.failNext({
        path: '/api/backend/v1/org/query',
        status: 200,
        body: { orgs: [{ org_id: orgId, org_name: 'Old Shape', is_saml_configured: true, metadata: {} }], total_orgs: 1, current_page: 0, page_size: 10, has_more_results: false },
      });
      const page = await h.api.fetchOrgByQuery({});
      expect(page.orgs).toEqual([{ orgId, name: 'Old Shape', isSamlConfigured: true, metadata: {} }]);
    });

    it('rejects an invalid query with field errors', async () => {
      const error = await rejection(h.api.fetchOrgByQuery({ orderBy: 'SIZE' as OrgOrderBy }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ order_by: ['order_by must be one of CREATED_AT_ASC, CREATED_AT_DESC, NAME'] });
      expect(await rejection(h.api.fetchOrgByQuery({ pageSize: 5000 }))).toBeInstanceOf(PropelAuthBadRequestError);
    });

    it('puts the same request on the wire as @propelauth/node (POST with a JSON body)', async () => {
      const query = { pageSize: 3, pageNumber: 1, orderBy: 'NAME' as const, name: 'acme', legacyOrgId: 'l-1', domain: 'acme.test' };
      const wire = await expectSameWire(() => h.api.fetchOrgByQuery(query), () => official.auth.fetchOrgByQuery(query));
      expect(wire).toMatchObject({
        method: 'POST',
        path: '/api/backend/v1/org/query',
        body: { page_size: 3, page_number: 1, order_by: 'NAME', name: 'acme', legacy_org_id: 'l-1', domain: 'acme.test' },
      });
      const empty = await expectSameWire(() => h.api.fetchOrgByQuery({}), () => official.auth.fetchOrgByQuery({}));
      expect(empty.body).toEqual({});
    });
  });

  describe('fetchCustomRoleMappings', () => {
    it('lists the mappings with the number of orgs subscribed to each', async () => {
      const name = unique('Mapping');
      store().addCustomRoleMapping(name);
      const unused = unique('Unused mapping');
      store().addCustomRoleMapping(unused);
      await h.api.createOrg({ name: unique('Mapped'), customRoleMappingName: name });
      seedOrg('Mapped', { customRoleMappingName: name });
      const { customRoleMappings } = await h.api.fetchCustomRoleMappings();
      expect(customRoleMappings).toContainEqual({ customRoleMappingName: name, numOrgsSubscribed: 2 });
      expect(customRoleMappings).toContainEqual({ customRoleMappingName: unused, numOrgsSubscribed: 0 });
    });

    it('rejects with PropelAuthNotFoundError on a 404 (the official library throws a generic Error)', async () => {
      h.emulator.failNext({ path: '/api/backend/v1/custom_role_mappings', status: 404, body: { error: 'not_found' } });
      expect(await rejection(h.api.fetchCustomRoleMappings())).toBeInstanceOf(PropelAuthNotFoundError);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const wire = await expectSameWire(() => h.api.fetchCustomRoleMappings(), () => official.auth.fetchCustomRoleMappings());
      expect(wire).toMatchObject({ method: 'GET', path: '/api/backend/v1/custom_role_mappings', query: {} });
    });
  });

  describe('fetchPendingInvites', () => {
    it("pages through one org's invitations, in camelCase", async () => {
      const org = seedOrg('Invites');
      const other = seedOrg('Other invites');
      const invites = [
        seedInvite(org.orgId, { role: 'Admin', additionalRoles: ['Member'], inviterEmail: 'boss@acme.test', inviterUserId: randomUUID() }),
        seedInvite(org.orgId),
        seedInvite(org.orgId),
      ];
      seedInvite(other.orgId);
      const first = await h.api.fetchPendingInvites({ orgId: org.orgId, pageSize: 2 });
      expect(first).toMatchObject({ totalInvites: 3, currentPage: 0, pageSize: 2, hasMoreResults: true });
      expect(first.invites[0]).toEqual({
        inviteeEmail: invites[0].inviteeEmail,
        orgId: org.orgId,
        orgName: org.name,
        roleInOrg: 'Admin',
        additionalRolesInOrg: ['Member'],
        createdAt: invites[0].createdAt,
        expiresAt: invites[0].expiresAt,
        inviterEmail: 'boss@acme.test',
        inviterUserId: invites[0].inviterUserId,
      });
      const second = await h.api.fetchPendingInvites({ orgId: org.orgId, pageSize: 2, pageNumber: 1 });
      expect(second).toMatchObject({ totalInvites: 3, currentPage: 1, hasMoreResults: false });
      expect(second.invites.map((invite) => invite.inviteeEmail)).toEqual([invites[2].inviteeEmail]);
      const all = await h.api.fetchPendingInvites({ pageSize: 1000 });
      expect(all.invites.map((invite) => invite.orgId)).toEqual(expect.arrayContaining([org.orgId, other.orgId]));
    });

    it('gives an empty page for an org id that is not a UUID (empty included), without a request', async () => {
      seedInvite(seedOrg().orgId);
      const empty = { totalInvites: 0, currentPage: 0, pageSize: 10, hasMoreResults: false, invites: [] };
      await noRequest(() => h.api.fetchPendingInvites({ orgId: 'nope' }), empty);
      expect(await h.api.fetchPendingInvites({ orgId: '' })).toEqual(empty);
      expect(await h.api.fetchPendingInvites({ orgId: 'nope', pageSize: 5, pageNumber: 2 })).toEqual({ ...empty, pageSize: 5, currentPage: 2 });
      expect(await h.api.fetchPendingInvites({ orgId: randomUUID() })).toEqual(empty); // unknown org: the emulator's empty page
    });

    it('rejects an invalid page size with field errors', async () => {
      const error = await rejection(h.api.fetchPendingInvites({ pageSize: 5000 }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(Object.keys((error as PropelAuthBadRequestError).fieldToErrors)).toEqual(['page_size']);
    });

    it('puts the same request on the wire as @propelauth/node (only the truthy parameters)', async () => {
      const orgId = seedOrg().orgId;
      const wire = await expectSameWire(
        () => h.api.fetchPendingInvites({ orgId, pageSize: 5, pageNumber: 1 }),
        () => official.auth.fetchPendingInvites({ orgId, pageSize: 5, pageNumber: 1 }),
      );
      expect(wire).toMatchObject({ method: 'GET', path: '/api/backend/v1/pending_org_invites', query: { org_id: orgId, page_size: '5', page_number: '1' } });
      const bare = await expectSameWire(() => h.api.fetchPendingInvites(), () => official.auth.fetchPendingInvites());
      expect(bare.query).toEqual({});
      await expectSameWire(() => h.api.fetchPendingInvites({ pageNumber: 0, pageSize: 3 }), () => official.auth.fetchPendingInvites({ pageNumber: 0, pageSize: 3 }));
    });
  });

  describe('revokePendingOrgInvite', () => {
    it('revokes the invitation (email case-insensitive); false once it is gone', async () => {
      const org = seedOrg('Revoke');
      const invite = seedInvite(org.orgId);
      const kept = seedInvite(org.orgId);
      expect(await h.api.revokePendingOrgInvite({ inviteeEmail: invite.inviteeEmail.toUpperCase(), orgId: org.orgId })).toBe(true);
      expect((await h.api.fetchPendingInvites({ orgId: org.orgId })).invites.map((i) => i.inviteeEmail)).toEqual([kept.inviteeEmail]);
      expect(await h.api.revokePendingOrgInvite({ inviteeEmail: invite.inviteeEmail, orgId: org.orgId })).toBe(false);
    });

    it('is false for an unknown org, and for a non-UUID org id without a request', async () => {
      expect(await h.api.revokePendingOrgInvite({ inviteeEmail: 'x@acme.test', orgId: randomUUID() })).toBe(false);
      await noRequest(() => h.api.revokePendingOrgInvite({ inviteeEmail: 'x@acme.test', orgId: 'nope' }), false);
    });

    it('rejects with field errors on 400', async () => {
      const error = await rejection(h.api.revokePendingOrgInvite({ inviteeEmail: '', orgId: seedOrg().orgId }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ invitee_email: ['invitee_email is required'] });
    });

    it('puts the same request on the wire as @propelauth/node (DELETE with a body)', async () => {
      const request = { inviteeEmail: 'w@acme.test', orgId: seedOrg().orgId };
      const wire = await expectSameWire(() => h.api.revokePendingOrgInvite(request), () => official.auth.revokePendingOrgInvite(request));
      expect(wire).toMatchObject({ method: 'DELETE', path: '/api/backend/v1/pending_org_invites', body: { invitee_email: 'w@acme.test', org_id: request.orgId } });
    });
  });

  describe('createOrg', () => {
    it('creates the org and resolves to its id and name', async () => {
      const mapping = unique('Create mapping');
      store().addCustomRoleMapping(mapping);
      const name = unique('Created');
      const created = await h.api.createOrg({
        name,
        domain: 'created.test',
        enableAutoJoiningByDomain: true,
        membersMustHaveMatchingDomain: true,
        maxUsers: 20,
        legacyOrgId: 'legacy-created',
        customRoleMappingName: mapping,
      });
      expect(created).toEqual({ orgId: expect.any(String), name });
      expect(await h.api.fetchOrg(created.orgId)).toMatchObject({
        name,
        domain: 'created.test',
        domainAutojoin: true,
        domainRestrict: true,
        maxUsers: 20,
        legacyOrgId: 'legacy-created',
        customRoleMappingName: mapping,
      });
    });

    it('rejects with field errors on 400 (no name, bad domain, unknown role mapping)', async () => {
      const fields = async (request: Parameters<PropelAuthApiService['createOrg']>[0]) => {
        const error = await rejection(h.api.createOrg(request));
        expect(error).toBeInstanceOf(PropelAuthBadRequestError);
        return Object.keys((error as PropelAuthBadRequestError).fieldToErrors);
      };
      expect(await fields({ name: '  ' })).toEqual(['name']);
      expect(await fields({ name: 'x', domain: 'not a domain' })).toEqual(['domain']);
      expect(await fields({ name: 'x', customRoleMappingName: 'No such mapping' })).toEqual(['custom_role_mapping_name']);
    });

    it('puts the same request on the wire as @propelauth/node (defaults sent, falsy options left out)', async () => {
      const full = { name: unique('Wire'), domain: 'wire.test', enableAutoJoiningByDomain: true, membersMustHaveMatchingDomain: false, maxUsers: 3, legacyOrgId: 'lw' };
      const wire = await expectSameWire(() => h.api.createOrg(full), () => official.auth.createOrg(full));
      expect(wire).toMatchObject({ method: 'POST', path: '/api/backend/v1/org/' });
      const minimal = { name: unique('Wire'), domain: '', maxUsers: 0 };
      const bare = await expectSameWire(() => h.api.createOrg(minimal), () => official.auth.createOrg(minimal));
      expect(bare.body).toEqual({ name: minimal.name, enable_auto_joining_by_domain: false, members_must_have_matching_domain: false });
    });
  });

  describe('updateOrg', () => {
    it('changes the given fields only; metadata is replaced, keys as sent', async () => {
      const org = seedOrg('Update', { metadata: { old_key: 1 }, domain: 'update.test' });
      const name = unique('Updated');
      expect(
        await h.api.updateOrg({
          orgId: org.orgId,
          name,
          canSetupSaml: true,
          metadata: { plan_tier: 'pro' },
          maxUsers: 50,
          canJoinOnEmailDomainMatch: true,
          membersMustHaveEmailDomainMatch: true,
          extraDomains: ['update-extra.test'],
          require2faBy: '2030-01-01T00:00:00Z',
          passwordRotationEnabled: true,
          passwordRotationHistorySize: 3,
          passwordRotationPeriod: 90,
        }),
      ).toBe(true);
      expect(await h.api.fetchOrg(org.orgId)).toMatchObject({
        name,
        urlSafeOrgSlug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
        canSetupSaml: true,
        metadata: { plan_tier: 'pro' },
        maxUsers: 50,
        domain: 'update.test',
        domainAutojoin: true,
        domainRestrict: true,
        extraDomains: ['update-extra.test'],
        passwordRotationEnabled: true,
        passwordRotationHistorySize: 3,
        passwordRotationPeriod: 90,
      });
      expect(org.require2faBy).toBe('2030-01-01T00:00:00Z');
    });

    it('is false for an unknown org, and for a non-UUID id without a request', async () => {
      expect(await h.api.updateOrg({ orgId: randomUUID(), name: 'x' })).toBe(false);
      await noRequest(() => h.api.updateOrg({ orgId: 'nope', name: 'x' }), false);
      expect(await h.api.updateOrg({ orgId: 'nope' })).toBe(false);
    });

    it('rejects with field errors on 400, changing nothing', async () => {
      const org = seedOrg('Full');
      for (const label of ['a', 'b']) h.emulator.addUserToOrg({ userId: seedUser(label).userId, orgId: org.orgId, role: 'Member' });
      const error = await rejection(h.api.updateOrg({ orgId: org.orgId, name: 'Renamed', maxUsers: 1 }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ max_users: ["max_users cannot be lower than the org's 2 members"] });
      expect(org.name).not.toBe('Renamed');
      expect(Object.keys((await rejection(h.api.updateOrg({ orgId: org.orgId, extraDomains: ['nope'] })) as PropelAuthBadRequestError).fieldToErrors)).toEqual(['extra_domains']);
    });

    it('puts the same request on the wire as @propelauth/node (renamed wire fields)', async () => {
      const request = {
        orgId: seedOrg().orgId,
        name: 'N',
        canSetupSaml: false,
        maxUsers: 7,
        metadata: { some_key: 'v' },
        canJoinOnEmailDomainMatch: true,
        membersMustHaveEmailDomainMatch: false,
        domain: 'w.test',
        legacyOrgId: 'lw',
        require2faBy: '2031-01-01T00:00:00Z',
        extraDomains: ['x.test'],
        passwordRotationEnabled: false,
        passwordRotationHistorySize: 2,
        passwordRotationPeriod: 30,
      };
      const wire = await expectSameWire(() => h.api.updateOrg(request), () => official.auth.updateOrg(request));
      expect(wire).toMatchObject({ method: 'PUT', path: `/api/backend/v1/org/${request.orgId}` });
      expect(wire.body).toMatchObject({ autojoin_by_domain: true, restrict_to_domain: false, require_2fa_by: '2031-01-01T00:00:00Z', metadata: { some_key: 'v' } });
      const bare = await expectSameWire(() => h.api.updateOrg({ orgId: request.orgId }), () => official.auth.updateOrg({ orgId: request.orgId }));
      expect(bare.body).toEqual({});
    });
  });

  describe('subscribeOrgToRoleMapping', () => {
    it('subscribes the org to a defined mapping', async () => {
      const mapping = unique('Subscribe mapping');
      store().addCustomRoleMapping(mapping);
      const org = seedOrg('Subscriber');
      expect(await h.api.subscribeOrgToRoleMapping(org.orgId, mapping)).toBe(true);
      expect((await h.api.fetchOrg(org.orgId))?.customRoleMappingName).toBe(mapping);
      expect((await h.api.fetchCustomRoleMappings()).customRoleMappings).toContainEqual({ customRoleMappingName: mapping, numOrgsSubscribed: 1 });
    });

    it('rejects an unknown mapping with field errors', async () => {
      const error = await rejection(h.api.subscribeOrgToRoleMapping(seedOrg().orgId, 'No such mapping'));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(Object.keys((error as PropelAuthBadRequestError).fieldToErrors)).toEqual(['custom_role_mapping_name']);
    });

    it('is false for an unknown org, and for a non-UUID id without a request', async () => {
      expect(await h.api.subscribeOrgToRoleMapping(randomUUID(), 'x')).toBe(false);
      await noRequest(() => h.api.subscribeOrgToRoleMapping('nope', 'x'), false);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const orgId = seedOrg().orgId;
      const wire = await expectSameWire(() => h.api.subscribeOrgToRoleMapping(orgId, 'm'), () => official.auth.subscribeOrgToRoleMapping(orgId, 'm'));
      expect(wire).toMatchObject({ method: 'PUT', path: `/api/backend/v1/org/${orgId}`, body: { custom_role_mapping_name: 'm' } });
    });
  });

  describe('deleteOrg', () => {
    it('deletes the org with its memberships and invitations; false the second time', async () => {
      const org = seedOrg('Doomed');
      const user = seedUser();
      h.emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Owner' });
      seedInvite(org.orgId);
      expect(await h.api.deleteOrg(org.orgId)).toBe(true);
      expect(await h.api.fetchOrg(org.orgId)).toBeNull();
      expect(orgsInToken(user.userId)).toEqual({});
      expect(h.emulator.state.pendingInvites.some((invite) => invite.orgId === org.orgId)).toBe(false);
      expect(await h.api.deleteOrg(org.orgId)).toBe(false);
    });

    it('is false for a non-UUID id without a request', async () => {
      await noRequest(() => h.api.deleteOrg('nope'), false);
      expect(await h.api.deleteOrg('nope')).toBe(false);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const orgId = randomUUID();
      const wire = await expectSameWire(() => h.api.deleteOrg(orgId), () => official.auth.deleteOrg(orgId));
      expect(wire).toMatchObject({ method: 'DELETE', path: `/api/backend/v1/org/${orgId}` });
    });
  });

  describe('addUserToOrg', () => {
    it('makes the user a member: the user and a token minted afterwards list the org with the role', async () => {
      const org = seedOrg('Join', { roleStructure: 'multi_role' });
      const user = seedUser();
      seedInvite(org.orgId, { inviteeEmail: user.email });
      expect(await h.api.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Admin', additionalRoles: ['Member'] })).toBe(true);
      expect(orgsInToken(user.userId)[org.orgId]).toMatchObject({ user_role: 'Admin', additional_roles: ['Member'] });
      expect((await h.api.fetchUserMetadataByUserId(user.userId, true))?.orgIdToOrgInfo?.[org.orgId]?.userAssignedRole).toBe('Admin');
      expect((await h.api.fetchPendingInvites({ orgId: org.orgId })).invites).toEqual([]); // the invitation is used up
    });

    it('rejects an unknown role, an existing member and a full org with field errors', async () => {
      const org = seedOrg('Roles', { maxUsers: 1 });
      const user = seedUser();
      const fields = async (request: Parameters<PropelAuthApiService['addUserToOrg']>[0]) => {
        const error = await rejection(h.api.addUserToOrg(request));
        expect(error).toBeInstanceOf(PropelAuthBadRequestError);
        return (error as PropelAuthBadRequestError).fieldToErrors;
      };
      expect(await fields({ userId: user.userId, orgId: org.orgId, role: 'Emperor' })).toEqual({ role: ['Role Emperor does not exist'] });
      expect(await fields({ userId: user.userId, orgId: org.orgId, role: 'Member', additionalRoles: ['Jester'] })).toEqual({ additional_roles: ['Role Jester does not exist'] });
      expect(await h.api.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Member' })).toBe(true);
      expect(Object.keys(await fields({ userId: user.userId, orgId: org.orgId, role: 'Admin' }))).toEqual(['user_id']);
      expect(Object.keys(await fields({ userId: seedUser().userId, orgId: org.orgId, role: 'Member' }))).toEqual(['org_id']);
    });

    it("refuses a user outside the domain of an org that restricts members to it", async () => {
      const org = seedOrg('Restricted', { domain: 'restricted.test', domainRestrict: true });
      const outsider = seedUser();
      const error = await rejection(h.api.addUserToOrg({ userId: outsider.userId, orgId: org.orgId, role: 'Member' }));
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ user_id: ["The org only accepts users whose email is on the org's domain"] });
      const insider = h.emulator.createUser({ email: `in-${++seq}@restricted.test` });
      expect(await h.api.addUserToOrg({ userId: insider.userId, orgId: org.orgId, role: 'Member' })).toBe(true);
    });

    it('is false for an unknown user or org, and for non-UUID ids without a request', async () => {
      const org = seedOrg();
      const user = seedUser();
      expect(await h.api.addUserToOrg({ userId: randomUUID(), orgId: org.orgId, role: 'Member' })).toBe(false);
      expect(await h.api.addUserToOrg({ userId: user.userId, orgId: randomUUID(), role: 'Member' })).toBe(false);
      await noRequest(() => h.api.addUserToOrg({ userId: 'nope', orgId: org.orgId, role: 'Member' }), false);
      await noRequest(() => h.api.addUserToOrg({ userId: user.userId, orgId: 'nope', role: 'Member' }), false);
      expect(await h.api.addUserToOrg({ userId: 'nope', orgId: org.orgId, role: 'Member' })).toBe(false);
    });

    it('puts the same request on the wire as @propelauth/node (additional_roles defaults to [])', async () => {
      const request = { userId: seedUser().userId, orgId: seedOrg().orgId, role: 'Member' };
      const wire = await expectSameWire(() => h.api.addUserToOrg(request), () => official.auth.addUserToOrg(request));
      expect(wire).toMatchObject({ method: 'POST', path: '/api/backend/v1/org/add_user', body: { user_id: request.userId, org_id: request.orgId, role: 'Member', additional_roles: [] } });
      const withRoles = { ...request, additionalRoles: ['Admin'] };
      await expectSameWire(() => h.api.addUserToOrg(withRoles), () => official.auth.addUserToOrg(withRoles));
    });
  });

  describe('changeUserRoleInOrg', () => {
    it("changes the member's role, as a token minted afterwards shows", async () => {
      const org = seedOrg('Promote');
      const user = seedUser();
      h.emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Member' });
      expect(await h.api.changeUserRoleInOrg({ userId: user.userId, orgId: org.orgId, role: 'Owner' })).toBe(true);
      expect(orgsInToken(user.userId)[org.orgId].user_role).toBe('Owner');
    });

    it('is false for a user who is not a member (no membership to change), an unknown user or org, and non-UUID ids', async () => {
      const org = seedOrg();
      const user = seedUser();
      expect(await h.api.changeUserRoleInOrg({ userId: user.userId, orgId: org.orgId, role: 'Admin' })).toBe(false);
      expect(h.emulator.state.memberships.get(org.orgId)?.has(user.userId)).toBe(false);
      expect(await h.api.changeUserRoleInOrg({ userId: randomUUID(), orgId: org.orgId, role: 'Admin' })).toBe(false);
      expect(await h.api.changeUserRoleInOrg({ userId: user.userId, orgId: randomUUID(), role: 'Admin' })).toBe(false);
      await noRequest(() => h.api.changeUserRoleInOrg({ userId: user.userId, orgId: 'nope', role: 'Admin' }), false);
    });

    it('rejects an unknown role with field errors, leaving the role as it was', async () => {
      const org = seedOrg();
      const user = seedUser();
      h.emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Admin' });
      const error = await rejection(h.api.changeUserRoleInOrg({ userId: user.userId, orgId: org.orgId, role: 'Emperor' }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ role: ['Role Emperor does not exist'] });
      expect(orgsInToken(user.userId)[org.orgId].user_role).toBe('Admin');
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const request = { userId: seedUser().userId, orgId: seedOrg().orgId, role: 'Admin' };
      const wire = await expectSameWire(() => h.api.changeUserRoleInOrg(request), () => official.auth.changeUserRoleInOrg(request));
      expect(wire).toMatchObject({ method: 'POST', path: '/api/backend/v1/org/change_role', body: { user_id: request.userId, org_id: request.orgId, role: 'Admin', additional_roles: [] } });
    });
  });

  describe('removeUserFromOrg', () => {
    it('removes the membership: a token minted afterwards no longer lists the org', async () => {
      const org = seedOrg('Leave');
      const stay = seedOrg('Stay');
      const user = seedUser();
      h.emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Admin' });
      h.emulator.addUserToOrg({ userId: user.userId, orgId: stay.orgId, role: 'Member' });
      expect(Object.keys(orgsInToken(user.userId)).sort()).toEqual([org.orgId, stay.orgId].sort());
      expect(await h.api.removeUserFromOrg({ userId: user.userId, orgId: org.orgId })).toBe(true);
      expect(Object.keys(orgsInToken(user.userId))).toEqual([stay.orgId]);
      expect(await h.api.removeUserFromOrg({ userId: user.userId, orgId: org.orgId })).toBe(false); // no longer a member
    });

    it('is false for an unknown user or org, and for non-UUID ids without a request', async () => {
      expect(await h.api.removeUserFromOrg({ userId: seedUser().userId, orgId: randomUUID() })).toBe(false);
      expect(await h.api.removeUserFromOrg({ userId: randomUUID(), orgId: seedOrg().orgId })).toBe(false);
      await noRequest(() => h.api.removeUserFromOrg({ userId: 'nope', orgId: randomUUID() }), false);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const request = { userId: randomUUID(), orgId: randomUUID() };
      const wire = await expectSameWire(() => h.api.removeUserFromOrg(request), () => official.auth.removeUserFromOrg(request));
      expect(wire).toMatchObject({ method: 'POST', path: '/api/backend/v1/org/remove_user', body: { user_id: request.userId, org_id: request.orgId } });
    });
  });

  describe('allowOrgToSetupSamlConnection / disallowOrgToSetupSamlConnection', () => {
    it('switch canSetupSaml on and off', async () => {
      const org = seedOrg('Saml switch');
      expect(await h.api.allowOrgToSetupSamlConnection(org.orgId)).toBe(true);
      expect((await h.api.fetchOrg(org.orgId))?.canSetupSaml).toBe(true);
      expect(await h.api.disallowOrgToSetupSamlConnection(org.orgId)).toBe(true);
      expect((await h.api.fetchOrg(org.orgId))?.canSetupSaml).toBe(false);
    });

    it('are false for an unknown org, and for a non-UUID id without a request', async () => {
      expect(await h.api.allowOrgToSetupSamlConnection(randomUUID())).toBe(false);
      expect(await h.api.disallowOrgToSetupSamlConnection(randomUUID())).toBe(false);
      await noRequest(() => h.api.allowOrgToSetupSamlConnection('nope'), false);
      await noRequest(() => h.api.disallowOrgToSetupSamlConnection('nope'), false);
    });

    it('put the same requests on the wire as @propelauth/node', async () => {
      const orgId = seedOrg().orgId;
      const allow = await expectSameWire(() => h.api.allowOrgToSetupSamlConnection(orgId), () => official.auth.allowOrgToSetupSamlConnection(orgId));
      expect(allow).toMatchObject({ method: 'POST', path: `/api/backend/v1/org/${orgId}/allow_saml`, body: undefined });
      const disallow = await expectSameWire(() => h.api.disallowOrgToSetupSamlConnection(orgId), () => official.auth.disallowOrgToSetupSamlConnection(orgId));
      expect(disallow).toMatchObject({ method: 'POST', path: `/api/backend/v1/org/${orgId}/disallow_saml`, body: undefined });
    });
  });

  describe('createOrgSamlConnectionLink', () => {
    it('gives a setup link once the org may set up SAML', async () => {
      const org = seedOrg('Saml link');
      const refused = await rejection(h.api.createOrgSamlConnectionLink(org.orgId));
      expect(refused).toBeInstanceOf(PropelAuthBadRequestError);
      expect(Object.keys((refused as PropelAuthBadRequestError).fieldToErrors)).toEqual(['org_id']);
      await h.api.allowOrgToSetupSamlConnection(org.orgId);
      const { url } = await h.api.createOrgSamlConnectionLink(org.orgId, 3600);
      expect(url).toMatch(/^https:\/\/auth\.emulator\.localhost\/saml\/setup\/[0-9a-f]{32}$/);
      const link = store().samlConnectionLinks.find((l) => l.url === url)!;
      expect(link.expiresAt - link.createdAt).toBe(3600);
    });

    it('rejects with PropelAuthNotFoundError for an unknown org, and for a non-UUID id without a request', async () => {
      const unknown = await rejection(h.api.createOrgSamlConnectionLink(randomUUID()));
      expect(unknown).toBeInstanceOf(PropelAuthNotFoundError);
      expect((unknown as PropelAuthNotFoundError).status).toBe(404);
      await noRequest(() => h.api.createOrgSamlConnectionLink('nope'), PropelAuthNotFoundError);
      const invalid = await rejection(h.api.createOrgSamlConnectionLink('nope'));
      expect(invalid).toBeInstanceOf(PropelAuthNotFoundError);
      expect(invalid).toMatchObject({ status: 404, code: 'invalid_org_id', method: 'POST', path: '/api/backend/v1/org/nope/create_saml_connection_link' });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const orgId = seedOrg().orgId;
      const wire = await expectSameWire(() => h.api.createOrgSamlConnectionLink(orgId, 60), () => official.auth.createOrgSamlConnectionLink(orgId, 60));
      expect(wire).toMatchObject({ method: 'POST', path: `/api/backend/v1/org/${orgId}/create_saml_connection_link`, body: { expires_in_seconds: 60 } });
      const bare = await expectSameWire(() => h.api.createOrgSamlConnectionLink(orgId), () => official.auth.createOrgSamlConnectionLink(orgId));
      expect(bare.body).toEqual({});
    });
  });

  describe('fetchSamlSpMetadata', () => {
    it("returns the service provider side of the org's connection", async () => {
      const org = seedOrg('Sp');
      expect(await h.api.fetchSamlSpMetadata(org.orgId)).toEqual({
        entityId: `https://auth.emulator.localhost/saml/${org.orgId}/metadata`,
        acsUrl: `https://auth.emulator.localhost/saml/${org.orgId}/acs`,
        logoutUrl: `https://auth.emulator.localhost/saml/${org.orgId}/logout`,
      });
    });

    it('rejects with PropelAuthNotFoundError for an unknown org, and for a non-UUID id without a request', async () => {
      expect(await rejection(h.api.fetchSamlSpMetadata(randomUUID()))).toBeInstanceOf(PropelAuthNotFoundError);
      await noRequest(() => h.api.fetchSamlSpMetadata('..'), PropelAuthNotFoundError);
      expect(await rejection(h.api.fetchSamlSpMetadata('nope'))).toMatchObject({ status: 404, method: 'GET', path: '/api/backend/v1/saml_sp_metadata/nope' });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const orgId = seedOrg().orgId;
      const wire = await expectSameWire(() => h.api.fetchSamlSpMetadata(orgId), () => official.auth.fetchSamlSpMetadata(orgId));
      expect(wire).toMatchObject({ method: 'GET', path: `/api/backend/v1/saml_sp_metadata/${orgId}` });
    });
  });

  describe('setSamlIdpMetadata', () => {
    const metadata = { idpEntityId: 'https://idp.test/entity', idpSsoUrl: 'https://idp.test/sso', idpCertificate: CERT, provider: 'Okta' as const };

    it('sets up the SAML connection in test mode', async () => {
      const org = seedOrg('Saml idp');
      await h.api.allowOrgToSetupSamlConnection(org.orgId);
      expect(await h.api.setSamlIdpMetadata(org.orgId, metadata)).toBe(true);
      expect(await h.api.fetchOrg(org.orgId)).toMatchObject({ isSamlConfigured: true, isSamlInTestMode: true });
      expect(store().ssoConnections.get(org.orgId)).toEqual({ kind: 'saml', ...metadata, live: false });
    });

    it('rejects with field errors: org not allowed, unknown provider, SSO URL not a URL', async () => {
      const org = seedOrg();
      const fields = async (value: typeof metadata) => {
        const error = await rejection(h.api.setSamlIdpMetadata(org.orgId, value));
        expect(error).toBeInstanceOf(PropelAuthBadRequestError);
        return Object.keys((error as PropelAuthBadRequestError).fieldToErrors);
      };
      expect(await fields(metadata)).toEqual(['org_id']);
      await h.api.allowOrgToSetupSamlConnection(org.orgId);
      expect(await fields({ ...metadata, provider: 'Keycloak' as 'Okta' })).toEqual(['provider']);
      expect(await fields({ ...metadata, idpSsoUrl: 'idp.test/sso' })).toEqual(['idp_sso_url']);
      expect(org.isSamlConfigured).toBe(false);
    });

    it('is false for an unknown org, and for a non-UUID id without a request', async () => {
      expect(await h.api.setSamlIdpMetadata(randomUUID(), metadata)).toBe(false);
      await noRequest(() => h.api.setSamlIdpMetadata('nope', metadata), false);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const orgId = seedOrg().orgId;
      const wire = await expectSameWire(() => h.api.setSamlIdpMetadata(orgId, metadata), () => official.auth.setSamlIdpMetadata(orgId, metadata));
      expect(wire).toMatchObject({
        method: 'POST',
        path: '/api/backend/v1/saml_idp_metadata',
        body: { org_id: orgId, idp_entity_id: metadata.idpEntityId, idp_sso_url: metadata.idpSsoUrl, idp_certificate: CERT, provider: 'Okta' },
      });
    });
  });

  describe('setOidcIdpMetadata', () => {
    const base = { clientId: 'client', clientSecret: 'shh', usesPkce: true };

    it('sets up an OIDC connection (Generic, Okta or Azure)', async () => {
      const org = seedOrg('Oidc');
      await h.api.allowOrgToSetupSamlConnection(org.orgId);
      expect(await h.api.setOidcIdpMetadata({ orgId: org.orgId, ...base, idpType: 'Azure', entraTenantId: 'tenant-1' })).toBe(true);
      expect(store().ssoConnections.get(org.orgId)).toEqual({ kind: 'oidc', idpType: 'Azure', ...base, entraTenantId: 'tenant-1', live: false });
      expect(await h.api.fetchOrg(org.orgId)).toMatchObject({ isSamlConfigured: true, isSamlInTestMode: true });
      expect(
        await h.api.setOidcIdpMetadata({ orgId: org.orgId, ...base, idpType: 'Generic', authUrl: 'https://idp.test/auth', tokenUrl: 'https://idp.test/token', userinfoUrl: 'https://idp.test/me' }),
      ).toBe(true);
      expect(store().ssoConnections.get(org.orgId)).toMatchObject({ idpType: 'Generic', userinfoUrl: 'https://idp.test/me' });
    });

    it('rejects a missing provider-specific field with field errors', async () => {
      const org = seedOrg();
      await h.api.allowOrgToSetupSamlConnection(org.orgId);
      const error = await rejection(h.api.setOidcIdpMetadata({ orgId: org.orgId, ...base, idpType: 'Okta', oktaSsoDomain: '' }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ okta_sso_domain: ['okta_sso_domain is required'] });
    });

    it('is false for an unknown org, and for a non-UUID id without a request', async () => {
      expect(await h.api.setOidcIdpMetadata({ orgId: randomUUID(), ...base, idpType: 'Okta', oktaSsoDomain: 'acme.okta.com' })).toBe(false);
      await noRequest(() => h.api.setOidcIdpMetadata({ orgId: 'nope', ...base, idpType: 'Okta', oktaSsoDomain: 'acme.okta.com' }), false);
    });

    it('puts the same request on the wire as @propelauth/node for each IdP type', async () => {
      const orgId = seedOrg().orgId;
      const requests = [
        { orgId, ...base, idpType: 'Generic' as const, authUrl: 'https://i/a', tokenUrl: 'https://i/t', userinfoUrl: 'https://i/u' },
        { orgId, ...base, idpType: 'Okta' as const, oktaSsoDomain: 'acme.okta.com' },
        { orgId, ...base, usesPkce: false, idpType: 'Azure' as const, entraTenantId: 'tenant' },
      ];
      for (const request of requests) {
        const wire = await expectSameWire(() => h.api.setOidcIdpMetadata(request), () => official.auth.setOidcIdpMetadata(request));
        expect(wire).toMatchObject({ method: 'POST', path: '/api/backend/v1/oidc_idp_metadata', body: { org_id: orgId, client_id: 'client', client_secret: 'shh', idp_type: request.idpType } });
      }
    });
  });

  describe('samlGoLive', () => {
    it('takes a set-up connection out of test mode; a 400 when there is none', async () => {
      const org = seedOrg('Go live');
      await h.api.allowOrgToSetupSamlConnection(org.orgId);
      const none = await rejection(h.api.samlGoLive(org.orgId));
      expect(none).toBeInstanceOf(PropelAuthBadRequestError);
      expect(Object.keys((none as PropelAuthBadRequestError).fieldToErrors)).toEqual(['org_id']);
      await h.api.setSamlIdpMetadata(org.orgId, { idpEntityId: 'e', idpSsoUrl: 'https://idp.test/sso', idpCertificate: CERT, provider: 'Generic' });
      expect(await h.api.samlGoLive(org.orgId)).toBe(true);
      expect(await h.api.fetchOrg(org.orgId)).toMatchObject({ isSamlConfigured: true, isSamlInTestMode: false });
    });

    it('is false for an unknown org, and for a non-UUID id without a request', async () => {
      expect(await h.api.samlGoLive(randomUUID())).toBe(false);
      await noRequest(() => h.api.samlGoLive('nope'), false);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const orgId = randomUUID();
      const wire = await expectSameWire(() => h.api.samlGoLive(orgId), () => official.auth.samlGoLive(orgId));
      expect(wire).toMatchObject({ method: 'POST', path: `/api/backend/v1/saml_idp_metadata/go_live/${orgId}`, body: undefined });
    });
  });

  describe('deleteSamlConnection', () => {
    it('deletes the connection; false when there is none left', async () => {
      const org = seedOrg('Saml delete');
      await h.api.allowOrgToSetupSamlConnection(org.orgId);
      await h.api.setSamlIdpMetadata(org.orgId, { idpEntityId: 'e', idpSsoUrl: 'https://idp.test/sso', idpCertificate: CERT, provider: 'Duo' });
      await h.api.samlGoLive(org.orgId);
      expect(await h.api.deleteSamlConnection(org.orgId)).toBe(true);
      expect(await h.api.fetchOrg(org.orgId)).toMatchObject({ isSamlConfigured: false, isSamlInTestMode: false });
      expect(await h.api.deleteSamlConnection(org.orgId)).toBe(false);
    });

    it('is false for an unknown org, and for a non-UUID id without a request', async () => {
      expect(await h.api.deleteSamlConnection(randomUUID())).toBe(false);
      await noRequest(() => h.api.deleteSamlConnection('nope'), false);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const orgId = randomUUID();
      const wire = await expectSameWire(() => h.api.deleteSamlConnection(orgId), () => official.auth.deleteSamlConnection(orgId));
      expect(wire).toMatchObject({ method: 'DELETE', path: `/api/backend/v1/saml_idp_metadata/${orgId}` });
    });
  });

  describe('every org function', () => {
    // One call per function, on existing ids, with the path it sends to.
    const calls = (orgId: string, userId: string): Array<{ name: string; path: string; call: () => Promise<unknown> }> => {
      const p = (path: string) => `/api/backend/v1${path}`;
      return [
        { name: 'fetchOrg', path: p(`/org/${orgId}`), call: () => h.api.fetchOrg(orgId) },
        { name: 'fetchOrgByQuery', path: p('/org/query'), call: () => h.api.fetchOrgByQuery({}) },
        { name: 'fetchCustomRoleMappings', path: p('/custom_role_mappings'), call: () => h.api.fetchCustomRoleMappings() },
        { name: 'fetchPendingInvites', path: p('/pending_org_invites'), call: () => h.api.fetchPendingInvites({ orgId }) },
        { name: 'revokePendingOrgInvite', path: p('/pending_org_invites'), call: () => h.api.revokePendingOrgInvite({ inviteeEmail: 'a@acme.test', orgId }) },
        { name: 'createOrg', path: p('/org/'), call: () => h.api.createOrg({ name: unique('Gated') }) },
        { name: 'updateOrg', path: p(`/org/${orgId}`), call: () => h.api.updateOrg({ orgId, name: 'Gated' }) },
        { name: 'subscribeOrgToRoleMapping', path: p(`/org/${orgId}`), call: () => h.api.subscribeOrgToRoleMapping(orgId, 'm') },
        { name: 'deleteOrg', path: p(`/org/${orgId}`), call: () => h.api.deleteOrg(orgId) },
        { name: 'addUserToOrg', path: p('/org/add_user'), call: () => h.api.addUserToOrg({ userId, orgId, role: 'Member' }) },
        { name: 'changeUserRoleInOrg', path: p('/org/change_role'), call: () => h.api.changeUserRoleInOrg({ userId, orgId, role: 'Admin' }) },
        { name: 'removeUserFromOrg', path: p('/org/remove_user'), call: () => h.api.removeUserFromOrg({ userId, orgId }) },
        { name: 'allowOrgToSetupSamlConnection', path: p(`/org/${orgId}/allow_saml`), call: () => h.api.allowOrgToSetupSamlConnection(orgId) },
        { name: 'disallowOrgToSetupSamlConnection', path: p(`/org/${orgId}/disallow_saml`), call: () => h.api.disallowOrgToSetupSamlConnection(orgId) },
        { name: 'createOrgSamlConnectionLink', path: p(`/org/${orgId}/create_saml_connection_link`), call: () => h.api.createOrgSamlConnectionLink(orgId) },
        { name: 'fetchSamlSpMetadata', path: p(`/saml_sp_metadata/${orgId}`), call: () => h.api.fetchSamlSpMetadata(orgId) },
        {
          name: 'setSamlIdpMetadata',
          path: p('/saml_idp_metadata'),
          call: () => h.api.setSamlIdpMetadata(orgId, { idpEntityId: 'e', idpSsoUrl: 'https://idp.test/sso', idpCertificate: CERT, provider: 'Generic' }),
        },
        {
          name: 'setOidcIdpMetadata',
          path: p('/oidc_idp_metadata'),
          call: () => h.api.setOidcIdpMetadata({ orgId, clientId: 'c', clientSecret: 's', usesPkce: false, idpType: 'Azure', entraTenantId: 't' }),
        },
        { name: 'samlGoLive', path: p(`/saml_idp_metadata/go_live/${orgId}`), call: () => h.api.samlGoLive(orgId) },
        { name: 'deleteSamlConnection', path: p(`/saml_idp_metadata/${orgId}`), call: () => h.api.deleteSamlConnection(orgId) },
      ];
    };

    it('covers all 20 functions of the domain', () => {
      expect(calls(randomUUID(), randomUUID()).map((c) => c.name)).toHaveLength(20);
    });

    it('rejects with PropelAuthFeatureNotEnabledError (426) while organizations are off, changing nothing', async () => {
      const org = seedOrg('Gated');
      const user = seedUser();
      h.emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Member' });
      const orgsBefore = h.emulator.state.orgs.size;
      await withOrganizationsOff(h.emulator, async () => {
        for (const { name, call } of calls(org.orgId, user.userId)) {
          const error = await rejection(call());
          expect(error, name).toBeInstanceOf(PropelAuthFeatureNotEnabledError);
          expect((error as PropelAuthFeatureNotEnabledError).status, name).toBe(426);
          expect((error as PropelAuthFeatureNotEnabledError).code, name).toBe('feature_gated');
        }
      });
      expect(h.emulator.state.orgs.size).toBe(orgsBefore);
      expect(h.emulator.state.memberships.get(org.orgId)?.has(user.userId)).toBe(true);
      expect(await h.api.fetchOrg(org.orgId)).toMatchObject({ name: org.name });
    });

    it('maps any 400 to PropelAuthBadRequestError with fieldToErrors (the official library throws several kinds, some untyped)', async () => {
      for (const { name, path, call } of calls(randomUUID(), randomUUID())) {
        h.emulator.failNext({ path, status: 400, body: { some_field: ['is wrong'] } });
        const error = await rejection(call());
        expect(error, name).toBeInstanceOf(PropelAuthBadRequestError);
        expect((error as PropelAuthBadRequestError).fieldToErrors, name).toEqual({ some_field: ['is wrong'] });
      }
    });

    it('rejects with PropelAuthApiKeyRejectedError on 401 (a non-JSON body does not matter)', async () => {
      const orgId = randomUUID();
      h.emulator.failNext({ path: `/api/backend/v1/org/${orgId}`, status: 401, body: '<html>denied</html>' });
      const error = await rejection(h.api.fetchOrg(orgId));
      expect(error).toBeInstanceOf(PropelAuthApiKeyRejectedError);
      expect((error as PropelAuthApiKeyRejectedError).status).toBe(401);
    });
  });
});
