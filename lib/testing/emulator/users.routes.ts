import type { EmulatorRouter } from './emulator-router';
import type { EmulatorContext } from './propelauth-emulator';
import { EmulatorInputError, EmulatorNotFoundError } from './emulator-state';
import { wireUser } from './emulator-wire';

const PREFIX = '/api/backend/v1';

/** The user endpoints of the backend API (wire reference section 9.2). */
export function registerUserRoutes(router: EmulatorRouter, { state }: EmulatorContext): void {
  router.add('GET', `${PREFIX}/user/:userId`, ({ params, query }) => {
    const user = state.users.get(params.userId);
    if (!user) throw new EmulatorNotFoundError();
    return { status: 200, body: wireUser(state, user, query.get('include_orgs') === 'true') };
  });

  router.add('POST', `${PREFIX}/user/`, ({ body }) => {
    const request = (body ?? {}) as Record<string, unknown>;
    const user = state.createUser({
      email: stringField(request, 'email') ?? '',
      emailConfirmed: request.email_confirmed === true,
      firstName: stringField(request, 'first_name'),
      lastName: stringField(request, 'last_name'),
      username: stringField(request, 'username'),
      password: stringField(request, 'password'),
      properties: isObject(request.properties) ? request.properties : undefined,
    });
    return { status: 200, body: { user_id: user.userId } };
  });

  router.add('POST', `${PREFIX}/magic_link`, ({ body }) => {
    const request = (body ?? {}) as Record<string, unknown>;
    const email = stringField(request, 'email');
    if (!email || !email.includes('@')) throw new EmulatorInputError({ email: ['Email is invalid'] });
    let user = state.findUserByEmail(email);
    if (!user) {
      if (request.create_new_user_if_one_doesnt_exist === false) throw new EmulatorInputError({ email: ['User not found'] });
      user = state.createUser({ email });
    }
    const url = new URL('/magic-link', 'https://auth.emulator.localhost');
    url.searchParams.set('user', user.userId);
    return { status: 200, body: { url: url.href } };
  });
}

/** A string field of a request body, or undefined; any other type is a 400. */
export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new EmulatorInputError({ [name]: [`${name} must be a string`] });
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
