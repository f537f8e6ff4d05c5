import { Injectable } from '@nestjs/common';
import { PropelAuthGuard } from './propelauth.guard';

/**
 * Lets the request through only with a valid PropelAuth access token
 * (`Authorization: Bearer <token>`); otherwise 401. Also enforces
 * `@RequireOrgMember`, `@RequireOrgRole` and `@RequirePermission` (403).
 *
 * @example
 * @Controller('api')
 * @UseGuards(RequireUserGuard)
 * export class ApiController {
 *   @Get('whoami') whoami(@CurrentUser() user: User) { return { userId: user.userId } }
 * }
 */
@Injectable()
export class RequireUserGuard extends PropelAuthGuard {
  protected readonly userRequired = true;
}
