import { Injectable } from '@nestjs/common';
import { PropelAuthGuard } from './propelauth.guard';

/**
 * Verifies the access token if there is one; with no token or an invalid one
 * the request goes on and `@CurrentUser()` is undefined. Org decorators on the
 * route still need a user (401 without one, 403 if the user fails them).
 *
 * @example
 * @Get('whoami_optional')
 * @UseGuards(OptionalUserGuard)
 * whoamiOptional(@CurrentUser() user?: User) { return user ? { userId: user.userId } : {} }
 */
@Injectable()
export class OptionalUserGuard extends PropelAuthGuard {
  protected readonly userRequired = false;
}
