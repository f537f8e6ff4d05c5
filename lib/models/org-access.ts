import type { OrgMemberInfo } from './org-member-info';
import type { User } from './user';

/** The outcome of an org access check: the org, or why access is refused. */
export type OrgAccessResult = { ok: true; org: OrgMemberInfo } | { ok: false; reason: string };

/** What a user must have in the org, besides being a member. */
export interface OrgAccessRequirement {
  /** This role or a higher one (multi-role orgs: this role itself). */
  minimumRole?: string;
  /** Exactly this role (multi-role orgs: one of the user's roles). */
  exactRole?: string;
  permission?: string;
  /** Every one of these. */
  permissions?: readonly string[];
}

/**
 * The user's membership in the org named by id and/or name. With both, both
 * must match (the name may be the org's name or its URL-safe name).
 */
export function findUserOrg(user: User, orgId: unknown, orgName: unknown): OrgAccessResult {
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

/** Why the member fails the requirement, or undefined when it passes. */
export function unmetOrgRequirement(org: OrgMemberInfo, requirement: OrgAccessRequirement): string | undefined {
  const { minimumRole, exactRole, permission, permissions } = requirement;
  if (minimumRole !== undefined && !org.userIsAtLeastRole(minimumRole)) return `User's role in the org is not at least ${minimumRole}`;
  if (exactRole !== undefined && !org.userIsRole(exactRole)) return `User's role in the org is not ${exactRole}`;
  // Lists are built only when a permission is required: member and role checks run on every request.
  if (permission === undefined && permissions === undefined) return undefined;
  const needed = permission === undefined ? permissions! : [permission, ...(permissions ?? [])];
  if (!org.userHasAllPermissions(needed)) return `User lacks a required permission in the org (${needed.join(', ')})`;
  return undefined;
}

/** The user's membership in the named org, if it meets the requirement: `findUserOrg`, then `unmetOrgRequirement`. */
export function checkOrgAccess(user: User, orgId: unknown, orgName: unknown, requirement: OrgAccessRequirement): OrgAccessResult {
  const found = findUserOrg(user, orgId, orgName);
  if (!found.ok) return found;
  const unmet = unmetOrgRequirement(found.org, requirement);
  return unmet === undefined ? found : { ok: false, reason: unmet };
}
