import { httpOf } from './api-context';
import { apiPath, expectSuccess, reportedPath } from './propelauth-http.client';
import type {
  AttritionReportInterval,
  ChampionReportInterval,
  ChartData,
  ChartDate,
  ChartMetric,
  ChartMetricCadence,
  ChurnReportInterval,
  Employee,
  FetchOrgScimGroupsRequest,
  FetchScimGroupRequest,
  GrowthReportInterval,
  OrgReport,
  ReengagementReportInterval,
  ReportPagination,
  ScimGroup,
  ScimGroupResultPage,
  TopInviterReportInterval,
  UserReport,
} from './insights.types';
import { bodyOrNullOn404, camelize, invalidOrgId, isUuid } from './wire';

const REENGAGEMENT_INTERVALS: readonly ReengagementReportInterval[] = ['Weekly', 'Monthly'];
const CHURN_INTERVALS: readonly ChurnReportInterval[] = ['7', '14', '30'];
const THIRTY_SIXTY_NINETY: readonly GrowthReportInterval[] = ['30', '60', '90'];
const CHART_METRICS: readonly ChartMetric[] = ['signups', 'orgs_created', 'active_users', 'active_orgs'];
const CADENCES: readonly ChartMetricCadence[] = ['Daily', 'Weekly', 'Monthly'];
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Employee, SCIM and user-insights report functions (wire reference section 9.6)
 * of `PropelAuthApiService`. Mixed into the service: call them on the injected
 * `PropelAuthApiService`.
 *
 * Unlike the official library, which sends whatever it is given, every enum
 * argument (report interval, chart metric, cadence), date and page number is
 * checked first: an invalid one rejects with a `RangeError` naming the argument
 * and the allowed values, and nothing is sent.
 */
export class InsightsApi {
  /**
   * The PropelAuth employee with this id (e.g. the `impersonatorUserId` of a
   * token), or `null` if there is none. An id that is not a UUID cannot exist:
   * `null` without a request (the official library throws synchronously).
   *
   * @example const employee = await api.fetchEmployeeById(user.impersonatorUserId!); // { email } | null
   */
  async fetchEmployeeById(employeeId: string): Promise<Employee | null> {
    if (!isUuid(employeeId)) return null;
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/employee/${employeeId}` });
    return bodyOrNullOn404<Employee>(response, 'fetch the employee');
  }

  /**
   * One page of the SCIM groups of an org, optionally only those `userId` is in.
   * @throws PropelAuthNotFoundError for an unknown org (also, without a request, for an `orgId` that is not a UUID)
   * @throws PropelAuthFeatureNotEnabledError when organizations are not enabled
   * @throws RangeError, without a request, for a `userId` that is not a UUID or a bad page size/number
   *
   * @example const { groups, totalGroups } = await api.fetchOrgScimGroups({ orgId, pageSize: 20, pageNumber: 0 });
   */
  async fetchOrgScimGroups(request: FetchOrgScimGroupsRequest): Promise<ScimGroupResultPage> {
    const { orgId, userId, pageSize, pageNumber } = request;
    checkPaging('pageSize', pageSize, 'pageNumber', pageNumber);
    if (userId !== undefined && !isUuid(userId)) throw new RangeError(`userId must be a PropelAuth user id (a UUID), got ${show(userId)}`);
    if (!isUuid(orgId)) throw invalidOrgId('GET', reportedPath`/scim/${orgId}/groups`, 'fetch its SCIM groups');
    const response = await httpOf(this).send({
      method: 'GET',
      path: apiPath`/scim/${orgId}/groups`,
      query: { page_size: pageSize, page_number: pageNumber, user_id: userId },
    });
    // A 404 (unknown org) is PropelAuthNotFoundError; the official library throws a plain Error("Organization not found").
    return camelize<ScimGroupResultPage>(expectSuccess(response, 'fetch the SCIM groups of the org'));
  }

  /**
   * One SCIM group of an org, with one page of its members.
   * @throws PropelAuthNotFoundError for an unknown org or group (also, without a request, for an `orgId` that is not a UUID)
   * @throws PropelAuthFeatureNotEnabledError when organizations are not enabled
   * @throws RangeError, without a request, for a bad members page size/number
   *
   * @example const group = await api.fetchScimGroup({ orgId, groupId, membersPageSize: 100 }); // group.members: [{ userId }]
   */
  async fetchScimGroup(request: FetchScimGroupRequest): Promise<ScimGroup> {
    const { orgId, groupId, membersPageSize, membersPageNumber } = request;
    checkPaging('membersPageSize', membersPageSize, 'membersPageNumber', membersPageNumber);
    if (!isUuid(orgId)) throw invalidOrgId('GET', reportedPath`/scim/${orgId}/groups/${groupId}`, 'fetch a SCIM group of');
    const response = await httpOf(this).send({
      method: 'GET',
      path: apiPath`/scim/${orgId}/groups/${groupId}`,
      query: { members_page_size: membersPageSize, members_page_number: membersPageNumber },
    });
    return camelize<ScimGroup>(expectSuccess(response, 'fetch the SCIM group'));
  }

  /**
   * Top inviters: the users who invited the most users over the past 30, 60 or 90 days.
   *
   * @example const { userReports, hasMoreResults } = await api.fetchUserTopInviterReport('30', { pageSize: 10, pageNumber: 0 });
   */
  async fetchUserTopInviterReport(reportInterval?: TopInviterReportInterval, pagination?: ReportPagination): Promise<UserReport> {
    return report<UserReport>(this, 'user', 'top_inviter', reportInterval, THIRTY_SIXTY_NINETY, pagination);
  }

  /**
   * Potential champions: the most active users over the past 30, 60 or 90 days.
   *
   * @example const report = await api.fetchUserChampionReport('90');
   */
  async fetchUserChampionReport(reportInterval?: ChampionReportInterval, pagination?: ReportPagination): Promise<UserReport> {
    return report<UserReport>(this, 'user', 'champion', reportInterval, THIRTY_SIXTY_NINETY, pagination);
  }

  /**
   * Reengaged users: active again this week (`'Weekly'`) or month (`'Monthly'`) after a period of inactivity.
   *
   * @example const report = await api.fetchUserReengagementReport('Weekly', { pageSize: 50 });
   */
  async fetchUserReengagementReport(reportInterval?: ReengagementReportInterval, pagination?: ReportPagination): Promise<UserReport> {
    return report<UserReport>(this, 'user', 'reengagement', reportInterval, REENGAGEMENT_INTERVALS, pagination);
  }

  /**
   * Churned users: not active in the past 7, 14 or 30 days.
   *
   * @example const report = await api.fetchUserChurnReport('14');
   */
  async fetchUserChurnReport(reportInterval?: ChurnReportInterval, pagination?: ReportPagination): Promise<UserReport> {
    return report<UserReport>(this, 'user', 'churn', reportInterval, CHURN_INTERVALS, pagination);
  }

  /**
   * Reengaged orgs: active again this week or month after a period of inactivity.
   * @throws PropelAuthFeatureNotEnabledError when organizations are not enabled
   *
   * @example const { orgReports } = await api.fetchOrgReengagementReport('Monthly');
   */
  async fetchOrgReengagementReport(reportInterval?: ReengagementReportInterval, pagination?: ReportPagination): Promise<OrgReport> {
    return report<OrgReport>(this, 'org', 'reengagement', reportInterval, REENGAGEMENT_INTERVALS, pagination);
  }

  /**
   * Churned orgs: no member active in the past 7, 14 or 30 days.
   * @throws PropelAuthFeatureNotEnabledError when organizations are not enabled
   *
   * @example const report = await api.fetchOrgChurnReport('30', { pageSize: 25, pageNumber: 1 });
   */
  async fetchOrgChurnReport(reportInterval?: ChurnReportInterval, pagination?: ReportPagination): Promise<OrgReport> {
    return report<OrgReport>(this, 'org', 'churn', reportInterval, CHURN_INTERVALS, pagination);
  }

  /**
   * Growing orgs over the past 30, 60 or 90 days.
   * @throws PropelAuthFeatureNotEnabledError when organizations are not enabled
   *
   * @example const report = await api.fetchOrgGrowthReport('60');
   */
  async fetchOrgGrowthReport(reportInterval?: GrowthReportInterval, pagination?: ReportPagination): Promise<OrgReport> {
    return report<OrgReport>(this, 'org', 'growth', reportInterval, THIRTY_SIXTY_NINETY, pagination);
  }

  /**
   * Orgs losing users over the past 30, 60 or 90 days.
   * @throws PropelAuthFeatureNotEnabledError when organizations are not enabled
   *
   * @example const report = await api.fetchOrgAttritionReport('90');
   */
  async fetchOrgAttritionReport(reportInterval?: AttritionReportInterval, pagination?: ReportPagination): Promise<OrgReport> {
    return report<OrgReport>(this, 'org', 'attrition', reportInterval, THIRTY_SIXTY_NINETY, pagination);
  }

  /**
   * The data points of a User Insights chart (signups, orgs created, active users or
   * active orgs) per day, week or month. Dates are `Date`s (their UTC day, as the
   * official library sends) or `'YYYY-MM-DD'` strings; both are optional.
   * @throws RangeError, without a request, for an unknown metric or cadence, a date that is not a real
   *   calendar date, or a `startDate` after `endDate`
   *
   * @example const { metrics } = await api.fetchChartMetricData('signups', 'Weekly', '2024-01-01', new Date());
   */
  async fetchChartMetricData(chartMetric: ChartMetric, cadence: ChartMetricCadence, startDate?: ChartDate, endDate?: ChartDate): Promise<ChartData> {
    checkOneOf('chartMetric', chartMetric, CHART_METRICS);
    checkOneOf('cadence', cadence, CADENCES);
    const start = startDate === undefined ? undefined : isoDate('startDate', startDate);
    const end = endDate === undefined ? undefined : isoDate('endDate', endDate);
    if (start !== undefined && end !== undefined && start > end) {
      throw new RangeError(`startDate (${start}) must not be after endDate (${end})`);
    }
    const response = await httpOf(this).send({
      method: 'GET',
      path: apiPath`/chart_metrics/${chartMetric}`,
      query: { cadence, start_date: start, end_date: end },
    });
    return camelize<ChartData>(expectSuccess(response, 'fetch the chart metric data'));
  }
}

/** GET a user or org report: `/user_report/<type>` or `/org_report/<type>`. */
async function report<T>(
  api: object,
  kind: 'user' | 'org',
  reportType: string,
  reportInterval: string | undefined,
  allowed: readonly string[],
  pagination: ReportPagination | undefined,
): Promise<T> {
  const query = reportQuery(reportInterval, allowed, pagination);
  const path = kind === 'user' ? apiPath`/user_report/${reportType}` : apiPath`/org_report/${reportType}`;
  const response = await httpOf(api).send({ method: 'GET', path, query });
  return camelize<T>(expectSuccess(response, `fetch the ${reportType} ${kind} report`));
}

/** The query of a report, in the official library's order; every argument checked first. */
function reportQuery(reportInterval: string | undefined, allowed: readonly string[], pagination: ReportPagination | undefined) {
  if (reportInterval !== undefined) checkOneOf('reportInterval', reportInterval, allowed);
  if (pagination !== undefined && (pagination === null || typeof pagination !== 'object')) {
    throw new RangeError(`pagination must be an object { pageSize?, pageNumber? }, got ${show(pagination)}`);
  }
  checkPaging('pageSize', pagination?.pageSize, 'pageNumber', pagination?.pageNumber);
  return { report_interval: reportInterval, page_size: pagination?.pageSize, page_number: pagination?.pageNumber };
}

function checkOneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new RangeError(`${name} must be one of ${allowed.map((item) => `'${item}'`).join(', ')}, got ${show(value)}`);
  }
}

function checkPaging(sizeName: string, size: unknown, numberName: string, number: unknown): void {
  if (size !== undefined && !(Number.isSafeInteger(size) && (size as number) >= 1)) {
    throw new RangeError(`${sizeName} must be a positive integer, got ${show(size)}`);
  }
  if (number !== undefined && !(Number.isSafeInteger(number) && (number as number) >= 0)) {
    throw new RangeError(`${numberName} must be an integer >= 0 (pages are 0-based), got ${show(number)}`);
  }
}

/** `YYYY-MM-DD` of a `Date` (its UTC day, like the official library) or of a string that is a real calendar date. */
function isoDate(name: string, value: ChartDate): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError(`${name} is an invalid Date`);
    const iso = value.toISOString();
    // Years before 0 or after 9999 have a sign and 6 digits: PropelAuth's format has 4.
    if (!ISO_DATE.test(iso.slice(0, 10))) throw new RangeError(`${name} must be between the years 0000 and 9999, got ${iso}`);
    return iso.slice(0, 10);
  }
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    date.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
    if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day) return value as string;
  }
  throw new RangeError(`${name} must be a Date or a 'YYYY-MM-DD' calendar date, got ${show(value)}`);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()})`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
