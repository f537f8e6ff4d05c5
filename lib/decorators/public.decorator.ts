import { SetMetadata } from '@nestjs/common';
import { OPTIONAL_USER_METADATA, PUBLIC_ROUTE_METADATA } from '../propelauth.constants';

/**
 * Opts a route or a controller out of the PropelAuth guards, typically under
 * `globalGuard: true`: no token is read and `@CurrentUser()` is undefined. On a
 * handler it wins over the controller; org decorators on a public route are not enforced.
 *
 * @example
 * @Get('health')
 * @Public()
 * health() { return { ok: true } }
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE_METADATA, true);

/**
 * Makes the user optional on a route or controller guarded by `RequireUserGuard`
 * (or the global guard): with no valid token the request goes on without a user,
 * exactly as under `OptionalUserGuard`.
 *
 * @example
 * @Get('feed')
 * @OptionalUser()
 * feed(@CurrentUser() user?: User) { return user ? personalFeed(user) : publicFeed() }
 */
export const OptionalUser = (): MethodDecorator & ClassDecorator => SetMetadata(OPTIONAL_USER_METADATA, true);
