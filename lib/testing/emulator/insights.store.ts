import { createHash, randomUUID } from 'node:crypto';
import type {
  ChampionReportInterval,
  ChartMetric,
  ChurnReportInterval,
  GrowthReportInterval,
  ReengagementReportInterval,
  TopInviterReportInterval,
} from '../../api/insights.types';
import { EmulatorInputError, type EmulatorState } from './emulator-state';
import { calendarDay, emailOf } from './emulator-fields';

/** A PropelAuth employee (someone on your team in the dashboard). */
export interface EmulatorEmployee {
  employeeId: string;
  email: string;
}

/** A SCIM group of an org, as the org's identity provider pushed it. */
export interface EmulatorScimGroup {
  groupId: string;
  orgId: string;
  displayName: string;
  externalIdFromIdp?: string;
  /** User ids, in the order they were added. */
  memberUserIds: string[];
}

/** The interval values of each user report. */
export interface UserReportIntervals {
  top_inviter: TopInviterReportInterval;
  champion: ChampionReportInterval;
  reengagement: ReengagementReportInterval;
  churn: ChurnReportInterval;
}

/** The interval values of each org report. */
export interface OrgReportIntervals {
  reengagement: ReengagementReportInterval;
  churn: ChurnReportInterval;
  growth: GrowthReportInterval;
  attrition: GrowthReportInterval;
}

export type UserReportType = keyof UserReportIntervals;
export type OrgReportType = keyof OrgReportIntervals;

export const USER_REPORT_INTERVALS: { readonly [K in UserReportType]: readonly UserReportIntervals[K][] } = {
  top_inviter: ['30', '60', '90'],
  champion: ['30', '60', '90'],
  reengagement: ['Weekly', 'Monthly'],
  churn: ['7', '14', '30'],
};

export const ORG_REPORT_INTERVALS: { readonly [K in OrgReportType]: readonly OrgReportIntervals[K][] } = {
  reengagement: ['Weekly', 'Monthly'],
  churn: ['7', '14', '30'],
  growth: ['30', '60', '90'],
  attrition: ['30', '60', '90'],
};

/**
 * A row to seed into a user report. With the `userId` of a stored user, the
 * email, names, times and orgs come from that user (at answer time) unless given
 * here; a row whose user does not exist (any more) and has no `email` is left out.
 */
export interface SeedUserReportRow {
  userId: string;
  /** Report-specific values, snake_case as PropelAuth sends them (e.g. `{ num_invites: 4 }`). */
  extraProperties?: Record<string, unknown>;
  email?: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  /** Unix seconds. */
  userCreatedAt?: number;
  /** Unix seconds. */
  lastActiveAt?: number;
  orgData?: Array<{ orgId: string; displayName: string; userRole: string }>;
}

/** A row to seed into an org report; name, size and creation time come from the stored org unless given. */
export interface SeedOrgReportRow {
  orgId: string;
  extraProperties?: Record<string, unknown>;
  name?: string;
  numUsers?: number;
  /** Unix seconds. */
  orgCreatedAt?: number;
}

/** A report run: its rows in report order. */
export interface EmulatorReport<Row> {
  reportId: string;
  /** Unix seconds. */
  reportTime: number;
  rows: Row[];
}

const DAY = 86_400;

/**
 * The emulator's employees, SCIM groups, seeded reports and chart data. Get it
 * with `emulator.state.store(InsightsStore)`.
 *
 * Reports that were not seeded are computed from the shared state (see
 * `computeUserReport`/`computeOrgReport`); chart metrics that were not seeded
 * are counted from users' and orgs' `createdAt`/`lastActiveAt`.
 *
 * @example
 * const insights = emulator.state.store(InsightsStore);
 * const { employeeId } = insights.addEmployee({ email: 'support@acme.test' });
 * insights.addScimGroup({ orgId, displayName: 'Engineering', memberUserIds: [userId] });
 * insights.seedUserReport('top_inviter', '30', [{ userId, extraProperties: { num_invites: 4 } }]);
 * insights.setChartCounts('signups', { '2024-01-01': 3, '2024-01-02': 5 });
 */
export class InsightsStore {
  readonly employees = new Map<string, EmulatorEmployee>();
  /** orgId -> groupId -> group, in creation order. */
  readonly scimGroups = new Map<string, Map<string, EmulatorScimGroup>>();
  private readonly userReports = new Map<string, EmulatorReport<SeedUserReportRow>>();
  private readonly orgReports = new Map<string, EmulatorReport<SeedOrgReportRow>>();
  private readonly chartCounts = new Map<ChartMetric, Map<string, number>>();

  addEmployee(input: { email: string; employeeId?: string }): EmulatorEmployee {
    const email = emailOf(input.email, 'email');
    const employee = { employeeId: input.employeeId ?? randomUUID(), email };
    this.employees.set(employee.employeeId, employee);
    return employee;
  }

  addScimGroup(input: { orgId: string; displayName: string; groupId?: string; externalIdFromIdp?: string; memberUserIds?: string[] }): EmulatorScimGroup {
    const displayName = input.displayName?.trim();
    if (!displayName) throw new EmulatorInputError({ display_name: ['Display name is required'] });
    const group: EmulatorScimGroup = {
      groupId: input.groupId ?? randomUUID(),
      orgId: input.orgId,
      displayName,
      externalIdFromIdp: input.externalIdFromIdp,
      memberUserIds: [...new Set(input.memberUserIds ?? [])],
    };
    let groups = this.scimGroups.get(input.orgId);
    if (groups === undefined) {
      groups = new Map();
      this.scimGroups.set(input.orgId, groups);
    }
    groups.set(group.groupId, group);
    return group;
  }

  addScimGroupMember(orgId: string, groupId: string, userId: string): void {
    const group = this.scimGroups.get(orgId)?.get(groupId);
    if (group === undefined) throw new Error(`InsightsStore has no SCIM group ${groupId} in org ${orgId}`);
    if (!group.memberUserIds.includes(userId)) group.memberUserIds.push(userId);
  }

  removeScimGroupMember(orgId: string, groupId: string, userId: string): void {
    const group = this.scimGroups.get(orgId)?.get(groupId);
    if (group) group.memberUserIds = group.memberUserIds.filter((id) => id !== userId);
  }

  /** The org's groups in creation order (empty for an org without any). */
  scimGroupsOf(orgId: string): EmulatorScimGroup[] {
    return [...(this.scimGroups.get(orgId)?.values() ?? [])];
  }

  /** Replaces the computed rows of one user report and interval with these, in this order. */
  seedUserReport<K extends UserReportType>(report: K, interval: UserReportIntervals[K], rows: SeedUserReportRow[], options: { reportTime?: number } = {}): EmulatorReport<SeedUserReportRow> {
    const seeded = { reportId: randomUUID(), reportTime: options.reportTime ?? now(), rows: rows.map((row) => ({ ...row })) };
    this.userReports.set(`${report}:${interval}`, seeded);
    return seeded;
  }

  /** Replaces the computed rows of one org report and interval with these, in this order. */
  seedOrgReport<K extends OrgReportType>(report: K, interval: OrgReportIntervals[K], rows: SeedOrgReportRow[], options: { reportTime?: number } = {}): EmulatorReport<SeedOrgReportRow> {
    const seeded = { reportId: randomUUID(), reportTime: options.reportTime ?? now(), rows: rows.map((row) => ({ ...row })) };
    this.orgReports.set(`${report}:${interval}`, seeded);
    return seeded;
  }

  /** Goes back to computed rows for this report (every interval when none is given). */
  clearUserReport(report: UserReportType, interval?: string): void {
    for (const key of [...this.userReports.keys()]) if (key === `${report}:${interval}` || (interval === undefined && key.startsWith(`${report}:`))) this.userReports.delete(key);
  }

  clearOrgReport(report: OrgReportType, interval?: string): void {
    for (const key of [...this.orgReports.keys()]) if (key === `${report}:${interval}` || (interval === undefined && key.startsWith(`${report}:`))) this.orgReports.delete(key);
  }

  seededUserReport(report: UserReportType, interval: string): EmulatorReport<SeedUserReportRow> | undefined {
    return this.userReports.get(`${report}:${interval}`);
  }

  seededOrgReport(report: OrgReportType, interval: string): EmulatorReport<SeedOrgReportRow> | undefined {
    return this.orgReports.get(`${report}:${interval}`);
  }

  /**
   * Replaces the computed daily values of a chart metric with these (`'YYYY-MM-DD'`
   * -> value; missing days are 0). Weekly and monthly points are the sums of their days.
   */
  setChartCounts(metric: ChartMetric, countsByDay: Record<string, number>): void {
    const counts = new Map<string, number>();
    for (const [day, value] of Object.entries(countsByDay)) {
      if (calendarDay(day) === undefined || !Number.isFinite(value)) throw new Error(`InsightsStore.setChartCounts: ${day} -> ${value} is not a 'YYYY-MM-DD' -> number entry`);
      counts.set(day, value);
    }
    this.chartCounts.set(metric, counts);
  }

  clearChartCounts(metric?: ChartMetric): void {
    if (metric === undefined) this.chartCounts.clear();
    else this.chartCounts.delete(metric);
  }

  seededChartCounts(metric: ChartMetric): ReadonlyMap<string, number> | undefined {
    return this.chartCounts.get(metric);
  }
}

/**
 * A user report that was not seeded, from the shared state:
 * - `churn`: users not active in the past N days, longest inactive first;
 * - `champion`: users active in the past N days, most recently active first;
 * - `top_inviter`: users with pending invites sent in the past N days, most invites first
 *   (`extra_properties.num_invites`);
 * - `reengagement`: empty (the emulator keeps no activity history).
 */
export function computeUserReport(state: EmulatorState, report: UserReportType, interval: string, at = now()): EmulatorReport<SeedUserReportRow> {
  const days = intervalDays(interval);
  const since = at - days * DAY;
  const users = [...state.users.values()];
  let rows: SeedUserReportRow[] = [];
  if (report === 'churn') {
    rows = users.filter((user) => user.lastActiveAt < since).sort((a, b) => a.lastActiveAt - b.lastActiveAt).map((user) => ({ userId: user.userId }));
  } else if (report === 'champion') {
    rows = users.filter((user) => user.lastActiveAt >= since).sort((a, b) => b.lastActiveAt - a.lastActiveAt).map((user) => ({ userId: user.userId }));
  } else if (report === 'top_inviter') {
    const invites = new Map<string, number>();
    for (const invite of state.pendingInvites) {
      if (invite.inviterUserId !== undefined && invite.createdAt >= since) invites.set(invite.inviterUserId, (invites.get(invite.inviterUserId) ?? 0) + 1);
    }
    rows = [...invites]
      .filter(([userId]) => state.users.has(userId))
      .sort((a, b) => b[1] - a[1])
      .map(([userId, count]) => ({ userId, extraProperties: { num_invites: count } }));
  }
  return { reportId: stableUuid('user_report', report, interval), reportTime: at, rows };
}

/**
 * An org report that was not seeded, from the shared state:
 * - `churn`: orgs none of whose members was active in the past N days (orgs without members included);
 * - `growth`: orgs created in the past N days, largest first;
 * - `reengagement`, `attrition`: empty (the emulator keeps no membership history).
 */
export function computeOrgReport(state: EmulatorState, report: OrgReportType, interval: string, at = now()): EmulatorReport<SeedOrgReportRow> {
  const since = at - intervalDays(interval) * DAY;
  const orgs = [...state.orgs.values()];
  let rows: SeedOrgReportRow[] = [];
  if (report === 'churn') {
    rows = orgs.filter((org) => lastActivityInOrg(state, org.orgId) < since).map((org) => ({ orgId: org.orgId }));
  } else if (report === 'growth') {
    rows = orgs
      .filter((org) => org.createdAt >= since)
      .sort((a, b) => memberCount(state, b.orgId) - memberCount(state, a.orgId))
      .map((org) => ({ orgId: org.orgId }));
  }
  return { reportId: stableUuid('org_report', report, interval), reportTime: at, rows };
}

/** The latest `lastActiveAt` among the org's members (-Infinity without members). */
function lastActivityInOrg(state: EmulatorState, orgId: string): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const userId of state.memberships.get(orgId)?.keys() ?? []) {
    const user = state.users.get(userId);
    if (user && user.lastActiveAt > latest) latest = user.lastActiveAt;
  }
  return latest;
}

export function memberCount(state: EmulatorState, orgId: string): number {
  let count = 0;
  for (const userId of state.memberships.get(orgId)?.keys() ?? []) if (state.users.has(userId)) count++;
  return count;
}

/**
 * The events a computed chart metric counts: for each user or org, the unix times
 * that make it count in a period (signups: `createdAt`; active users: `lastActiveAt`;
 * orgs created: the org's `createdAt`; active orgs: its members' `lastActiveAt`).
 * A user or org counts once per period however many of its times fall in it.
 */
export function chartEvents(state: EmulatorState, metric: ChartMetric): number[][] {
  switch (metric) {
    case 'signups':
      return [...state.users.values()].map((user) => [user.createdAt]);
    case 'active_users':
      return [...state.users.values()].map((user) => [user.lastActiveAt]);
    case 'orgs_created':
      return [...state.orgs.values()].map((org) => [org.createdAt]);
    case 'active_orgs':
      return [...state.orgs.values()].map((org) =>
        [...(state.memberships.get(org.orgId)?.keys() ?? [])].flatMap((userId) => {
          const user = state.users.get(userId);
          return user ? [user.lastActiveAt] : [];
        }),
      );
  }
}

/** Days of a report interval: '7' -> 7, 'Weekly' -> 7, 'Monthly' -> 30. */
function intervalDays(interval: string): number {
  if (interval === 'Weekly') return 7;
  if (interval === 'Monthly') return 30;
  return Number(interval);
}

/** A UUID derived from its parts, so computed rows keep their ids from one page to the next. */
export function stableUuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
