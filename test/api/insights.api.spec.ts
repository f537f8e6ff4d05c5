import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PropelAuthApiKeyRejectedError,
  PropelAuthBadRequestError,
  PropelAuthFeatureNotEnabledError,
  PropelAuthNotFoundError,
  type OrgReport,
  type ReportPagination,
  type UserReport,
} from '../../lib';
import { InsightsStore } from '../../lib/testing/emulator/insights.store';
import { captureWire, officialClient, rejection, startApiHarness, withOrganizationsOff, type ApiHarness } from '../support/api';

const DAY = 86_400;
/** Unix seconds of noon UTC on a day. */
const noon = (day: string) => Date.parse(`${day}T12:00:00Z`) / 1000;
const today = () => new Date().toISOString().slice(0, 10);

describe('PropelAuthApiService: employees, SCIM and user insights', () => {
  let h: ApiHarness;
  let official: ReturnType<typeof officialClient>;
  let insights: InsightsStore;
  // The official functions take the library's TypeScript enums; their values are these strings.
  let theirs: Record<string, (...args: unknown[]) => Promise<unknown>>;

  beforeAll(async () => {
    h = await startApiHarness();
    official = officialClient(h.emulator);
    insights = h.emulator.state.store(InsightsStore);
    theirs = official.auth as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  });
  afterAll(async () => {
    official?.restore();
    await h?.close();
  });

  /** A GET straight to the emulator, to see what it answers to what the official library sends. */
  async function rawGet(pathAndQuery: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${h.emulator.apiBaseUrl}${pathAndQuery}`, {
      headers: { Authorization: `Bearer ${h.emulator.apiKey}`, 'X-Propelauth-url': new URL(h.emulator.authUrl).hostname },
    });
    return { status: response.status, body: await response.json() };
  }

  describe('fetchEmployeeById', () => {
    it('returns the employee, camelCased, with the same request as @propelauth/node', async () => {
      const { employeeId } = insights.addEmployee({ email: 'Support@Acme.test' });
      await expect(h.api.fetchEmployeeById(employeeId)).resolves.toEqual({ email: 'support@acme.test' });

      const theirWire = await captureWire(h.emulator, () => official.auth.fetchEmployeeById(employeeId));
      const ourWire = await captureWire(h.emulator, () => h.api.fetchEmployeeById(employeeId));
      expect(ourWire).toEqual(theirWire);
      expect(ourWire).toEqual([expect.objectContaining({ method: 'GET', path: `/api/backend/v1/employee/${employeeId}`, query: {}, body: undefined })]);
      expect(await h.api.fetchEmployeeById(employeeId)).toEqual(await official.auth.fetchEmployeeById(employeeId));
    });

    it('resolves null for an unknown employee (404), and for an id that is not a UUID without a request', async () => {
      await expect(h.api.fetchEmployeeById(randomUUID())).resolves.toBeNull();
      expect(await captureWire(h.emulator, () => h.api.fetchEmployeeById('../../admin'))).toEqual([]);
      await expect(h.api.fetchEmployeeById('not-a-uuid')).resolves.toBeNull();
      // The official library throws UserNotFoundException synchronously here.
      expect(() => official.auth.fetchEmployeeById('not-a-uuid')).toThrow();
    });

    it('rejects with field errors on 400 and with PropelAuthApiKeyRejectedError on 401', async () => {
      const employeeId = randomUUID();
      const path = `/api/backend/v1/employee/${employeeId}`;
      h.emulator.failNext({ path, status: 400, body: { employee_id: ['Invalid employee id'] } });
      const bad = await rejection(h.api.fetchEmployeeById(employeeId));
      expect(bad).toBeInstanceOf(PropelAuthBadRequestError);
      expect((bad as PropelAuthBadRequestError).fieldToErrors).toEqual({ employee_id: ['Invalid employee id'] });

      h.emulator.failNext({ path, status: 401 });
      const rejected = await rejection(h.api.fetchEmployeeById(employeeId));
      expect(rejected).toBeInstanceOf(PropelAuthApiKeyRejectedError);
      expect((rejected as PropelAuthApiKeyRejectedError).status).toBe(401);
    });
  });

  describe('fetchOrgScimGroups', () => {
    function scimOrg(name: string) {
      const org = h.emulator.createOrg({ name });
      const ada = h.emulator.createUser({ email: `ada.${org.orgId}@acme.test` });
      const bob = h.emulator.createUser({ email: `bob.${org.orgId}@acme.test` });
      h.emulator.addUserToOrg({ userId: ada.userId, orgId: org.orgId, role: 'Member' });
      h.emulator.addUserToOrg({ userId: bob.userId, orgId: org.orgId, role: 'Member' });
      const engineering = insights.addScimGroup({ orgId: org.orgId, displayName: 'Engineering', externalIdFromIdp: 'okta-eng', memberUserIds: [ada.userId, bob.userId] });
      const sales = insights.addScimGroup({ orgId: org.orgId, displayName: 'Sales', memberUserIds: [bob.userId] });
      const support = insights.addScimGroup({ orgId: org.orgId, displayName: 'Support' });
      return { org, ada, bob, engineering, sales, support };
    }

    it('pages through the groups for real, and filters by member', async () => {
      const { org, ada, bob, engineering, sales, support } = scimOrg('Scim Paging');

      const first = await h.api.fetchOrgScimGroups({ orgId: org.orgId, pageSize: 2, pageNumber: 0 });
      expect(first).toEqual({
        groups: [
          { groupId: engineering.groupId, displayName: 'Engineering', externalIdFromIdp: 'okta-eng' },
          { groupId: sales.groupId, displayName: 'Sales' },
        ],
        pageNumber: 0,
        pageSize: 2,
        totalGroups: 3,
      });
      const second = await h.api.fetchOrgScimGroups({ orgId: org.orgId, pageSize: 2, pageNumber: 1 });
      expect(second.groups).toEqual([{ groupId: support.groupId, displayName: 'Support' }]);
      expect(second).toMatchObject({ pageNumber: 1, pageSize: 2, totalGroups: 3 });
      expect((await h.api.fetchOrgScimGroups({ orgId: org.orgId, pageSize: 2, pageNumber: 7 })).groups).toEqual([]);
      expect(await h.api.fetchOrgScimGroups({ orgId: org.orgId })).toMatchObject({ pageNumber: 0, pageSize: 10, totalGroups: 3 });

      const adas = await h.api.fetchOrgScimGroups({ orgId: org.orgId, userId: ada.userId });
      expect(adas.groups.map((group) => group.displayName)).toEqual(['Engineering']);
      expect(adas.totalGroups).toBe(1);
      const bobs = await h.api.fetchOrgScimGroups({ orgId: org.orgId, userId: bob.userId, pageSize: 1 });
      expect(bobs).toMatchObject({ totalGroups: 2, pageSize: 1, groups: [{ displayName: 'Engineering' }] });
      expect((await h.api.fetchOrgScimGroups({ orgId: org.orgId, userId: randomUUID() })).totalGroups).toBe(0);

      expect(await h.api.fetchOrgScimGroups({ orgId: org.orgId, pageSize: 2 })).toEqual(await official.auth.fetchOrgScimGroups({ orgId: org.orgId, pageSize: 2 }));
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { org, ada } = scimOrg('Scim Wire');
      for (const request of [{ orgId: org.orgId, userId: ada.userId, pageSize: 5, pageNumber: 1 }, { orgId: org.orgId }, { orgId: org.orgId, pageNumber: 0 }]) {
        const theirWire = await captureWire(h.emulator, () => official.auth.fetchOrgScimGroups(request));
        const ourWire = await captureWire(h.emulator, () => h.api.fetchOrgScimGroups(request));
        expect(ourWire).toEqual(theirWire);
        expect(ourWire).toHaveLength(1);
      }
      const [full] = await captureWire(h.emulator, () => h.api.fetchOrgScimGroups({ orgId: org.orgId, userId: ada.userId, pageSize: 5, pageNumber: 1 }));
      expect(full).toMatchObject({ method: 'GET', path: `/api/backend/v1/scim/${org.orgId}/groups`, query: { page_size: '5', page_number: '1', user_id: ada.userId } });
    });

    it('rejects with PropelAuthNotFoundError for an unknown org (the official library: a plain Error), and without a request for a non-UUID org id', async () => {
      const orgId = randomUUID();
      const notFound = await rejection(h.api.fetchOrgScimGroups({ orgId }));
      expect(notFound).toBeInstanceOf(PropelAuthNotFoundError);
      expect((notFound as PropelAuthNotFoundError).status).toBe(404);
      const theirError = await rejection(official.auth.fetchOrgScimGroups({ orgId }));
      expect(theirError).toEqual(new Error('Organization not found'));

      expect(await captureWire(h.emulator, () => h.api.fetchOrgScimGroups({ orgId: '../../user' }))).toEqual([]);
      await expect(h.api.fetchOrgScimGroups({ orgId: 'acme' })).rejects.toBeInstanceOf(PropelAuthNotFoundError);
      await expect(h.api.fetchOrgScimGroups({ orgId: 'a/b' })).rejects.toMatchObject({ status: 404, code: 'invalid_org_id', method: 'GET', path: '/api/backend/v1/scim/a%2Fb/groups' });
    });

    it('rejects bad arguments without a request; the emulator refuses what the official library sends unchecked', async () => {
      const { org } = scimOrg('Scim Arguments');
      const bad = [
        { orgId: org.orgId, userId: 'bob' },
        { orgId: org.orgId, pageSize: 0 },
        { orgId: org.orgId, pageSize: 2.5 },
        { orgId: org.orgId, pageNumber: -1 },
        { orgId: org.orgId, pageSize: Number.NaN },
      ];
      for (const request of bad) {
        expect(await captureWire(h.emulator, () => h.api.fetchOrgScimGroups(request))).toEqual([]);
        await expect(h.api.fetchOrgScimGroups(request)).rejects.toThrow(RangeError);
      }
      await expect(h.api.fetchOrgScimGroups({ orgId: org.orgId, userId: 'bob' })).rejects.toThrow(/userId must be .*UUID.*"bob"/);

      // @propelauth/node sends them as they are.
      expect(await captureWire(h.emulator, () => official.auth.fetchOrgScimGroups({ orgId: org.orgId, userId: 'bob', pageSize: 0 }))).toHaveLength(1);
      expect(await rawGet(`/api/backend/v1/scim/${org.orgId}/groups?page_size=0`)).toEqual({ status: 400, body: { page_size: ['page_size must be between 1 and 1000'] } });
      expect(await rawGet(`/api/backend/v1/scim/${org.orgId}/groups?user_id=bob`)).toEqual({ status: 400, body: { user_id: ['Invalid user id'] } });
    });

    it('rejects with field errors on 400 and PropelAuthFeatureNotEnabledError on 426', async () => {
      const { org } = scimOrg('Scim Errors');
      const bad = await rejection(h.api.fetchOrgScimGroups({ orgId: org.orgId, pageSize: 5000 }));
      expect(bad).toBeInstanceOf(PropelAuthBadRequestError);
      expect((bad as PropelAuthBadRequestError).fieldToErrors).toEqual({ page_size: ['page_size must be between 1 and 1000'] });

      const gated = await withOrganizationsOff(h.emulator, () => rejection(h.api.fetchOrgScimGroups({ orgId: org.orgId })));
      expect(gated).toBeInstanceOf(PropelAuthFeatureNotEnabledError);
      expect((gated as PropelAuthFeatureNotEnabledError).status).toBe(426);
      expect((gated as PropelAuthFeatureNotEnabledError).code).toBe('feature_gated');
    });
  });

  describe('fetchScimGroup', () => {
    function groupWithMembers(count: number) {
      const org = h.emulator.createOrg({ name: `Scim Group ${randomUUID().slice(0, 8)}` });
      const users = Array.from({ length: count }, (_, index) => h.emulator.createUser({ email: `member${index}.${org.orgId}@acme.test` }));
      const group = insights.addScimGroup({ orgId: org.orgId, displayName: 'Everyone', externalIdFromIdp: 'azure-everyone', memberUserIds: users.map((user) => user.userId) });
      return { org, users, group };
    }

    it('returns the group with one real page of members', async () => {
      const { org, users, group } = groupWithMembers(5);
      const first = await h.api.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId, membersPageSize: 2 });
      expect(first).toEqual({
        groupId: group.groupId,
        displayName: 'Everyone',
        externalIdFromIdp: 'azure-everyone',
        members: [{ userId: users[0].userId }, { userId: users[1].userId }],
      });
      const last = await h.api.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId, membersPageSize: 2, membersPageNumber: 2 });
      expect(last.members).toEqual([{ userId: users[4].userId }]);
      expect((await h.api.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId })).members).toHaveLength(5);

      // A deleted user is no longer a member; a new member appears.
      h.emulator.state.users.delete(users[0].userId);
      const newcomer = h.emulator.createUser({ email: `newcomer.${org.orgId}@acme.test` });
      insights.addScimGroupMember(org.orgId, group.groupId, newcomer.userId);
      expect((await h.api.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId })).members.map((member) => member.userId)).toEqual([
        ...users.slice(1).map((user) => user.userId),
        newcomer.userId,
      ]);

      expect(await h.api.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId })).toEqual(await official.auth.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId }));
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { org, group } = groupWithMembers(1);
      for (const request of [{ orgId: org.orgId, groupId: group.groupId, membersPageSize: 3, membersPageNumber: 4 }, { orgId: org.orgId, groupId: group.groupId }]) {
        const theirWire = await captureWire(h.emulator, () => official.auth.fetchScimGroup(request));
        const ourWire = await captureWire(h.emulator, () => h.api.fetchScimGroup(request));
        expect(ourWire).toEqual(theirWire);
        expect(ourWire).toHaveLength(1);
      }
      const [full] = await captureWire(h.emulator, () => h.api.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId, membersPageSize: 3, membersPageNumber: 4 }));
      expect(full).toMatchObject({ method: 'GET', path: `/api/backend/v1/scim/${org.orgId}/groups/${group.groupId}`, query: { members_page_size: '3', members_page_number: '4' } });
    });

    it('rejects with PropelAuthNotFoundError for an unknown org or group, without a request for a non-UUID org id', async () => {
      const { org, group } = groupWithMembers(1);
      await expect(h.api.fetchScimGroup({ orgId: org.orgId, groupId: randomUUID() })).rejects.toBeInstanceOf(PropelAuthNotFoundError);
      await expect(h.api.fetchScimGroup({ orgId: randomUUID(), groupId: group.groupId })).rejects.toBeInstanceOf(PropelAuthNotFoundError);
      await expect(official.auth.fetchScimGroup({ orgId: org.orgId, groupId: randomUUID() })).rejects.toEqual(new Error('Organization not found'));
      expect(await captureWire(h.emulator, () => h.api.fetchScimGroup({ orgId: 'acme', groupId: group.groupId }))).toEqual([]);
      await expect(h.api.fetchScimGroup({ orgId: 'acme', groupId: group.groupId })).rejects.toBeInstanceOf(PropelAuthNotFoundError);
      await expect(h.api.fetchScimGroup({ orgId: 'acme', groupId: '..' })).rejects.toMatchObject({ status: 404, code: 'invalid_org_id', path: '/api/backend/v1/scim/acme/groups/..' });
    });

    it('rejects bad paging without a request, field errors on 400, PropelAuthFeatureNotEnabledError on 426', async () => {
      const { org, group } = groupWithMembers(1);
      for (const request of [{ membersPageSize: 0 }, { membersPageNumber: 1.5 }, { membersPageSize: -3 }]) {
        expect(await captureWire(h.emulator, () => h.api.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId, ...request }))).toEqual([]);
        await expect(h.api.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId, ...request })).rejects.toThrow(RangeError);
      }
      const bad = await rejection(h.api.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId, membersPageSize: 2000 }));
      expect(bad).toBeInstanceOf(PropelAuthBadRequestError);
      expect((bad as PropelAuthBadRequestError).fieldToErrors).toEqual({ members_page_size: ['members_page_size must be between 1 and 1000'] });

      await expect(withOrganizationsOff(h.emulator, () => h.api.fetchScimGroup({ orgId: org.orgId, groupId: group.groupId }))).rejects.toBeInstanceOf(PropelAuthFeatureNotEnabledError);
    });
  });

  // ---------------------------------------------------------------- reports

  interface ReportCase {
    fn: string;
    kind: 'user' | 'org';
    type: string;
    intervals: string[];
    /** Valid for some other report, not this one. */
    invalid: string[];
  }
  const THIRTY_SIXTY_NINETY = ['30', '60', '90'];
  const REPORTS: ReportCase[] = [
    { fn: 'fetchUserTopInviterReport', kind: 'user', type: 'top_inviter', intervals: THIRTY_SIXTY_NINETY, invalid: ['7', 'Weekly'] },
    { fn: 'fetchUserChampionReport', kind: 'user', type: 'champion', intervals: THIRTY_SIXTY_NINETY, invalid: ['14', '45'] },
    { fn: 'fetchUserReengagementReport', kind: 'user', type: 'reengagement', intervals: ['Weekly', 'Monthly'], invalid: ['weekly', '30'] },
    { fn: 'fetchUserChurnReport', kind: 'user', type: 'churn', intervals: ['7', '14', '30'], invalid: ['60', ' 7'] },
    { fn: 'fetchOrgReengagementReport', kind: 'org', type: 'reengagement', intervals: ['Weekly', 'Monthly'], invalid: ['Daily', '7'] },
    { fn: 'fetchOrgChurnReport', kind: 'org', type: 'churn', intervals: ['7', '14', '30'], invalid: ['90', 'Monthly'] },
    { fn: 'fetchOrgGrowthReport', kind: 'org', type: 'growth', intervals: THIRTY_SIXTY_NINETY, invalid: ['7', '30 '] },
    { fn: 'fetchOrgAttritionReport', kind: 'org', type: 'attrition', intervals: THIRTY_SIXTY_NINETY, invalid: ['14', '120'] },
  ];

  for (const report of REPORTS) {
    describe(report.fn, () => {
      const ours = (interval?: string, pagination?: unknown) =>
        (h.api as unknown as Record<string, (i?: string, p?: unknown) => Promise<UserReport | OrgReport>>)[report.fn](interval, pagination);
      const path = `/api/backend/v1/${report.kind}_report/${report.type}`;

      /** Three rows seeded into this report for `interval`, from users/orgs of the shared state. */
      function seed(interval: string) {
        const org = h.emulator.createOrg({ name: `Report ${report.fn} ${interval}` });
        const users = ['ada', 'bob', 'cy'].map((name) =>
          h.emulator.createUser({ email: `${name}.${report.type}.${interval}.${org.orgId}@acme.test`, firstName: name, username: `${name}-${org.orgId}` }),
        );
        h.emulator.addUserToOrg({ userId: users[0].userId, orgId: org.orgId, role: 'Admin' });
        const orgs = [org, h.emulator.createOrg({ name: `Second ${org.orgId}` }), h.emulator.createOrg({ name: `Third ${org.orgId}` })];
        const reportTime = 1_700_000_000;
        if (report.kind === 'user') {
          insights.seedUserReport(
            report.type as 'churn',
            interval as '7',
            users.map((user, index) => ({ userId: user.userId, extraProperties: { num_invites: 3 - index } })),
            { reportTime },
          );
        } else {
          insights.seedOrgReport(
            report.type as 'churn',
            interval as '7',
            orgs.map((seeded, index) => ({ orgId: seeded.orgId, extraProperties: { users_lost: index } })),
            { reportTime },
          );
        }
        return { org, users, orgs, reportTime };
      }

      it('pages through the seeded report for real, camelCased, as @propelauth/node parses it', async () => {
        const interval = report.intervals[0];
        const { org, users, orgs, reportTime } = seed(interval);

        const first = await ours(interval, { pageSize: 2, pageNumber: 0 });
        expect(first).toMatchObject({ currentPage: 0, totalCount: 3, pageSize: 2, hasMoreResults: true, reportTime });
        const second = await ours(interval, { pageSize: 2, pageNumber: 1 });
        expect(second).toMatchObject({ currentPage: 1, totalCount: 3, pageSize: 2, hasMoreResults: false });
        const beyond = await ours(interval, { pageSize: 2, pageNumber: 9 });
        expect(beyond).toMatchObject({ totalCount: 3, hasMoreResults: false });
        expect(await ours(interval)).toMatchObject({ currentPage: 0, pageSize: 10, totalCount: 3, hasMoreResults: false });

        if (report.kind === 'user') {
          const rows = [...(first as UserReport).userReports, ...(second as UserReport).userReports];
          expect(rows.map((row) => row.userId)).toEqual(users.map((user) => user.userId));
          expect(rows[0]).toEqual({
            id: expect.any(String),
            reportId: expect.any(String),
            userId: users[0].userId,
            email: users[0].email,
            username: users[0].username,
            firstName: 'ada',
            userCreatedAt: users[0].createdAt,
            lastActiveAt: users[0].lastActiveAt,
            orgData: [{ displayName: org.name, orgId: org.orgId, userRole: 'Admin' }],
            extraProperties: { numInvites: 3 },
          });
          expect(new Set(rows.map((row) => row.id)).size).toBe(3);
          expect(new Set(rows.map((row) => row.reportId)).size).toBe(1);
          expect((beyond as UserReport).userReports).toEqual([]);

          // The same as the official library's result, but for the role key of orgData:
          // its parser renames user_role to userAssignedRole (its own type says userRole).
          type TheirRow = Record<string, unknown> & { orgData?: Array<Record<string, unknown>> };
          const official2 = (await theirs[report.fn](interval, { pageSize: 2, pageNumber: 0 })) as { userReports: TheirRow[] };
          expect(official2.userReports[0].orgData).toEqual([{ displayName: org.name, orgId: org.orgId, userAssignedRole: 'Admin' }]);
          const renamed = official2.userReports.map((row) => ({
            ...row,
            orgData: row.orgData?.map(({ userAssignedRole, ...rest }) => ({ ...rest, userRole: userAssignedRole })),
          }));
          expect(first).toEqual({ ...official2, userReports: renamed });
        } else {
          const rows = [...(first as OrgReport).orgReports, ...(second as OrgReport).orgReports];
          expect(rows.map((row) => row.orgId)).toEqual(orgs.map((seeded) => seeded.orgId));
          expect(rows[0]).toEqual({
            id: expect.any(String),
            reportId: expect.any(String),
            orgId: org.orgId,
            name: org.name,
            numUsers: 1,
            orgCreatedAt: org.createdAt,
            extraProperties: { usersLost: 0 },
          });
          expect((beyond as OrgReport).orgReports).toEqual([]);
          expect(first).toEqual(await theirs[report.fn](interval, { pageSize: 2, pageNumber: 0 }));
        }
      });

      it('puts the same request on the wire as @propelauth/node, for every interval', async () => {
        const calls: Array<[string | undefined, ReportPagination | undefined]> = [
          ...report.intervals.map((interval): [string, ReportPagination] => [interval, { pageSize: 3, pageNumber: 1 }]),
          [undefined, undefined],
          [report.intervals[1], { pageNumber: 2 }],
          [undefined, { pageSize: 7 }],
        ];
        for (const [interval, pagination] of calls) {
          const theirWire = await captureWire(h.emulator, () => theirs[report.fn](interval, pagination));
          const ourWire = await captureWire(h.emulator, () => ours(interval, pagination));
          expect(ourWire).toEqual(theirWire);
          expect(ourWire).toHaveLength(1);
        }
        const [full] = await captureWire(h.emulator, () => ours(report.intervals[2] ?? report.intervals[0], { pageSize: 3, pageNumber: 1 }));
        expect(full).toMatchObject({ method: 'GET', path, query: { report_interval: report.intervals[2] ?? report.intervals[0], page_size: '3', page_number: '1' }, body: undefined });
        const [bare] = await captureWire(h.emulator, () => ours());
        expect(bare).toMatchObject({ path, query: {} });
      });

      it('rejects an interval or paging it does not take without a request; the emulator refuses what the official library sends unchecked', async () => {
        for (const interval of report.invalid) {
          expect(await captureWire(h.emulator, () => ours(interval))).toEqual([]);
          const error = await rejection(ours(interval));
          expect(error).toBeInstanceOf(RangeError);
          expect((error as RangeError).message).toContain(`reportInterval must be one of ${report.intervals.map((item) => `'${item}'`).join(', ')}`);
        }
        for (const pagination of [{ pageSize: 0 }, { pageSize: 1.5 }, { pageNumber: -1 }, { pageNumber: Number.POSITIVE_INFINITY }, 'page 2']) {
          expect(await captureWire(h.emulator, () => ours(report.intervals[0], pagination))).toEqual([]);
          await expect(ours(report.intervals[0], pagination)).rejects.toThrow(RangeError);
        }

        expect(await captureWire(h.emulator, () => theirs[report.fn](report.invalid[0]).catch(() => undefined))).toHaveLength(1);
        expect(await rawGet(`${path}?report_interval=${encodeURIComponent(report.invalid[0])}`)).toEqual({
          status: 400,
          body: { report_interval: [`report_interval must be one of ${report.intervals.join(', ')}`] },
        });
      });

      it('rejects with field errors on 400 and PropelAuthNotFoundError on 404', async () => {
        const bad = await rejection(ours(report.intervals[0], { pageSize: 5000 }));
        expect(bad).toBeInstanceOf(PropelAuthBadRequestError);
        expect((bad as PropelAuthBadRequestError).fieldToErrors).toEqual({ page_size: ['page_size must be between 1 and 1000'] });

        h.emulator.failNext({ path, status: 404, body: { error: 'not_found' } });
        await expect(ours(report.intervals[0])).rejects.toBeInstanceOf(PropelAuthNotFoundError);
      });

      if (report.kind === 'org') {
        it('rejects with PropelAuthFeatureNotEnabledError when organizations are not enabled (426)', async () => {
          const gated = await withOrganizationsOff(h.emulator, () => rejection(ours(report.intervals[0])));
          expect(gated).toBeInstanceOf(PropelAuthFeatureNotEnabledError);
          expect((gated as PropelAuthFeatureNotEnabledError).status).toBe(426);
        });
      }
    });
  }

  describe('reports computed from the shared state when not seeded', () => {
    const now = () => Math.floor(Date.now() / 1000);

    it('user churn: users not active within the interval; champion: users active within it', async () => {
      insights.clearUserReport('churn');
      insights.clearUserReport('champion');
      const gone = h.emulator.createUser({ email: 'gone@computed.test' });
      gone.lastActiveAt = now() - 20 * DAY;
      const here = h.emulator.createUser({ email: 'here@computed.test' });

      const churn14 = (await h.api.fetchUserChurnReport('14', { pageSize: 1000 })).userReports.map((row) => row.userId);
      expect(churn14).toContain(gone.userId);
      expect(churn14).not.toContain(here.userId);
      expect((await h.api.fetchUserChurnReport('30', { pageSize: 1000 })).userReports.map((row) => row.userId)).not.toContain(gone.userId);

      const champions = (await h.api.fetchUserChampionReport('30', { pageSize: 1000 })).userReports.map((row) => row.userId);
      expect(champions).toContain(here.userId);
      expect(champions).toContain(gone.userId);
      expect((await h.api.fetchUserChampionReport(undefined, { pageSize: 1000 })).userReports.map((row) => row.userId)).toContain(here.userId);
    });

    it('top inviters: users with the most invites sent within the interval', async () => {
      insights.clearUserReport('top_inviter');
      const org = h.emulator.createOrg({ name: 'Inviters' });
      const inviter = h.emulator.createUser({ email: 'inviter@computed.test' });
      for (const invitee of ['a', 'b', 'c', 'd', 'e']) {
        h.emulator.state.pendingInvites.push({ inviteeEmail: `${invitee}@invited.test`, orgId: org.orgId, role: 'Member', additionalRoles: [], createdAt: now(), expiresAt: now() + DAY, inviterUserId: inviter.userId });
      }
      const { userReports } = await h.api.fetchUserTopInviterReport('30', { pageSize: 1 });
      expect(userReports).toEqual([expect.objectContaining({ userId: inviter.userId, email: 'inviter@computed.test', extraProperties: { numInvites: 5 } })]);
    });

    it('org churn: orgs without a member active within the interval; growth: orgs created within it', async () => {
      insights.clearOrgReport('churn');
      insights.clearOrgReport('growth');
      insights.clearOrgReport('attrition');
      const quiet = h.emulator.createOrg({ name: 'Quiet Org' });
      const sleeper = h.emulator.createUser({ email: 'sleeper@computed.test' });
      sleeper.lastActiveAt = now() - 40 * DAY;
      h.emulator.addUserToOrg({ userId: sleeper.userId, orgId: quiet.orgId, role: 'Owner' });
      const busy = h.emulator.createOrg({ name: 'Busy Org' });
      h.emulator.addUserToOrg({ userId: h.emulator.createUser({ email: 'busy@computed.test' }).userId, orgId: busy.orgId, role: 'Owner' });

      const churned = (await h.api.fetchOrgChurnReport('30', { pageSize: 1000 })).orgReports;
      expect(churned).toContainEqual(expect.objectContaining({ orgId: quiet.orgId, name: 'Quiet Org', numUsers: 1 }));
      expect(churned.map((row) => row.orgId)).not.toContain(busy.orgId);

      const growing = (await h.api.fetchOrgGrowthReport('30', { pageSize: 1000 })).orgReports.map((row) => row.orgId);
      expect(growing).toEqual(expect.arrayContaining([quiet.orgId, busy.orgId]));
      expect((await h.api.fetchOrgAttritionReport('30')).orgReports).toEqual([]);
    });
  });

  // ---------------------------------------------------------------- charts

  describe('fetchChartMetricData', () => {
    it('counts signups per day, week and month from the users of the shared state', async () => {
      for (const [email, day] of [
        ['s1@chart.test', '2001-03-05'],
        ['s2@chart.test', '2001-03-05'],
        ['s3@chart.test', '2001-03-07'],
        ['s4@chart.test', '2001-04-02'],
      ]) {
        h.emulator.createUser({ email }).createdAt = noon(day);
      }

      const daily = await h.api.fetchChartMetricData('signups', 'Daily', '2001-03-04', '2001-03-08');
      expect(daily).toEqual({
        chartType: 'Signups',
        cadence: 'Daily',
        metrics: [
          { date: '2001-03-04', result: 0, cadenceCompleted: true },
          { date: '2001-03-05', result: 2, cadenceCompleted: true },
          { date: '2001-03-06', result: 0, cadenceCompleted: true },
          { date: '2001-03-07', result: 1, cadenceCompleted: true },
          { date: '2001-03-08', result: 0, cadenceCompleted: true },
        ],
      });
      // ISO weeks start on Monday: 2001-03-04 is a Sunday.
      const weekly = await h.api.fetchChartMetricData('signups', 'Weekly', new Date('2001-03-04T08:00:00Z'), new Date('2001-03-11T23:00:00Z'));
      expect(weekly.metrics).toEqual([
        { date: '2001-02-26', result: 0, cadenceCompleted: true },
        { date: '2001-03-05', result: 3, cadenceCompleted: true },
      ]);
      const monthly = await h.api.fetchChartMetricData('signups', 'Monthly', '2001-03-15', '2001-04-15');
      expect(monthly.metrics).toEqual([
        { date: '2001-03-01', result: 3, cadenceCompleted: true },
        { date: '2001-04-01', result: 1, cadenceCompleted: true },
      ]);
      expect(monthly).toEqual(await official.auth.fetchChartMetricData('signups' as never, 'Monthly' as never, new Date('2001-03-15'), new Date('2001-04-15')));
    });

    it('counts orgs created, active users and active orgs; today is not completed yet', async () => {
      const org = h.emulator.createOrg({ name: 'Chart Org 2002' });
      org.createdAt = noon('2002-06-10');
      const member = h.emulator.createUser({ email: 'active@chart.test' });
      member.lastActiveAt = noon('2002-06-11');
      const colleague = h.emulator.createUser({ email: 'colleague@chart.test' });
      colleague.lastActiveAt = noon('2002-06-11');
      h.emulator.addUserToOrg({ userId: member.userId, orgId: org.orgId, role: 'Member' });
      h.emulator.addUserToOrg({ userId: colleague.userId, orgId: org.orgId, role: 'Member' });

      const results = async (metric: 'orgs_created' | 'active_users' | 'active_orgs') =>
        (await h.api.fetchChartMetricData(metric, 'Daily', '2002-06-10', '2002-06-11')).metrics.map((point) => point.result);
      expect(await results('orgs_created')).toEqual([1, 0]);
      expect(await results('active_users')).toEqual([0, 2]);
      expect(await results('active_orgs')).toEqual([0, 1]);
      expect((await h.api.fetchChartMetricData('active_orgs', 'Weekly', '2002-06-10', '2002-06-11')).metrics).toEqual([{ date: '2002-06-10', result: 1, cadenceCompleted: true }]);
      expect((await h.api.fetchChartMetricData('orgs_created', 'Daily', '2002-06-10', '2002-06-10')).chartType).toBe('OrgsCreated');

      h.emulator.createUser({ email: 'today@chart.test' });
      const [point] = (await h.api.fetchChartMetricData('signups', 'Daily', today(), today())).metrics;
      expect(point).toMatchObject({ date: today(), cadenceCompleted: false });
      expect(point.result).toBeGreaterThanOrEqual(1);
      const lastMonth = await h.api.fetchChartMetricData('signups', 'Monthly');
      expect(lastMonth.metrics.at(-1)).toMatchObject({ cadenceCompleted: false });
    });

    it('answers seeded daily counts, summed per week', async () => {
      insights.setChartCounts('active_users', { '2003-01-06': 4, '2003-01-08': 6, '2003-01-13': 1 });
      try {
        expect((await h.api.fetchChartMetricData('active_users', 'Weekly', '2003-01-06', '2003-01-19')).metrics.map((point) => point.result)).toEqual([10, 1]);
        expect((await h.api.fetchChartMetricData('active_users', 'Daily', '2003-01-07', '2003-01-08')).metrics.map((point) => point.result)).toEqual([0, 6]);
      } finally {
        insights.clearChartCounts('active_users');
      }
    });

    it('puts the same request on the wire as @propelauth/node (dates as YYYY-MM-DD of their UTC day)', async () => {
      const start = new Date('2024-02-29T23:30:00-05:00'); // 2024-03-01 in UTC
      const end = new Date('2024-03-31T10:00:00Z');
      const calls: Array<[string, string, Date | undefined, Date | undefined]> = [
        ['signups', 'Daily', start, end],
        ['orgs_created', 'Weekly', start, undefined],
        ['active_users', 'Monthly', undefined, end],
        ['active_orgs', 'Daily', undefined, undefined],
      ];
      for (const [metric, cadence, from, to] of calls) {
        const theirWire = await captureWire(h.emulator, () => theirs.fetchChartMetricData(metric, cadence, from, to));
        const ourWire = await captureWire(h.emulator, () => h.api.fetchChartMetricData(metric as never, cadence as never, from, to));
        expect(ourWire).toEqual(theirWire);
        expect(ourWire).toHaveLength(1);
      }
      const [fromDates] = await captureWire(h.emulator, () => h.api.fetchChartMetricData('signups', 'Daily', start, end));
      expect(fromDates).toMatchObject({ method: 'GET', path: '/api/backend/v1/chart_metrics/signups', query: { cadence: 'Daily', start_date: '2024-03-01', end_date: '2024-03-31' } });
      const [fromStrings] = await captureWire(h.emulator, () => h.api.fetchChartMetricData('signups', 'Daily', '2024-03-01', '2024-03-31'));
      expect(fromStrings).toEqual(fromDates);
    });

    it('rejects an unknown metric or cadence, a bad date or an inverted range without a request', async () => {
      const bad: Array<[string, string | undefined, unknown, unknown, RegExp]> = [
        ['logins', 'Daily', undefined, undefined, /chartMetric must be one of 'signups', 'orgs_created', 'active_users', 'active_orgs', got "logins"/],
        ['signups', 'Hourly', undefined, undefined, /cadence must be one of 'Daily', 'Weekly', 'Monthly'/],
        ['signups', 'daily', undefined, undefined, /cadence must be one of/],
        ['signups', undefined, undefined, undefined, /cadence must be one of/],
        ['signups', 'Daily', '2024-02-30', undefined, /startDate must be a Date or a 'YYYY-MM-DD' calendar date, got "2024-02-30"/],
        ['signups', 'Daily', '2024-1-01', undefined, /startDate/],
        ['signups', 'Daily', '2024-01-01T00:00:00Z', undefined, /startDate/],
        ['signups', 'Daily', undefined, new Date('not a date'), /endDate is an invalid Date/],
        ['signups', 'Daily', undefined, 20240101, /endDate/],
        ['signups', 'Daily', '2024-03-02', '2024-03-01', /startDate \(2024-03-02\) must not be after endDate \(2024-03-01\)/],
      ];
      for (const [metric, cadence, start, end, message] of bad) {
        const call = () => h.api.fetchChartMetricData(metric as never, cadence as never, start as never, end as never);
        expect(await captureWire(h.emulator, call)).toEqual([]);
        await expect(call()).rejects.toThrow(RangeError);
        await expect(call()).rejects.toThrow(message);
      }
      await expect(h.api.fetchChartMetricData('signups', 'Daily', '2024-02-29', '2024-02-29')).resolves.toMatchObject({ metrics: [{ date: '2024-02-29' }] });

      // @propelauth/node sends them as they are; the emulator refuses them.
      expect(await captureWire(h.emulator, () => theirs.fetchChartMetricData('logins', 'Hourly').catch(() => undefined))).toHaveLength(1);
      expect(await rawGet('/api/backend/v1/chart_metrics/signups?cadence=Hourly')).toEqual({ status: 400, body: { cadence: ['cadence must be one of Daily, Weekly, Monthly'] } });
      expect(await rawGet('/api/backend/v1/chart_metrics/signups?cadence=Daily&start_date=2024-02-30')).toEqual({ status: 400, body: { start_date: ['start_date must be a YYYY-MM-DD date'] } });
      expect((await rawGet('/api/backend/v1/chart_metrics/logins?cadence=Daily')).status).toBe(404);
    });

    it('rejects with field errors on 400, PropelAuthNotFoundError on 404, PropelAuthApiKeyRejectedError on 401', async () => {
      const bad = await rejection(h.api.fetchChartMetricData('signups', 'Daily', '1980-01-01', '2020-01-01'));
      expect(bad).toBeInstanceOf(PropelAuthBadRequestError);
      expect((bad as PropelAuthBadRequestError).fieldToErrors).toEqual({ start_date: ['The range is too large: at most 5000 points'] });

      const path = '/api/backend/v1/chart_metrics/active_orgs';
      h.emulator.failNext({ path, status: 404 });
      await expect(h.api.fetchChartMetricData('active_orgs', 'Daily')).rejects.toBeInstanceOf(PropelAuthNotFoundError);
      h.emulator.failNext({ path, status: 401 });
      await expect(h.api.fetchChartMetricData('active_orgs', 'Daily')).rejects.toBeInstanceOf(PropelAuthApiKeyRejectedError);
    });
  });
});
