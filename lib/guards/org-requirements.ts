import type { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import type {
  OrgMemberRequirement,
  OrgRequirementOptions,
  OrgRoleRequirement,
  PermissionRequirement,
} from '../decorators/org-requirement.decorator';
import type { OrgMemberInfo } from '../models/org-member-info';
import type { User } from '../models/user';
import { REQUIRE_ORG_MEMBER_METADATA, REQUIRE_ORG_ROLE_METADATA, REQUIRE_PERMISSION_METADATA } from '../propelauth.constants';
import type { PropelAuthRequest } from './request-auth';

/** The org decorators in force on one route; each kind: the handler's wins over the controller's. */
export interface OrgRequirements {
  member?: OrgMemberRequirement;
  role?: OrgRoleRequirement;
  permission?: PermissionRequirement;
}

/** The outcome of checking a user against a route's org requirements. */
export type OrgCheckResult = { ok: true; org: OrgMemberInfo } | { ok: false; reason: string };

/**
 * Reads the org decorators of a route once and caches them per (controller, handler):
 * metadata does not change after boot, so reflection is not repeated on every request.
 */
export class OrgRequirementsReader {
  private readonly cache = new WeakMap<object, WeakMap<object, OrgRequirements | null>>();

  constructor(private readonly reflector: Reflector) {}

  read(context: ExecutionContext): OrgRequirements | undefined {
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.cache.get(controller);
    if (byHandler === undefined) {
      byHandler = new WeakMap();
      this.cache.set(controller, byHandler);
    }
    let requirements = byHandler.get(handler);
    if (requirements === undefined) {
      const targets = [handler, controller];
      const found: OrgRequirements = {
        member: this.reflector.getAllAndOverride<OrgMemberRequirement | undefined>(REQUIRE_ORG_MEMBER_METADATA, targets),
        role: this.reflector.getAllAndOverride<OrgRoleRequirement | undefined>(REQUIRE_ORG_ROLE_METADATA, targets),
        permission: this.reflector.getAllAndOverride<PermissionRequirement | undefined>(REQUIRE_PERMISSION_METADATA, targets),
      };
      requirements = found.member || found.role || found.permission ? found : null;
      byHandler.set(handler, requirements);
    }
    return requirements ?? undefined;
  }
}

/**
 * Checks the user against every requirement; each finds its org with its own
 * extractors. The org handed to `@CurrentOrg()` is the first one checked.
 */
export function checkOrgRequirements(request: PropelAuthRequest, user: User, requirements: OrgRequirements): OrgCheckResult {
  const { member, role, permission } = requirements;
  let first: OrgMemberInfo | undefined;
  if (member) {
    const found = findOrg(request, user, member.extractors);
    if (!found.ok) return found;
    first = found.org;
  }
  if (role) {
    const found = findOrg(request, user, role.extractors);
    if (!found.ok) return found;
    const passes = role.exact ? found.org.userIsRole(role.role) : found.org.userIsAtLeastRole(role.role);
    if (!passes) {
      return { ok: false, reason: role.exact ? `User's role in the org is not ${role.role}` : `User's role in the org is not at least ${role.role}` };
    }
    first ??= found.org;
  }
  if (permission) {
    const found = findOrg(request, user, permission.extractors);
    if (!found.ok) return found;
    if (!found.org.userHasAllPermissions(permission.permissions)) {
      return { ok: false, reason: `User lacks a required permission in the org (${permission.permissions.join(', ')})` };
    }
    first ??= found.org;
  }
  return first ? { ok: true, org: first } : { ok: false, reason: 'No org requirement' };
}

function findOrg(request: PropelAuthRequest, user: User, extractors: OrgRequirementOptions): OrgCheckResult {
  let orgId: unknown;
  let orgName: unknown;
  try {
    if (extractors.orgIdExtractor === undefined && extractors.orgNameExtractor === undefined) {
      orgId = request.params?.orgId;
    } else {
      orgId = extractors.orgIdExtractor?.(request);
      orgName = extractors.orgNameExtractor?.(request);
    }
  } catch {
    return { ok: false, reason: 'The org id or name extractor threw' };
  }
  const hasId = typeof orgId === 'string' && orgId.length > 0;
  const hasName = typeof orgName === 'string' && orgName.length > 0;
  if (!hasId && !hasName) {
    return { ok: false, reason: 'No org id or name was found in the request' };
  }
  const org = hasId ? user.getOrg(orgId as string) : user.getOrgByName(orgName as string);
  if (org === undefined || (hasId && hasName && org.orgName !== orgName && org.urlSafeOrgName !== orgName)) {
    return { ok: false, reason: 'User is not a member of the org' };
  }
  return { ok: true, org };
}
