import { randomUUID } from 'node:crypto';
import type { RoleHierarchy } from './emulator-roles';
import type { EmulatorMembership, EmulatorOrg, EmulatorState, EmulatorUser } from './emulator-state';
import type { MintOrgMembership } from './token-minter';

/**
 * PropelAuth's per-org object (`org_id_to_org_member_info` in tokens,
 * `org_id_to_org_info` in user answers): the role hierarchy and the permissions
 * are computed here, server-side, as PropelAuth does.
 */
export function wireOrgMemberInfo(roles: RoleHierarchy, membership: MintOrgMembership): Record<string, unknown> {
  const orgName = membership.orgName ?? 'Acme Inc';
  const role = membership.role ?? roles.lowest;
  const additionalRoles = membership.additionalRoles ?? [];
  const structure = membership.roleStructure ?? 'single_role_in_hierarchy';
  return {
    org_id: membership.orgId ?? randomUUID(),
    org_name: orgName,
    url_safe_org_name: membership.urlSafeOrgName ?? urlSafeName(orgName),
    org_metadata: membership.orgMetadata ?? {},
    user_role: role,
    inherited_user_roles_plus_current_role: structure === 'multi_role' ? [role] : roles.inheritedRolesPlusCurrent(role),
    org_role_structure: structure,
    additional_roles: additionalRoles,
    user_permissions: membership.permissions ?? roles.permissions(role, additionalRoles, structure === 'multi_role'),
    ...(membership.legacyOrgId !== undefined ? { legacy_org_id: membership.legacyOrgId } : {}),
  };
}

/** The per-org wire object of a stored membership. */
export function wireStoredMembership(roles: RoleHierarchy, org: EmulatorOrg, membership: EmulatorMembership): Record<string, unknown> {
  return wireOrgMemberInfo(roles, {
    orgId: org.orgId,
    orgName: org.name,
    urlSafeOrgName: org.urlSafeOrgName,
    orgMetadata: org.metadata,
    role: membership.role,
    additionalRoles: membership.additionalRoles,
    roleStructure: org.roleStructure,
    legacyOrgId: org.legacyOrgId,
  });
}

/** A user as the backend API answers it (`UserMetadata` on the wire). */
export function wireUser(state: EmulatorState, user: EmulatorUser, includeOrgs = false): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    user_id: user.userId,
    email: user.email,
    email_confirmed: user.emailConfirmed,
    has_password: user.hasPassword,
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    picture_url: user.pictureUrl,
    locked: user.locked,
    enabled: user.enabled,
    mfa_enabled: user.mfaEnabled,
    can_create_orgs: user.canCreateOrgs,
    created_at: user.createdAt,
    last_active_at: user.lastActiveAt,
    legacy_user_id: user.legacyUserId,
    update_password_required: user.updatePasswordRequired,
    metadata: user.metadata,
    properties: user.properties,
  };
  if (includeOrgs) {
    wire.org_id_to_org_info = Object.fromEntries(
      state.orgsOfUser(user.userId).map(({ org, membership }) => [org.orgId, wireStoredMembership(state.roles, org, membership)]),
    );
  }
  return dropUndefined(wire);
}

/** An org as `GET /org/{orgId}` answers it (`Organization` on the wire). */
export function wireOrg(org: EmulatorOrg): Record<string, unknown> {
  return dropUndefined({
    org_id: org.orgId,
    name: org.name,
    url_safe_org_slug: org.urlSafeOrgName,
    can_setup_saml: org.canSetupSaml,
    is_saml_configured: org.isSamlConfigured,
    is_saml_in_test_mode: org.isSamlInTestMode,
    max_users: org.maxUsers,
    metadata: org.metadata,
    domain: org.domain,
    extra_domains: org.extraDomains,
    domain_autojoin: org.domainAutojoin,
    domain_restrict: org.domainRestrict,
    custom_role_mapping_name: org.customRoleMappingName,
    legacy_org_id: org.legacyOrgId,
    password_rotation_enabled: org.passwordRotationEnabled,
    password_rotation_history_size: org.passwordRotationHistorySize,
    password_rotation_period: org.passwordRotationPeriod,
    created_at: org.createdAt,
  });
}

/** JSON would drop them anyway; dropping them here keeps recorded answers comparable. */
export function dropUndefined<T extends Record<string, unknown>>(object: T): T {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object;
}

export function urlSafeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
