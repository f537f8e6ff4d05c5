// Request and response types of the employee, SCIM and user-insights functions
// (camelCase; the wire is snake_case). The enums of @propelauth/node-apis are
// string-literal unions here: pass the value itself ('30', 'Weekly', 'signups').

/** A PropelAuth employee (someone on your team in the PropelAuth dashboard, e.g. an impersonator). */
export interface Employee {
  email: string;
}

// ---------------------------------------------------------------- SCIM

export interface FetchOrgScimGroupsRequest {
  orgId: string;
  /** Only the groups this user is a member of. */
  userId?: string;
  /** Groups per page (PropelAuth's default when omitted). */
  pageSize?: number;
  /** 0-based page index. */
  pageNumber?: number;
}

export interface FetchScimGroupRequest {
  orgId: string;
  groupId: string;
  /** Members per page (PropelAuth's default when omitted). */
  membersPageSize?: number;
  /** 0-based page index of the members. */
  membersPageNumber?: number;
}

/** A group that the org's identity provider pushed over SCIM. */
export interface ScimGroupResult {
  groupId: string;
  displayName: string;
  /** The group's id in the identity provider (Okta, Entra ID...), when it sent one. */
  externalIdFromIdp?: string;
}

export interface ScimGroupResultPage {
  groups: ScimGroupResult[];
  pageNumber: number;
  pageSize: number;
  /** Groups in the org (matching `userId` when given), over all pages. */
  totalGroups: number;
}

export interface ScimGroupMember {
  userId: string;
}

/** One SCIM group with one page of its members. */
export interface ScimGroup extends ScimGroupResult {
  members: ScimGroupMember[];
}

// ---------------------------------------------------------------- reports

/** Paging of a report; both optional (PropelAuth's defaults apply). */
export interface ReportPagination {
  /** Rows per page. */
  pageSize?: number;
  /** 0-based page index. */
  pageNumber?: number;
}

/** Reengaged users / orgs: active again this week or this month after a period of inactivity. */
export type ReengagementReportInterval = 'Weekly' | 'Monthly';
/** Churned users / orgs: not active in the past 7, 14 or 30 days. */
export type ChurnReportInterval = '7' | '14' | '30';
/** Growing orgs, over the past 30, 60 or 90 days. */
export type GrowthReportInterval = '30' | '60' | '90';
/** Top inviters, over the past 30, 60 or 90 days. */
export type TopInviterReportInterval = '30' | '60' | '90';
/** Potential champions (most active users), over the past 30, 60 or 90 days. */
export type ChampionReportInterval = '30' | '60' | '90';
/** Orgs losing users, over the past 30, 60 or 90 days. */
export type AttritionReportInterval = '30' | '60' | '90';

/** One org a user of a user report belongs to. */
export interface UserOrgMembershipForReport {
  displayName: string;
  orgId: string;
  /**
   * The user's role in the org. (The official Node library declares `userRole`
   * too, but its parser actually returns it as `userAssignedRole`.)
   */
  userRole: string;
}

/** One row of a user report. Times are unix seconds. */
export interface UserReportRecord {
  /** The row's id. */
  id: string;
  /** The id of the report run this row belongs to. */
  reportId: string;
  userId: string;
  email: string;
  userCreatedAt: number;
  lastActiveAt: number;
  username?: string;
  firstName?: string;
  lastName?: string;
  orgData?: UserOrgMembershipForReport[];
  /** Report-specific values (e.g. counts), keys camelCased as the official library does. */
  extraProperties?: Record<string, unknown> | null;
}

/** One page of a user report. */
export interface UserReport {
  userReports: UserReportRecord[];
  /** 0-based index of this page. */
  currentPage: number;
  /** Rows in the report, over all pages. */
  totalCount: number;
  pageSize: number;
  hasMoreResults: boolean;
  /** When PropelAuth computed the report (unix seconds). */
  reportTime: number;
}

/** One row of an org report. Times are unix seconds. */
export interface OrgReportRecord {
  id: string;
  reportId: string;
  orgId: string;
  name: string;
  numUsers: number;
  orgCreatedAt: number;
  /** Report-specific values, keys camelCased as the official library does. */
  extraProperties?: Record<string, unknown> | null;
}

/** One page of an org report. */
export interface OrgReport {
  orgReports: OrgReportRecord[];
  currentPage: number;
  totalCount: number;
  pageSize: number;
  hasMoreResults: boolean;
  reportTime: number;
}

// ---------------------------------------------------------------- charts

export type ChartMetric = 'signups' | 'orgs_created' | 'active_users' | 'active_orgs';
export type ChartMetricCadence = 'Daily' | 'Weekly' | 'Monthly';

/**
 * A calendar date for `fetchChartMetricData`: a `Date` (its UTC day is used, as the
 * official library does) or a `'YYYY-MM-DD'` string.
 */
export type ChartDate = Date | string;

export interface ChartDataPoint {
  /** The value of the metric for the period starting at `date`. */
  result: number;
  /** First day of the period, `YYYY-MM-DD` (UTC). */
  date: string;
  /** `false` while the period is still running (today, this week, this month). */
  cadenceCompleted: boolean;
}

export interface ChartData {
  /** PropelAuth's name of the chart (e.g. `Signups`). */
  chartType: string;
  cadence: ChartMetricCadence;
  metrics: ChartDataPoint[];
}
