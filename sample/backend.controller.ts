import { BadGatewayException, BadRequestException, Body, Controller, Get, Param, Post, UseGuards } from '@nestjs/common';
import {
  PropelAuthApiError,
  PropelAuthApiService,
  PropelAuthBadRequestError,
  RequireOrgMember,
  RequirePermission,
  RequireUserGuard,
} from 'propelauth-nestjs';

/** Routes that call PropelAuth's backend API through the injected PropelAuthApiService. */
@Controller('api')
@UseGuards(RequireUserGuard)
export class BackendController {
  constructor(private readonly propelAuth: PropelAuthApiService) {}

  /** Creates a magic link for an email (any logged-in user may, in this sample). */
  @Post('magic_link')
  async createMagicLink(@Body() body: { email?: unknown } | undefined) {
    const email = body?.email;
    if (typeof email !== 'string' || email.length === 0) {
      throw new BadRequestException('Send a JSON body { "email": "..." }');
    }
    const { url } = await this.call(() => this.propelAuth.createMagicLink({ email, expiresInHours: 24 }));
    return { url };
  }

  /** Lists the members of the org, for members allowed to see the others. */
  @Get('org/:orgId/members')
  @RequireOrgMember()
  @RequirePermission('propelauth::can_view_other_members')
  async listMembers(@Param('orgId') orgId: string) {
    const page = await this.call(() => this.propelAuth.fetchUsersInOrg({ orgId, pageSize: 100 }));
    return {
      totalUsers: page.totalUsers,
      members: page.users.map((user) => ({ userId: user.userId, email: user.email, role: user.roleInOrg })),
    };
  }

  /** PropelAuth's 400s are the caller's mistakes; any other failure is PropelAuth's, so a 502. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof PropelAuthBadRequestError) throw new BadRequestException({ statusCode: 400, message: 'Invalid request', errors: error.fieldToErrors });
      if (error instanceof PropelAuthApiError) throw new BadGatewayException(`PropelAuth could not complete the request (${error.status || error.code})`);
      throw error;
    }
  }
}
