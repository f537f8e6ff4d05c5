import type { LoginMethod } from './login-method';
import type { OrgMemberInfo } from './org-member-info';

/** The fields of a `User`, camelCase. */
export interface UserInit {
  userId: string;
  orgIdToOrgMemberInfo?: Record<string, OrgMemberInfo>;
  email: string;
  firstName?: string;
  lastName?: string;
  username?: string;
  properties?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  legacyUserId?: string;
  impersonatorUserId?: string;
  activeOrgId?: string;
  loginMethod?: LoginMethod;
}

/**
 * The user who made the request, built from a verified access token.
 *
 * @example
 * @Get('whoami')
 * @UseGuards(RequireUserGuard)
 * whoami(@CurrentUser() user: User) {
 *   return { userId: user.userId, orgs: user.getOrgs().map((org) => org.orgName) };
 * }
 */
export class User {
  readonly userId: string;
  /** Org id to membership. Its prototype is null: `orgIdToOrgMemberInfo['constructor']` is undefined. */
  readonly orgIdToOrgMemberInfo: Readonly<Record<string, OrgMemberInfo>>;
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly username?: string;
  /** Custom user properties, keys exactly as configured in PropelAuth. */
  readonly properties: Readonly<Record<string, unknown>>;
  /** Legacy metadata claim, kept for parity with PropelAuth's Node library. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly legacyUserId?: string;
  readonly impersonatorUserId?: string;
  /** Set when the token is scoped to one active org (it then holds only that org). */
  readonly activeOrgId?: string;
  readonly loginMethod: LoginMethod;

  constructor(init: UserInit) {
    this.userId = init.userId;
    this.orgIdToOrgMemberInfo = nullPrototypeCopy(init.orgIdToOrgMemberInfo);
    this.email = init.email;
    this.firstName = init.firstName;
    this.lastName = init.lastName;
    this.username = init.username;
    this.properties = init.properties ?? {};
    this.metadata = init.metadata;
    this.legacyUserId = init.legacyUserId;
    this.impersonatorUserId = init.impersonatorUserId;
    this.activeOrgId = init.activeOrgId;
    this.loginMethod = init.loginMethod ?? { loginMethod: 'unknown' };
  }

  /** True if an employee is impersonating this user (`impersonatorUserId` is set). */
  isImpersonated(): boolean {
    return !!this.impersonatorUserId;
  }

  getActiveOrgId(): string | undefined {
    return this.activeOrgId;
  }

  getActiveOrg(): OrgMemberInfo | undefined {
    return this.activeOrgId === undefined ? undefined : this.getOrg(this.activeOrgId);
  }

  /** The membership in that org, or undefined if the user is not a member. */
  getOrg(orgId: string): OrgMemberInfo | undefined {
    // The map has no prototype (see nullPrototypeCopy), so a plain read finds own keys only.
    return typeof orgId === 'string' ? this.orgIdToOrgMemberInfo[orgId] : undefined;
  }

  /**
   * The membership in the org with this name: matches the org's name, its URL-safe
   * name, or the URL-safe form of the argument (lowercase, spaces as dashes).
   */
  getOrgByName(orgName: string): OrgMemberInfo | undefined {
    if (typeof orgName !== 'string') return undefined;
    const urlSafe = orgName.toLowerCase().replace(/ /g, '-');
    return this.getOrgs().find((org) => org.orgName === orgName || org.urlSafeOrgName === orgName || org.urlSafeOrgName === urlSafe);
  }

  /** A custom property's value, or undefined (own properties only). */
  getUserProperty(name: string): unknown {
    return Object.hasOwn(this.properties, name) ? this.properties[name] : undefined;
  }

  getOrgs(): OrgMemberInfo[] {
    return Object.values(this.orgIdToOrgMemberInfo);
  }

  isRoleInOrg(orgId: string, role: string): boolean {
    return this.getOrg(orgId)?.userIsRole(role) ?? false;
  }

  isAtLeastRoleInOrg(orgId: string, role: string): boolean {
    return this.getOrg(orgId)?.userIsAtLeastRole(role) ?? false;
  }

  hasPermissionInOrg(orgId: string, permission: string): boolean {
    return this.getOrg(orgId)?.userHasPermission(permission) ?? false;
  }

  hasAllPermissionsInOrg(orgId: string, permissions: readonly string[]): boolean {
    return this.getOrg(orgId)?.userHasAllPermissions(permissions) ?? false;
  }
}

/** The map itself when it already has no prototype (as the token reader builds it), else a null-prototype copy. */
function nullPrototypeCopy(map: Record<string, OrgMemberInfo> | undefined): Record<string, OrgMemberInfo> {
  if (map !== undefined && Object.getPrototypeOf(map) === null) return map;
  const orgs: Record<string, OrgMemberInfo> = Object.create(null);
  for (const orgId of Object.keys(map ?? {})) {
    // defineProperty, not assignment: an org id of "__proto__" must stay a plain key.
    Object.defineProperty(orgs, orgId, { value: map![orgId], enumerable: true });
  }
  return orgs;
}
