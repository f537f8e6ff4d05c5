import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getHttpRequest, getRequestAuthState } from '../guards/request-auth';
import type { OrgMemberInfo } from '../models/org-member-info';

/**
 * The factory behind `@CurrentOrg()`, exported so it can be unit-tested: the
 * `OrgMemberInfo` that an org decorator checked for this request, or undefined.
 */
export function currentOrgFactory(_data: unknown, context: ExecutionContext): OrgMemberInfo | undefined {
  const request = getHttpRequest(context);
  return request === undefined ? undefined : getRequestAuthState(request)?.org;
}

/**
 * Injects the `OrgMemberInfo` of the org that `@RequireOrgMember`,
 * `@RequireOrgRole` or `@RequirePermission` checked (undefined on routes without one).
 *
 * @example
 * @Get('orgs/:orgId')
 * @UseGuards(RequireUserGuard)
 * @RequireOrgMember()
 * org(@CurrentOrg() org: OrgMemberInfo) { return { orgName: org.orgName } }
 */
export const CurrentOrg: () => ParameterDecorator = createParamDecorator(currentOrgFactory);
