import { SetMetadata, type ExecutionContext } from '@nestjs/common';
import { PropelAuthConfigError } from '../errors';
import { REQUIRE_ORG_MEMBER_METADATA, REQUIRE_ORG_ROLE_METADATA, REQUIRE_PERMISSION_METADATA } from '../propelauth.constants';

/** Reads an org id or name from the request (Express `Request` or Fastify `FastifyRequest`; see `TokenExtractor` for other transports). */
export type OrgExtractor<TRequest = any> = (request: TRequest, context: ExecutionContext) => string | undefined;

/** Where the org comes from. Default: the route parameter `orgId`; GraphQL: the argument `orgId`; WebSockets and RPC: `data.orgId`. */
export interface OrgRequirementOptions<TRequest = any> {
  /** Overrides the default `request.params.orgId`. */
  orgIdExtractor?: OrgExtractor<TRequest>;
  /** Select the org by its name or URL-safe name; with an id as well, both must match. */
  orgNameExtractor?: OrgExtractor<TRequest>;
}

export interface RequireOrgRoleOptions<TRequest = any> extends OrgRequirementOptions<TRequest> {
  /** Require exactly this role instead of this role or a higher one. */
  exact?: boolean;
}

/** @internal Metadata stored by the org decorators. */
export interface OrgMemberRequirement {
  extractors: OrgRequirementOptions;
}
/** @internal */
export interface OrgRoleRequirement extends OrgMemberRequirement {
  role: string;
  exact: boolean;
}
/** @internal */
export interface PermissionRequirement extends OrgMemberRequirement {
  permissions: readonly string[];
}

/**
 * Requires the user to be a member of the org named by the request (route param
 * `orgId` by default). Not a member, or no org in the request: 403. No user: 401.
 * Use with `RequireUserGuard` or `OptionalUserGuard`; on a handler it overrides the controller's.
 *
 * @example
 * @Get('orgs/:orgId')
 * @UseGuards(RequireUserGuard)
 * @RequireOrgMember()
 * org(@CurrentOrg() org: OrgMemberInfo) { return { name: org.orgName } }
 */
export function RequireOrgMember(options: OrgRequirementOptions = {}): MethodDecorator & ClassDecorator {
  const requirement: OrgMemberRequirement = { extractors: checkExtractors(options, 'RequireOrgMember') };
  return SetMetadata(REQUIRE_ORG_MEMBER_METADATA, requirement);
}

/**
 * Requires the user to have at least `role` in the org (`{ exact: true }`: exactly
 * that role). Roles are hierarchical (Owner > Admin > Member by default), except in
 * multi-role orgs, where the user must hold the role itself.
 *
 * @example
 * @Delete('orgs/:orgId')
 * @UseGuards(RequireUserGuard)
 * @RequireOrgRole('Owner')
 * remove() { ... }
 */
export function RequireOrgRole(role: string, options: RequireOrgRoleOptions = {}): MethodDecorator & ClassDecorator {
  if (typeof role !== 'string' || role.length === 0) {
    throw new PropelAuthConfigError('@RequireOrgRole(role) needs a non-empty role name');
  }
  const requirement: OrgRoleRequirement = { role, exact: options.exact === true, extractors: checkExtractors(options, 'RequireOrgRole') };
  return SetMetadata(REQUIRE_ORG_ROLE_METADATA, requirement);
}

/**
 * Requires the user to have the permission (or every one of the permissions) in the org.
 *
 * @example
 * @Get('orgs/:orgId/billing')
 * @UseGuards(RequireUserGuard)
 * @RequirePermission('can_view_billing')
 * billing() { ... }
 */
export function RequirePermission(permission: string | readonly string[], options: OrgRequirementOptions = {}): MethodDecorator & ClassDecorator {
  const permissions = typeof permission === 'string' ? [permission] : permission;
  if (!Array.isArray(permissions) || permissions.length === 0 || !permissions.every((p) => typeof p === 'string' && p.length > 0)) {
    throw new PropelAuthConfigError('@RequirePermission() needs a permission name or a non-empty array of them');
  }
  const requirement: PermissionRequirement = { permissions: [...permissions], extractors: checkExtractors(options, 'RequirePermission') };
  return SetMetadata(REQUIRE_PERMISSION_METADATA, requirement);
}

function checkExtractors(options: OrgRequirementOptions, decorator: string): OrgRequirementOptions {
  if (options === null || typeof options !== 'object') {
    throw new PropelAuthConfigError(`@${decorator}() options must be an object`);
  }
  for (const name of ['orgIdExtractor', 'orgNameExtractor'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new PropelAuthConfigError(`@${decorator}() option ${name} must be a function (request) => string | undefined`);
    }
  }
  return { orgIdExtractor: options.orgIdExtractor, orgNameExtractor: options.orgNameExtractor };
}
