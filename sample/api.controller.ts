import { Controller, Get, UseGuards } from '@nestjs/common';
import {
  CurrentOrg,
  CurrentUser,
  OptionalUserGuard,
  RequireOrgMember,
  RequireOrgRole,
  RequirePermission,
  RequireUserGuard,
  type OrgMemberInfo,
  type User,
} from 'propelauth-nestjs';

/** The routes of the propelauth_flask guide, the NestJS way. */
@Controller('api')
export class ApiController {
  /** Any logged-in user. */
  @Get('whoami')
  @UseGuards(RequireUserGuard)
  whoami(@CurrentUser() user: User) {
    return { user_id: user.userId, email: user.email };
  }

  /** Logged in or not: `user` is undefined without a valid token. */
  @Get('whoami_optional')
  @UseGuards(OptionalUserGuard)
  whoamiOptional(@CurrentUser() user?: User) {
    return user ? { user_id: user.userId } : {};
  }

  /** Members of the org in the URL. */
  @Get('org/:orgId')
  @UseGuards(RequireUserGuard)
  @RequireOrgMember()
  orgMembership(@CurrentOrg() org: OrgMemberInfo) {
    return { message: `You are in org ${org.orgName}`, role: org.userAssignedRole };
  }

  /** Owners of the org only. */
  @Get('org/:orgId/owner')
  @UseGuards(RequireUserGuard)
  @RequireOrgRole('Owner')
  orgOwner(@CurrentOrg() org: OrgMemberInfo) {
    return { message: `You are an Owner of ${org.orgName}` };
  }

  /** Whoever holds the can_view_billing permission in the org. */
  @Get('org/:orgId/billing')
  @UseGuards(RequireUserGuard)
  @RequirePermission('can_view_billing')
  orgBilling(@CurrentOrg() org: OrgMemberInfo) {
    return { message: `You can view billing information for org ${org.orgName}` };
  }
}
