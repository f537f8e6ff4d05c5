import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getContextAuthState } from '../guards/request-auth';
import type { OrgMemberInfo } from '../models/org-member-info';

/**
 * The factory behind `@CurrentOrg()`, exported so it can be unit-tested: the
 * `OrgMemberInfo` that an org decorator checked for this request, or undefined.
 */
export function currentOrgFactory(_data: unknown, context: ExecutionContext): OrgMemberInfo | undefined {
  return getContextAuthState(context)?.org;
}

/**
 * Injects the `OrgMemberInfo` of the org that `@RequireOrgMember`,
 * `@RequireOrgRole` or `@RequirePermission` checked (undefined on routes without one),
 * for this request, or on GraphQL this resolver, on WebSockets and RPC this message.
 *
 * @example
 * @Get('orgs/:orgId')
 * @UseGuards(RequireUserGuard)
 * @RequireOrgMember()
 * org(@CurrentOrg() org: OrgMemberInfo) { return { orgName: org.orgName } }
 */
export const CurrentOrg: () => ParameterDecorator = createParamDecorator(currentOrgFactory);
