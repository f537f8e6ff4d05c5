import type { ChartMetric, ChartMetricCadence } from '../../api/insights.types';
import type { EmulatorRouter } from './emulator-router';
import { EmulatorInputError, EmulatorNotFoundError, type EmulatorState } from './emulator-state';
import { dropUndefined } from './emulator-wire';
import { calendarDay, isoDay, UUID } from './emulator-fields';
import {
  chartEvents,
  computeOrgReport,
  computeUserReport,
  InsightsStore,
  memberCount,
  ORG_REPORT_INTERVALS,
  USER_REPORT_INTERVALS,
  stableUuid,
  type EmulatorReport,
  type EmulatorScimGroup,
  type OrgReportType,
  type SeedOrgReportRow,
  type SeedUserReportRow,
  type UserReportType,
} from './insights.store';
import type { EmulatorContext } from './propelauth-emulator';

const PREFIX = '/api/backend/v1';
/** PropelAuth's page size when none is asked for (the Python library's default for SCIM groups). */
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 1000;
/** Interval used when a report request has none. */
const DEFAULT_INTERVALS: Record<string, string> = { reengagement: 'Weekly', churn: '7', growth: '30', attrition: '30', top_inviter: '30', champion: '30' };
const CHART_TYPES: Record<ChartMetric, string> = { signups: 'Signups', orgs_created: 'OrgsCreated', active_users: 'ActiveUsers', active_orgs: 'ActiveOrgs' };
const CADENCES: readonly ChartMetricCadence[] = ['Daily', 'Weekly', 'Monthly'];
const MAX_CHART_POINTS = 5000;
const DAY_MS = 86_400_000;

/**
 * The employee, SCIM and user-insights endpoints (wire reference section 9.6).
 * Employees, SCIM groups, seeded reports and chart counts live in `InsightsStore`;
 * the rest is computed from the shared users, orgs and memberships.
 */
export function registerInsightsRoutes(router: EmulatorRouter, { state }: EmulatorContext): void {
  const store = () => state.store(InsightsStore);

  router.add('GET', `${PREFIX}/employee/:employeeId`, ({ params }) => {
    const employee = store().employees.get(params.employeeId);
    if (!employee) throw new EmulatorNotFoundError();
    return { status: 200, body: { email: employee.email } };
  });

  router.add('GET', `${PREFIX}/scim/:orgId/groups`, ({ params, query }) => {
    state.requireOrganizations();
    if (!state.orgs.has(params.orgId)) throw new EmulatorNotFoundError();
    const { pageSize, pageNumber } = paging(query, 'page_size', 'page_number');
    const userId = query.get('user_id');
    if (userId !== null && !UUID.test(userId)) throw new EmulatorInputError({ user_id: ['Invalid user id'] });
    const groups = store()
      .scimGroupsOf(params.orgId)
      .filter((group) => userId === null || liveMembers(state, group).includes(userId));
    return {
      status: 200,
      body: {
        groups: slice(groups, pageSize, pageNumber).map(wireScimGroupResult),
        page_number: pageNumber,
        page_size: pageSize,
        total_groups: groups.length,
      },
    };
  });

  router.add('GET', `${PREFIX}/scim/:orgId/groups/:groupId`, ({ params, query }) => {
    state.requireOrganizations();
    if (!state.orgs.has(params.orgId)) throw new EmulatorNotFoundError();
    const { pageSize, pageNumber } = paging(query, 'members_page_size', 'members_page_number');
    const group = store().scimGroups.get(params.orgId)?.get(params.groupId);
    if (!group) throw new EmulatorNotFoundError();
    const members = slice(liveMembers(state, group), pageSize, pageNumber).map((userId) => ({ user_id: userId }));
    return { status: 200, body: { ...wireScimGroupResult(group), members } };
  });

  router.add('GET', `${PREFIX}/user_report/:reportType`, ({ params, query }) => {
    const type = params.reportType;
    if (!Object.hasOwn(USER_REPORT_INTERVALS, type)) throw new EmulatorNotFoundError();
    const report = type as UserReportType;
    const interval = reportInterval(query, report, USER_REPORT_INTERVALS[report]);
    const { pageSize, pageNumber } = paging(query, 'page_size', 'page_number');
    const run = store().seededUserReport(report, interval) ?? computeUserReport(state, report, interval);
    const rows = run.rows.flatMap((row) => wireUserReportRow(state, run, report, interval, row));
    return { status: 200, body: { user_reports: slice(rows, pageSize, pageNumber), ...pageInfo(rows.length, pageSize, pageNumber, run) } };
  });

  router.add('GET', `${PREFIX}/org_report/:reportType`, ({ params, query }) => {
    const type = params.reportType;
    if (!Object.hasOwn(ORG_REPORT_INTERVALS, type)) throw new EmulatorNotFoundError();
    state.requireOrganizations();
    const report = type as OrgReportType;
    const interval = reportInterval(query, report, ORG_REPORT_INTERVALS[report]);
    const { pageSize, pageNumber } = paging(query, 'page_size', 'page_number');
    const run = store().seededOrgReport(report, interval) ?? computeOrgReport(state, report, interval);
    const rows = run.rows.flatMap((row) => wireOrgReportRow(state, run, report, interval, row));
    return { status: 200, body: { org_reports: slice(rows, pageSize, pageNumber), ...pageInfo(rows.length, pageSize, pageNumber, run) } };
  });

  router.add('GET', `${PREFIX}/chart_metrics/:metric`, ({ params, query }) => {
    if (!Object.hasOwn(CHART_TYPES, params.metric)) throw new EmulatorNotFoundError();
    const metric = params.metric as ChartMetric;
    const cadence = (query.get('cadence') ?? 'Daily') as ChartMetricCadence;
    if (!CADENCES.includes(cadence)) throw new EmulatorInputError({ cadence: [`cadence must be one of ${CADENCES.join(', ')}`] });
    const end = dateParam(query, 'end_date') ?? startOfDay(Date.now());
    const start = dateParam(query, 'start_date') ?? end - 30 * DAY_MS;
    if (start > end) throw new EmulatorInputError({ start_date: ['start_date must not be after end_date'] });
    const buckets = periods(start, end, cadence);
    if (buckets.length > MAX_CHART_POINTS) throw new EmulatorInputError({ start_date: [`The range is too large: at most ${MAX_CHART_POINTS} points`] });
    const seeded = store().seededChartCounts(metric);
    const events = seeded === undefined ? chartEvents(state, metric).map((times) => times.map((seconds) => seconds * 1000)) : undefined;
    const nowMs = Date.now();
    const metrics = buckets.map(({ from, to }) => ({
      result: seeded !== undefined ? sumDays(seeded, from, to) : events!.filter((times) => times.some((time) => time >= from && time < to)).length,
      date: isoDay(from),
      cadence_completed: to <= nowMs,
    }));
    return { status: 200, body: { chart_type: CHART_TYPES[metric], cadence, metrics } };
  });
}

/** `page_size` (1..1000, default 10) and `page_number` (0-based, default 0) of a query; anything else is a 400. */
function paging(query: URLSearchParams, sizeName: string, numberName: string): { pageSize: number; pageNumber: number } {
  const pageSize = integerParam(query, sizeName, DEFAULT_PAGE_SIZE);
  const pageNumber = integerParam(query, numberName, 0);
  if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new EmulatorInputError({ [sizeName]: [`${sizeName} must be between 1 and ${MAX_PAGE_SIZE}`] });
  return { pageSize, pageNumber };
}

function integerParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new EmulatorInputError({ [name]: [`${name} must be a non-negative integer`] });
  return Number(raw);
}

function slice<T>(items: T[], pageSize: number, pageNumber: number): T[] {
  return items.slice(pageSize * pageNumber, pageSize * (pageNumber + 1));
}

function pageInfo(total: number, pageSize: number, pageNumber: number, run: EmulatorReport<unknown>) {
  return {
    current_page: pageNumber,
    total_count: total,
    page_size: pageSize,
    has_more_results: (pageNumber + 1) * pageSize < total,
    report_time: run.reportTime,
  };
}

function reportInterval(query: URLSearchParams, report: string, allowed: readonly string[]): string {
  const interval = query.get('report_interval') ?? DEFAULT_INTERVALS[report];
  if (!allowed.includes(interval)) throw new EmulatorInputError({ report_interval: [`report_interval must be one of ${allowed.join(', ')}`] });
  return interval;
}

/** Members that are still users of the project. */
function liveMembers(state: EmulatorState, group: EmulatorScimGroup): string[] {
  return group.memberUserIds.filter((userId) => state.users.has(userId));
}

function wireScimGroupResult(group: EmulatorScimGroup): Record<string, unknown> {
  return dropUndefined({ group_id: group.groupId, display_name: group.displayName, external_id_from_idp: group.externalIdFromIdp });
}

function wireUserReportRow(state: EmulatorState, run: EmulatorReport<unknown>, report: string, interval: string, row: SeedUserReportRow): Record<string, unknown>[] {
  const user = state.users.get(row.userId);
  const email = row.email ?? user?.email;
  if (email === undefined) return [];
  const orgData =
    row.orgData?.map((org) => ({ display_name: org.displayName, org_id: org.orgId, user_role: org.userRole })) ??
    state.orgsOfUser(row.userId).map(({ org, membership }) => ({ display_name: org.name, org_id: org.orgId, user_role: membership.role }));
  return [
    dropUndefined({
      id: stableUuid(run.reportId, report, interval, row.userId),
      report_id: run.reportId,
      user_id: row.userId,
      email,
      user_created_at: row.userCreatedAt ?? user?.createdAt ?? run.reportTime,
      last_active_at: row.lastActiveAt ?? user?.lastActiveAt ?? run.reportTime,
      username: row.username ?? user?.username,
      first_name: row.firstName ?? user?.firstName,
      last_name: row.lastName ?? user?.lastName,
      org_data: orgData,
      extra_properties: row.extraProperties ?? {},
    }),
  ];
}

function wireOrgReportRow(state: EmulatorState, run: EmulatorReport<unknown>, report: string, interval: string, row: SeedOrgReportRow): Record<string, unknown>[] {
  const org = state.orgs.get(row.orgId);
  const name = row.name ?? org?.name;
  if (name === undefined) return [];
  return [
    {
      id: stableUuid(run.reportId, report, interval, row.orgId),
      report_id: run.reportId,
      org_id: row.orgId,
      name,
      num_users: row.numUsers ?? memberCount(state, row.orgId),
      org_created_at: row.orgCreatedAt ?? org?.createdAt ?? run.reportTime,
      extra_properties: row.extraProperties ?? {},
    },
  ];
}

/** A `YYYY-MM-DD` query parameter as the UTC midnight of that day; anything else is a 400. */
function dateParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const day = calendarDay(raw);
  if (day === undefined) throw new EmulatorInputError({ [name]: [`${name} must be a YYYY-MM-DD date`] });
  return day;
}

/**
 * The periods from `start` to `end` (UTC days, both included): days; ISO weeks
 * (from Monday); calendar months. A period that `start` falls in begins before it.
 */
function periods(start: number, end: number, cadence: ChartMetricCadence): Array<{ from: number; to: number }> {
  const result: Array<{ from: number; to: number }> = [];
  let from = periodStart(start, cadence);
  while (from <= end && result.length <= MAX_CHART_POINTS) {
    const to = nextPeriod(from, cadence);
    result.push({ from, to });
    from = to;
  }
  return result;
}

function periodStart(time: number, cadence: ChartMetricCadence): number {
  const day = startOfDay(time);
  if (cadence === 'Daily') return day;
  const date = new Date(day);
  if (cadence === 'Weekly') return day - ((date.getUTCDay() + 6) % 7) * DAY_MS;
  date.setUTCDate(1);
  return date.getTime();
}

function nextPeriod(from: number, cadence: ChartMetricCadence): number {
  if (cadence === 'Daily') return from + DAY_MS;
  if (cadence === 'Weekly') return from + 7 * DAY_MS;
  const date = new Date(from);
  date.setUTCMonth(date.getUTCMonth() + 1);
  return date.getTime();
}

function sumDays(counts: ReadonlyMap<string, number>, from: number, to: number): number {
  let sum = 0;
  for (const [day, value] of counts) {
    const time = calendarDay(day)!; // InsightsStore.setChartCounts takes calendar days only
    if (time >= from && time < to) sum += value;
  }
  return sum;
}

function startOfDay(time: number): number {
  return Math.floor(time / DAY_MS) * DAY_MS;
}
