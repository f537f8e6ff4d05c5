import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getContextAuthState } from '../guards/request-auth';
import type { User } from '../models/user';

/**
 * The factory behind `@CurrentUser()`, exported so it can be unit-tested:
 * the `User` that a PropelAuth guard verified for this request (HTTP), resolver
 * (GraphQL), message (WebSockets, RPC), or undefined.
 */
export function currentUserFactory(_data: unknown, context: ExecutionContext): User | undefined {
  return getContextAuthState(context)?.user;
}

/**
 * Injects the verified `User`. Always set under `RequireUserGuard`; undefined
 * under `OptionalUserGuard` when there is no valid token, and on routes that no
 * PropelAuth guard protects. Works in controllers, GraphQL resolvers,
 * `@SubscribeMessage` handlers and microservice message handlers.
 *
 * @example
 * @Get('whoami')
 * @UseGuards(RequireUserGuard)
 * whoami(@CurrentUser() user: User) { return { userId: user.userId } }
 */
export const CurrentUser: () => ParameterDecorator = createParamDecorator(currentUserFactory);
