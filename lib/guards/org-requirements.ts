import type { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import type {
  OrgMemberRequirement,
  OrgRequirementOptions,
  OrgRoleRequirement,
  PermissionRequirement,
} from '../decorators/org-requirement.decorator';
import { findUserOrg, unmetOrgRequirement, type OrgAccessRequirement, type OrgAccessResult } from '../models/org-access';
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
 * extractors. The org handed to `@CurrentOrg()` is the first one checked
 * (member, then role, then permission).
 */
export function checkOrgRequirements(request: PropelAuthRequest, user: User, requirements: OrgRequirements): OrgAccessResult {
  const checks: Array<[OrgMemberRequirement | undefined, OrgAccessRequirement]> = [
    [requirements.member, {}],
    [requirements.role, requirements.role?.exact ? { exactRole: requirements.role.role } : { minimumRole: requirements.role?.role }],
    [requirements.permission, { permissions: requirements.permission?.permissions }],
  ];
  let first: OrgMemberInfo | undefined;
  for (const [requirement, access] of checks) {
    if (requirement === undefined) continue;
    const found = findOrg(request, user, requirement.extractors);
    if (!found.ok) return found;
    const unmet = unmetOrgRequirement(found.org, access);
    if (unmet !== undefined) return { ok: false, reason: unmet };
    first ??= found.org;
  }
  return first ? { ok: true, org: first } : { ok: false, reason: 'No org requirement' };
}

function findOrg(request: PropelAuthRequest, user: User, extractors: OrgRequirementOptions): OrgAccessResult {
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
  return findUserOrg(user, orgId, orgName);
}
