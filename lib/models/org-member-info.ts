/** How roles work in an org: one role in a hierarchy (the default), or several unordered roles. */
export type OrgRoleStructure = 'single_role_in_hierarchy' | 'multi_role';

/** The fields of an `OrgMemberInfo`, camelCase. */
export interface OrgMemberInfoInit {
  orgId: string;
  orgName: string;
  orgMetadata?: Record<string, unknown>;
  urlSafeOrgName: string;
  userAssignedRole: string;
  userInheritedRolesPlusCurrentRole?: readonly string[];
  userPermissions?: readonly string[];
  orgRoleStructure?: OrgRoleStructure;
  assignedAdditionalRoles?: readonly string[];
  legacyOrgId?: string;
}

/**
 * A user's membership in one organization, as carried by the access token.
 *
 * @example
 * const org = user.getOrg(orgId);
 * if (org?.userIsAtLeastRole('Admin') && org.userHasPermission('can_view_billing')) { ... }
 */
export class OrgMemberInfo {
  readonly orgId: string;
  readonly orgName: string;
  readonly orgMetadata: Record<string, unknown>;
  readonly urlSafeOrgName: string;
  /** The user's role (in multi-role orgs: the primary one). */
  readonly userAssignedRole: string;
  /** The user's role plus every role below it in the hierarchy (computed by PropelAuth). */
  readonly userInheritedRolesPlusCurrentRole: readonly string[];
  readonly userPermissions: readonly string[];
  readonly orgRoleStructure: OrgRoleStructure;
  /** Multi-role orgs: the user's roles besides `userAssignedRole`. */
  readonly assignedAdditionalRoles: readonly string[];
  readonly legacyOrgId?: string;

  constructor(init: OrgMemberInfoInit) {
    this.orgId = init.orgId;
    this.orgName = init.orgName;
    this.orgMetadata = init.orgMetadata ?? {};
    this.urlSafeOrgName = init.urlSafeOrgName;
    this.userAssignedRole = init.userAssignedRole;
    this.userInheritedRolesPlusCurrentRole = init.userInheritedRolesPlusCurrentRole ?? [init.userAssignedRole];
    this.userPermissions = init.userPermissions ?? [];
    this.orgRoleStructure = init.orgRoleStructure ?? 'single_role_in_hierarchy';
    this.assignedAdditionalRoles = init.assignedAdditionalRoles ?? [];
    this.legacyOrgId = init.legacyOrgId;
  }

  /** True if the user has exactly this role (multi-role orgs: any of the user's roles). Case-sensitive. */
  userIsRole(role: string): boolean {
    if (this.orgRoleStructure === 'multi_role') {
      return role === this.userAssignedRole || this.assignedAdditionalRoles.includes(role);
    }
    return role === this.userAssignedRole;
  }

  /**
   * True if the user has this role or one above it. Multi-role orgs have no
   * hierarchy, so there it is the same as `userIsRole`.
   */
  userIsAtLeastRole(role: string): boolean {
    if (this.orgRoleStructure === 'multi_role') {
      return this.userIsRole(role);
    }
    return this.userInheritedRolesPlusCurrentRole.includes(role);
  }

  userHasPermission(permission: string): boolean {
    return this.userPermissions.includes(permission);
  }

  /** True if the user has every one of the permissions (an empty list is true). */
  userHasAllPermissions(permissions: readonly string[]): boolean {
    return permissions.every((permission) => this.userPermissions.includes(permission));
  }
}
