import { TokenVerificationError } from '../errors';
import { EMPTY_LIST, EMPTY_OBJECT, frozenJsonObject } from './freeze';
import { toLoginMethod } from './login-method';
import { OrgMemberInfo, type OrgRoleStructure } from './org-member-info';
import { User } from './user';

type Claims = Record<string, unknown>;

/** The org map of a user in no org: frozen, shared, and without a prototype like every other. */
const NO_ORGS: Record<string, OrgMemberInfo> = Object.freeze(Object.create(null) as Record<string, OrgMemberInfo>);

/**
 * Builds a `User` from a verified token payload (PropelAuth's snake_case claims),
 * deeply frozen as it is built, so the token cache can hand one instance to many
 * requests without sharing mutable state.
 *
 * Every field is read as an own property and type-checked; nothing untrusted is
 * merged or `Object.assign`ed, so a signed `__proto__` claim cannot leak into a
 * model, and neither can a polluted `Object.prototype`. A claim of the wrong
 * shape makes the token invalid (401), never a 500.
 *
 * Written for a cache miss, which runs it once per distinct token: claims are read
 * by literal name (a property read the engine can cache) and `Object.hasOwn` is
 * asked only of values that are present; empty lists and objects become shared
 * frozen constants instead of being frozen one by one.
 */
export function userFromClaims(claims: Claims): User {
  const userId = own(claims, 'user_id', claims.user_id);
  if (typeof userId !== 'string' || userId.length === 0) {
    throw invalid('the user_id claim is missing or not a non-empty string');
  }

  let orgs: Record<string, OrgMemberInfo> | undefined;
  let activeOrgId: string | undefined;
  const activeOrg = own(claims, 'org_member_info', claims.org_member_info);
  if (activeOrg !== undefined && activeOrg !== null) {
    // Active-org tokens carry one org instead of the map.
    const org = readOrgMemberInfo(activeOrg, undefined, true);
    orgs = Object.create(null) as Record<string, OrgMemberInfo>;
    orgs[org.orgId] = org;
    activeOrgId = org.orgId;
  } else {
    const map = own(claims, 'org_id_to_org_member_info', claims.org_id_to_org_member_info);
    if (map !== undefined && map !== null) {
      if (!isPlainObject(map)) throw invalid('org_id_to_org_member_info is not an object');
      // A null-prototype object: assigning even "__proto__" creates a plain own key.
      orgs = Object.create(null) as Record<string, OrgMemberInfo>;
      for (const orgId in map) {
        if (Object.hasOwn(map, orgId)) orgs[orgId] = readOrgMemberInfo(map[orgId], orgId, true);
      }
    }
  }
  orgs = orgs === undefined ? NO_ORGS : Object.freeze(orgs);

  const properties = optionalObject(claims, 'properties', claims.properties);
  const metadata = optionalObject(claims, 'metadata', claims.metadata);
  return Object.freeze(
    new User({
      userId,
      orgIdToOrgMemberInfo: orgs,
      // PropelAuth always sends an email; an absent one is kept as '' rather than refusing the token.
      email: optionalString(claims, 'email', claims.email) ?? '',
      firstName: optionalString(claims, 'first_name', claims.first_name),
      lastName: optionalString(claims, 'last_name', claims.last_name),
      username: optionalString(claims, 'username', claims.username),
      properties: properties === undefined ? EMPTY_OBJECT : frozenJsonObject(properties),
      metadata: metadata === undefined ? undefined : frozenJsonObject(metadata),
      legacyUserId: optionalString(claims, 'legacy_user_id', claims.legacy_user_id),
      impersonatorUserId: optionalString(claims, 'impersonator_user_id', claims.impersonator_user_id),
      activeOrgId,
      loginMethod: toLoginMethod(own(claims, 'login_method', claims.login_method)),
    }),
  );
}

/** Builds an `OrgMemberInfo` from PropelAuth's per-org wire object (tokens and API answers share it). */
export function orgMemberInfoFromWire(value: unknown, mapKey?: string): OrgMemberInfo {
  return readOrgMemberInfo(value, mapKey, false);
}

function readOrgMemberInfo(value: unknown, mapKey: string | undefined, frozen: boolean): OrgMemberInfo {
  if (!isPlainObject(value)) throw invalid('an org entry is not an object');
  const orgId = own(value, 'org_id', value.org_id);
  if (typeof orgId !== 'string' || orgId.length === 0) throw invalid('an org entry has no org_id');
  if (mapKey !== undefined && mapKey !== orgId) throw invalid('an org entry is filed under another org id');
  const role = own(value, 'user_role', value.user_role);
  if (typeof role !== 'string') throw invalid('an org entry has no user_role');
  const structure = own(value, 'org_role_structure', value.org_role_structure) ?? 'single_role_in_hierarchy';
  if (structure !== 'single_role_in_hierarchy' && structure !== 'multi_role') {
    throw invalid('an org entry has an unknown org_role_structure');
  }
  const inherited = stringArray(value, 'inherited_user_roles_plus_current_role', value.inherited_user_roles_plus_current_role, frozen);
  const permissions = stringArray(value, 'user_permissions', value.user_permissions, frozen);
  const additional = stringArray(value, 'additional_roles', value.additional_roles, frozen);
  const orgMetadata = optionalObject(value, 'org_metadata', value.org_metadata);
  const org = new OrgMemberInfo({
    orgId,
    orgName: optionalString(value, 'org_name', value.org_name) ?? '',
    orgMetadata: frozen && orgMetadata !== undefined ? frozenJsonObject(orgMetadata) : orgMetadata,
    urlSafeOrgName: optionalString(value, 'url_safe_org_name', value.url_safe_org_name) ?? '',
    userAssignedRole: role,
    userInheritedRolesPlusCurrentRole: inherited ?? (frozen ? Object.freeze([role]) : [role]),
    userPermissions: permissions ?? (frozen ? EMPTY_LIST : []),
    orgRoleStructure: structure as OrgRoleStructure,
    assignedAdditionalRoles: additional ?? (frozen ? EMPTY_LIST : []),
    legacyOrgId: optionalString(value, 'legacy_org_id', value.legacy_org_id),
  });
  return frozen ? Object.freeze(org) : org;
}

/**
 * `value` (read by the caller as `object.key`) when it is the object's own
 * property, else undefined: an inherited value can only come from a polluted
 * prototype. hasOwn is asked only of values that are present.
 */
function own(object: Claims, key: string, value: unknown): unknown {
  return value === undefined || Object.hasOwn(object, key) ? value : undefined;
}

function isPlainObject(value: unknown): value is Claims {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function optionalString(object: Claims, key: string, read: unknown): string | undefined {
  const value = own(object, key, read);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`the ${key} claim is not a string`);
  return value;
}

function optionalObject(object: Claims, key: string, read: unknown): Claims | undefined {
  const value = own(object, key, read);
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw invalid(`the ${key} claim is not an object`);
  return value;
}

/** The list itself (frozen on the token path; an empty one becomes EMPTY_LIST), or undefined when absent. */
function stringArray(object: Claims, key: string, read: unknown, frozen: boolean): readonly string[] | undefined {
  const value = own(object, key, read);
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid(`${key} is not an array of strings`);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') throw invalid(`${key} is not an array of strings`);
  }
  if (!frozen) return value as string[];
  return value.length === 0 ? EMPTY_LIST : Object.freeze(value as string[]);
}

function invalid(detail: string): TokenVerificationError {
  return new TokenVerificationError('invalid_claims', `Invalid token claims: ${detail}`);
}
