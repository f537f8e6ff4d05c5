import type {
  OrgMemberRequirement,
  OrgRequirementOptions,
  OrgRoleRequirement,
  PermissionRequirement,
} from '../decorators/org-requirement.decorator';
import { checkOrgAccess, type OrgAccessRequirement, type OrgAccessResult } from '../models/org-access';
import type { OrgMemberInfo } from '../models/org-member-info';
import type { User } from '../models/user';
import type { ExecutionContext } from '@nestjs/common';
import { getDefaultOrgId, type PropelAuthRequest } from './request-auth';

/** The org decorators in force on one route; each kind: the handler's wins over the controller's. */
export interface OrgDecorators {
  member?: OrgMemberRequirement;
  role?: OrgRoleRequirement;
  permission?: PermissionRequirement;
}

/** One decorator as a check: where to find the org, and what the user must have there. */
export type OrgCheck = readonly [OrgMemberRequirement, OrgAccessRequirement];

/** A route's org checks, in order (member, then role, then permission); never empty. */
export type OrgRequirements = readonly OrgCheck[];

/**
 * The checks a route's org decorators add up to, or undefined when it has none.
 * Worked out once per route (RouteMetadataReader caches the result), not per request.
 */
export function orgRequirementsOf({ member, role, permission }: OrgDecorators): OrgRequirements | undefined {
  const checks: OrgCheck[] = [];
  if (member !== undefined) checks.push([member, {}]);
  if (role !== undefined) checks.push([role, role.exact ? { exactRole: role.role } : { minimumRole: role.role }]);
  if (permission !== undefined) checks.push([permission, { permissions: permission.permissions }]);
  return checks.length > 0 ? checks : undefined;
}

/**
 * Checks the user against every requirement; each finds its org with its own
 * extractors, called with the request and the context. Without extractors the org
 * id is the route parameter `orgId` (HTTP), the resolver argument `orgId`
 * (GraphQL) or the `orgId` of the message data (WebSockets, RPC). The org handed
 * to `@CurrentOrg()` is the first one checked.
 */
export function checkOrgRequirements(request: PropelAuthRequest, user: User, requirements: OrgRequirements, context?: ExecutionContext): OrgAccessResult {
  let first: OrgMemberInfo | undefined;
  for (const [requirement, access] of requirements) {
    const result = checkOrg(request, user, requirement.extractors, access, context);
    if (!result.ok) return result;
    first ??= result.org;
  }
  return first ? { ok: true, org: first } : { ok: false, reason: 'No org requirement' };
}

type ContextualExtractor = (request: unknown, context: ExecutionContext | undefined) => unknown;

function checkOrg(
  request: PropelAuthRequest,
  user: User,
  extractors: OrgRequirementOptions,
  access: OrgAccessRequirement,
  context: ExecutionContext | undefined,
): OrgAccessResult {
  let orgId: unknown;
  let orgName: unknown;
  try {
    if (extractors.orgIdExtractor === undefined && extractors.orgNameExtractor === undefined) {
      orgId = context === undefined ? request.params?.orgId : getDefaultOrgId(context, request);
    } else {
      orgId = (extractors.orgIdExtractor as ContextualExtractor | undefined)?.(request, context);
      orgName = (extractors.orgNameExtractor as ContextualExtractor | undefined)?.(request, context);
    }
  } catch {
    return { ok: false, reason: 'The org id or name extractor threw' };
  }
  return checkOrgAccess(user, orgId, orgName, access);
}
