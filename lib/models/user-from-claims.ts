import { TokenVerificationError } from '../errors';
import { toLoginMethod } from './login-method';
import { OrgMemberInfo, type OrgRoleStructure } from './org-member-info';
import { User } from './user';

type Claims = Record<string, unknown>;

/**
 * Builds a `User` from a verified token payload (PropelAuth's snake_case claims).
 *
 * Every field is read as an own property and type-checked; nothing untrusted is
 * merged or `Object.assign`ed, so a signed `__proto__` claim cannot leak into a
 * model. A claim of the wrong shape makes the token invalid (401), never a 500.
 */
export function userFromClaims(claims: Claims): User {
  const userId = own(claims, 'user_id');
  if (typeof userId !== 'string' || userId.length === 0) {
    throw invalid('the user_id claim is missing or not a non-empty string');
  }

  let orgs: Record<string, OrgMemberInfo> | undefined;
  let activeOrgId: string | undefined;
  const activeOrg = own(claims, 'org_member_info');
  if (activeOrg !== undefined && activeOrg !== null) {
    // Active-org tokens carry one org instead of the map.
    const org = orgMemberInfoFromWire(activeOrg, undefined);
    orgs = Object.create(null) as Record<string, OrgMemberInfo>;
    orgs[org.orgId] = org;
    activeOrgId = org.orgId;
  } else {
    const map = own(claims, 'org_id_to_org_member_info');
    if (map !== undefined && map !== null) {
      if (!isPlainObject(map)) throw invalid('org_id_to_org_member_info is not an object');
      // A null-prototype object: assigning even "__proto__" creates a plain own key.
      orgs = Object.create(null) as Record<string, OrgMemberInfo>;
      for (const orgId of Object.keys(map)) orgs[orgId] = orgMemberInfoFromWire(map[orgId], orgId);
    }
  }

  return new User({
    userId,
    orgIdToOrgMemberInfo: orgs,
    // PropelAuth always sends an email; an absent one is kept as '' rather than refusing the token.
    email: optionalString(claims, 'email') ?? '',
    firstName: optionalString(claims, 'first_name'),
    lastName: optionalString(claims, 'last_name'),
    username: optionalString(claims, 'username'),
    properties: optionalObject(claims, 'properties'),
    metadata: optionalObject(claims, 'metadata'),
    legacyUserId: optionalString(claims, 'legacy_user_id'),
    impersonatorUserId: optionalString(claims, 'impersonator_user_id'),
    activeOrgId,
    loginMethod: toLoginMethod(own(claims, 'login_method')),
  });
}

/** Builds an `OrgMemberInfo` from PropelAuth's per-org wire object (tokens and API answers share it). */
export function orgMemberInfoFromWire(value: unknown, mapKey?: string): OrgMemberInfo {
  if (!isPlainObject(value)) throw invalid('an org entry is not an object');
  const orgId = own(value, 'org_id');
  if (typeof orgId !== 'string' || orgId.length === 0) throw invalid('an org entry has no org_id');
  if (mapKey !== undefined && mapKey !== orgId) throw invalid('an org entry is filed under another org id');
  const role = own(value, 'user_role');
  if (typeof role !== 'string') throw invalid('an org entry has no user_role');
  const structure = own(value, 'org_role_structure') ?? 'single_role_in_hierarchy';
  if (structure !== 'single_role_in_hierarchy' && structure !== 'multi_role') {
    throw invalid('an org entry has an unknown org_role_structure');
  }
  return new OrgMemberInfo({
    orgId,
    orgName: optionalString(value, 'org_name') ?? '',
    orgMetadata: optionalObject(value, 'org_metadata'),
    urlSafeOrgName: optionalString(value, 'url_safe_org_name') ?? '',
    userAssignedRole: role,
    userInheritedRolesPlusCurrentRole: stringArray(value, 'inherited_user_roles_plus_current_role') ?? [role],
    userPermissions: stringArray(value, 'user_permissions') ?? [],
    orgRoleStructure: structure as OrgRoleStructure,
    assignedAdditionalRoles: stringArray(value, 'additional_roles') ?? [],
    legacyOrgId: optionalString(value, 'legacy_org_id'),
  });
}

function own(object: Claims, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function isPlainObject(value: unknown): value is Claims {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function optionalString(object: Claims, key: string): string | undefined {
  const value = own(object, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`the ${key} claim is not a string`);
  return value;
}

function optionalObject(object: Claims, key: string): Claims | undefined {
  const value = own(object, key);
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw invalid(`the ${key} claim is not an object`);
  return value;
}

function stringArray(object: Claims, key: string): string[] | undefined {
  const value = own(object, key);
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalid(`${key} is not an array of strings`);
  }
  return value;
}

function invalid(detail: string): TokenVerificationError {
  return new TokenVerificationError('invalid_claims', `Invalid token claims: ${detail}`);
}
