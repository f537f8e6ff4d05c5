import { randomBytes } from 'node:crypto';
import type { EmulatorRouter } from './emulator-router';
import type { EmulatorContext } from './propelauth-emulator';
import { EmulatorHttpError, EmulatorInputError, EmulatorNotFoundError, type CreateEmulatorUser, type EmulatorOrg, type EmulatorUser } from './emulator-state';
import { dropUndefined, wireUser } from './emulator-wire';
import { emailOf, isObject, objectBody, optionalBoolean, optionalObject, optionalString, optionalStringArray, pageOf, pagingParams, requiredString, stringArray } from './emulator-fields';
import { OAUTH_PROVIDERS, UserStore, type EmulatorMfaSetup, type EmulatorOAuthProvider, type EmulatorOAuthToken } from './users.store';

const PREFIX = '/api/backend/v1';
const MAX_PAGE_SIZE = 100;
const MAX_BATCH = 100;
const MIN_PASSWORD_LENGTH = 8;
/** A second confirmation email to the same user within this time is refused with a 429. */
const CONFIRMATION_EMAIL_COOLDOWN_SECONDS = 60;
const INVITE_LIFETIME_SECONDS = 7 * 24 * 3600;
const ORDERS = ['CREATED_AT_ASC', 'CREATED_AT_DESC', 'LAST_ACTIVE_AT_ASC', 'LAST_ACTIVE_AT_DESC', 'EMAIL', 'USERNAME'] as const;

/** The user endpoints of the backend API (wire reference section 9.2). */
export function registerUserRoutes(router: EmulatorRouter, { state, authUrl }: EmulatorContext): void {
  const store = () => state.store(UserStore);
  const userOr404 = (userId: string): EmulatorUser => {
    const user = state.users.get(userId);
    if (!user) throw new EmulatorNotFoundError();
    return user;
  };
  const ok = (body: unknown = {}) => ({ status: 200, body });

  // --- reading users -------------------------------------------------------
  router.add('GET', `${PREFIX}/user/:userId`, ({ params, query }) => ok(wireUser(state, userOr404(params.userId), query.get('include_orgs') === 'true')));

  router.add('GET', `${PREFIX}/user/email`, ({ query }) => {
    const user = state.findUserByEmail(requiredParam(query, 'email'));
    if (!user) throw new EmulatorNotFoundError();
    return ok(wireUser(state, user, query.get('include_orgs') === 'true'));
  });

  router.add('GET', `${PREFIX}/user/username`, ({ query }) => {
    const user = state.findUserByUsername(requiredParam(query, 'username'));
    if (!user) throw new EmulatorNotFoundError();
    return ok(wireUser(state, user, query.get('include_orgs') === 'true'));
  });

  const batch = (field: 'user_ids' | 'emails' | 'usernames', find: (value: string) => EmulatorUser | undefined) =>
    router.add('POST', `${PREFIX}/user/${field}`, ({ body, query }) => {
      const values = stringArray(objectBody(body), field);
      if (values.length > MAX_BATCH) throw new EmulatorInputError({ [field]: [`At most ${MAX_BATCH} ${field} per request`] });
      const found = new Set<EmulatorUser>();
      for (const value of values) {
        const user = find(value);
        if (user) found.add(user);
      }
      return ok([...found].map((user) => wireUser(state, user, query.get('include_orgs') === 'true')));
    });
  batch('user_ids', (id) => state.users.get(id));
  batch('emails', (email) => state.findUserByEmail(email));
  batch('usernames', (username) => state.findUserByUsername(username));

  router.add('GET', `${PREFIX}/user/query`, ({ query }) => {
    const { pageSize, pageNumber } = pagingParams(query, MAX_PAGE_SIZE);
    const orderBy = query.get('order_by') ?? 'CREATED_AT_ASC';
    if (!(ORDERS as readonly string[]).includes(orderBy)) throw new EmulatorInputError({ order_by: [`order_by must be one of ${ORDERS.join(', ')}`] });
    const needle = query.get('email_or_username')?.toLowerCase();
    const legacyUserId = query.get('legacy_user_id');
    const users = sortUsers([...state.users.values()], orderBy as (typeof ORDERS)[number]).filter(
      (user) =>
        (!needle || user.email.includes(needle) || (user.username?.toLowerCase().includes(needle) ?? false)) &&
        (legacyUserId === null || user.legacyUserId === legacyUserId),
    );
    const includeOrgs = query.get('include_orgs') === 'true';
    return ok(pageOf(users, pageSize, pageNumber, 'users', (user) => wireUser(state, user, includeOrgs)));
  });

  router.add('GET', `${PREFIX}/user/org/:orgId`, ({ params, query }) => {
    state.requireOrganizations();
    const members = state.memberships.get(params.orgId);
    if (!members) throw new EmulatorNotFoundError();
    const { pageSize, pageNumber } = pagingParams(query, MAX_PAGE_SIZE);
    const role = query.get('role');
    const users = sortUsers([...state.users.values()], 'CREATED_AT_ASC').filter((user) => {
      const membership = members.get(user.userId);
      return membership !== undefined && (role === null || membership.role === role || membership.additionalRoles.includes(role));
    });
    const includeOrgs = query.get('include_orgs') === 'true';
    return ok(
      pageOf(users, pageSize, pageNumber, 'users', (user) => {
        const membership = members.get(user.userId)!;
        return { ...wireUser(state, user, includeOrgs), role_in_org: membership.role, additional_roles_in_org: membership.additionalRoles };
      }),
    );
  });

  router.add('GET', `${PREFIX}/user/:userId/signup_query_parameters`, ({ params }) => {
    userOr404(params.userId);
    return ok({ user_signup_query_parameters: store().signupQueryParameters.get(params.userId) ?? {} });
  });

  router.add('GET', `${PREFIX}/user/:userId/mfa`, ({ params }) => {
    userOr404(params.userId);
    return ok({ mfa_setup: wireMfa(store().mfa.get(params.userId)) });
  });

  router.add('GET', `${PREFIX}/user/:userId/oauth_token`, ({ params }) => {
    userOr404(params.userId);
    const tokens = store().oauthTokens.get(params.userId) ?? new Map<EmulatorOAuthProvider, EmulatorOAuthToken>();
    return ok(Object.fromEntries([...tokens].map(([provider, token]) => [provider, wireOAuthToken(provider, token)])));
  });

  router.add('GET', `${PREFIX}/user/:userId/:provider/fresh_token`, ({ params }) => {
    userOr404(params.userId);
    const provider = params.provider as EmulatorOAuthProvider;
    if (!OAUTH_PROVIDERS.includes(provider)) throw new EmulatorInputError({ provider: [`Unknown provider ${params.provider}`] });
    const token = store().oauthTokens.get(params.userId)?.get(provider);
    if (!token) throw new EmulatorNotFoundError();
    token.accessToken = `emulator-${provider}-${randomBytes(12).toString('hex')}`;
    token.tokenExpiration = now() + 3600;
    return ok(wireOAuthToken(provider, token));
  });

  // --- creating users ------------------------------------------------------
  router.add('POST', `${PREFIX}/user/`, ({ body }) => {
    const request = objectBody(body);
    const askToUpdate = optionalBoolean(request, 'ask_user_to_update_password_on_login');
    const user = state.createUser({ ...profileFields(request), password: optionalString(request, 'password') });
    user.updatePasswordRequired = askToUpdate === true;
    return ok({ user_id: user.userId });
  });

  router.add('POST', `${PREFIX}/magic_link`, ({ body }) => {
    const request = objectBody(body);
    const email = emailOf(optionalString(request, 'email'), 'email');
    let user = state.findUserByEmail(email);
    if (!user) {
      if (request.create_new_user_if_one_doesnt_exist === false) throw new EmulatorInputError({ email: ['User not found'] });
      user = state.createUser({ email });
      const params = request.user_signup_query_parameters;
      if (isObject(params)) store().signupQueryParameters.set(user.userId, Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value)])));
    }
    const url = new URL('/magic-link', authUrl);
    url.searchParams.set('user', user.userId);
    return ok({ url: url.href });
  });

  router.add('POST', `${PREFIX}/migrate_user/`, ({ body }) => {
    const request = objectBody(body);
    const hash = passwordHash(request, 'existing_password_hash', false);
    const secret = optionalString(request, 'existing_mfa_base32_encoded_secret');
    if (secret !== undefined && !/^[A-Z2-7]+=*$/i.test(secret)) throw new EmulatorInputError({ existing_mfa_base32_encoded_secret: ['Not a base32 secret'] });
    const legacyUserId = optionalString(request, 'existing_user_id');
    if (legacyUserId !== undefined && [...state.users.values()].some((user) => user.legacyUserId === legacyUserId)) {
      throw new EmulatorInputError({ existing_user_id: ['A user with this existing_user_id was already migrated'] });
    }
    const enabled = optionalBoolean(request, 'enabled');
    const updatePasswordRequired = optionalBoolean(request, 'update_password_required');
    const pictureUrl = optionalString(request, 'picture_url');
    const user = state.createUser({ ...profileFields(request), legacyUserId });
    Object.assign(user, { enabled: enabled ?? true, updatePasswordRequired: updatePasswordRequired ?? false, pictureUrl, hasPassword: hash !== undefined });
    if (hash !== undefined) store().passwordHashes.set(user.userId, hash);
    if (secret !== undefined) store().setMfa(user, { type: 'Totp', base32Secret: secret });
    return ok({ user_id: user.userId });
  });

  router.add('POST', `${PREFIX}/migrate_user/password`, ({ body }) => {
    const request = objectBody(body);
    const user = userOr404(optionalString(request, 'user_id') ?? '');
    store().passwordHashes.set(user.userId, passwordHash(request, 'password_hash', true)!);
    user.hasPassword = true;
    return ok();
  });

  // --- changing users ------------------------------------------------------
  router.add('PUT', `${PREFIX}/user/:userId`, ({ params, body }) => {
    const user = userOr404(params.userId);
    const request = objectBody(body);
    const username = optionalString(request, 'username');
    if (username !== undefined) {
      const holder = state.findUserByUsername(username);
      if (holder && holder !== user) throw new EmulatorInputError({ username: ['Username already exists'] });
    }
    const metadata = optionalObject(request, 'metadata');
    const properties = optionalObject(request, 'properties');
    const changes = dropUndefined({
      username,
      firstName: optionalString(request, 'first_name'),
      lastName: optionalString(request, 'last_name'),
      pictureUrl: optionalString(request, 'picture_url'),
      updatePasswordRequired: optionalBoolean(request, 'update_password_required'),
      legacyUserId: optionalString(request, 'legacy_user_id'),
      metadata,
    });
    Object.assign(user, changes);
    if (properties !== undefined) user.properties = { ...user.properties, ...properties };
    return ok();
  });

  router.add('PUT', `${PREFIX}/user/:userId/email`, ({ params, body }) => {
    const user = userOr404(params.userId);
    const request = objectBody(body);
    const newEmail = emailOf(optionalString(request, 'new_email'), 'new_email');
    const holder = state.findUserByEmail(newEmail);
    if (holder && holder !== user) throw new EmulatorInputError({ new_email: ['Email already exists'] });
    if (optionalBoolean(request, 'require_email_confirmation') === true) {
      store().pendingEmailChanges.set(user.userId, newEmail); // takes effect once the user confirms it
    } else {
      Object.assign(user, { email: newEmail, emailConfirmed: true });
      store().pendingEmailChanges.delete(user.userId);
    }
    return ok();
  });

  router.add('PUT', `${PREFIX}/user/:userId/password`, ({ params, body }) => {
    const user = userOr404(params.userId);
    const request = objectBody(body);
    const password = optionalString(request, 'password');
    if (password === undefined || password.length < MIN_PASSWORD_LENGTH) {
      throw new EmulatorInputError({ password: [`Password must be at least ${MIN_PASSWORD_LENGTH} characters`] });
    }
    Object.assign(user, { hasPassword: true, updatePasswordRequired: optionalBoolean(request, 'ask_user_to_update_password_on_login') === true });
    store().passwordHashes.delete(user.userId);
    return ok();
  });

  const userAction = (method: string, suffix: string, apply: (user: EmulatorUser) => void) =>
    router.add(method, `${PREFIX}/user/:userId${suffix}`, ({ params }) => {
      apply(userOr404(params.userId));
      return ok();
    });
  userAction('PUT', '/clear_password', (user) => {
    user.hasPassword = false;
    store().passwordHashes.delete(user.userId);
  });
  userAction('PUT', '/can_create_orgs/enable', (user) => (user.canCreateOrgs = true));
  userAction('PUT', '/can_create_orgs/disable', (user) => (user.canCreateOrgs = false));
  userAction('POST', '/disable', (user) => {
    user.enabled = false;
    store().sessionsEndedAt.set(user.userId, now());
  });
  userAction('POST', '/enable', (user) => (user.enabled = true));
  userAction('POST', '/disable_2fa', (user) => store().clearMfa(user));
  userAction('POST', '/logout_all_sessions', (user) => store().sessionsEndedAt.set(user.userId, now()));
  userAction('DELETE', '', (user) => {
    state.users.delete(user.userId);
    for (const members of state.memberships.values()) members.delete(user.userId);
    store().forget(user.userId);
  });

  router.add('POST', `${PREFIX}/resend_email_confirmation`, ({ body }) => {
    const user = userOr404(optionalString(objectBody(body), 'user_id') ?? '');
    if (user.emailConfirmed && !store().pendingEmailChanges.has(user.userId)) throw new EmulatorInputError({ user_id: ['The email address is already confirmed'] });
    const last = store().confirmationEmailsSentAt.get(user.userId);
    const waitSeconds = last === undefined ? 0 : Math.ceil(CONFIRMATION_EMAIL_COOLDOWN_SECONDS - (Date.now() - last) / 1000);
    if (waitSeconds > 0) {
      throw new EmulatorHttpError(429, {
        error_code: 'rate_limit_exceeded',
        user_facing_error: `A confirmation email was sent recently. Try again in ${waitSeconds} seconds.`,
        wait_seconds: waitSeconds,
      });
    }
    store().confirmationEmailsSentAt.set(user.userId, Date.now());
    return ok();
  });

  // --- invitations (the entries of state.pendingInvites) -------------------
  const invite = (org: EmulatorOrg, email: string, request: Record<string, unknown>, emailField: string) => {
    const role = requiredString(request, 'role');
    const additional = optionalStringArray(request, 'additional_roles') ?? [];
    state.requireRoles(role, additional);
    const member = state.findUserByEmail(email);
    if (member && state.memberships.get(org.orgId)?.has(member.userId)) throw new EmulatorInputError({ [emailField]: ['The user is already a member of this org'] });
    const existing = state.pendingInvites.findIndex((entry) => entry.orgId === org.orgId && entry.inviteeEmail === email);
    if (existing !== -1) state.pendingInvites.splice(existing, 1); // inviting again renews the invitation
    const createdAt = now();
    state.pendingInvites.push({ inviteeEmail: email, orgId: org.orgId, role, additionalRoles: additional, createdAt, expiresAt: createdAt + INVITE_LIFETIME_SECONDS });
    return ok();
  };

  router.add('POST', `${PREFIX}/invite_user`, ({ body }) => {
    state.requireOrganizations();
    const request = objectBody(body);
    const org = state.orgs.get(optionalString(request, 'org_id') ?? '');
    if (!org) throw new EmulatorNotFoundError();
    const email = emailOf(optionalString(request, 'email'), 'email');
    return invite(org, email, request, 'email');
  });

  router.add('POST', `${PREFIX}/invite_user_by_id`, ({ body }) => {
    state.requireOrganizations();
    const request = objectBody(body);
    const org = state.orgs.get(optionalString(request, 'org_id') ?? '');
    if (!org) throw new EmulatorNotFoundError();
    return invite(org, userOr404(optionalString(request, 'user_id') ?? '').email, request, 'user_id');
  });
}

/** The profile fields that `POST /user/` and `POST /migrate_user/` share, from the snake_case body. */
function profileFields(request: Record<string, unknown>): CreateEmulatorUser {
  return {
    email: optionalString(request, 'email') ?? '',
    emailConfirmed: request.email_confirmed === true,
    firstName: optionalString(request, 'first_name'),
    lastName: optionalString(request, 'last_name'),
    username: optionalString(request, 'username'),
    properties: isObject(request.properties) ? request.properties : undefined,
  };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function requiredParam(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (!value) throw new EmulatorInputError({ [name]: [`${name} is required`] });
  return value;
}

/** Sorted as asked; ties (users created in the same second) keep the order of creation. */
function sortUsers(users: EmulatorUser[], orderBy: (typeof ORDERS)[number]): EmulatorUser[] {
  const text = (a: string | undefined, b: string | undefined) => (a === b ? 0 : a === undefined ? 1 : b === undefined ? -1 : a < b ? -1 : 1);
  const compare: Record<(typeof ORDERS)[number], (a: EmulatorUser, b: EmulatorUser) => number> = {
    CREATED_AT_ASC: (a, b) => a.createdAt - b.createdAt,
    CREATED_AT_DESC: (a, b) => b.createdAt - a.createdAt,
    LAST_ACTIVE_AT_ASC: (a, b) => a.lastActiveAt - b.lastActiveAt,
    LAST_ACTIVE_AT_DESC: (a, b) => b.lastActiveAt - a.lastActiveAt,
    EMAIL: (a, b) => text(a.email, b.email),
    USERNAME: (a, b) => text(a.username, b.username),
  };
  const indexed = users.map((user, index) => ({ user, index }));
  const descending = orderBy.endsWith('_DESC');
  indexed.sort((a, b) => compare[orderBy](a.user, b.user) || (descending ? b.index - a.index : a.index - b.index));
  return indexed.map(({ user }) => user);
}

function wireMfa(setup: EmulatorMfaSetup | undefined): Record<string, unknown> | null {
  if (setup === undefined) return null;
  if (setup.type === 'Totp') return { type: 'Totp' };
  return { type: 'Phone', phone_numbers: setup.phoneNumbers.map((phone) => ({ mfa_phone_number_suffix: phone.suffix, mfa_phone_id: phone.phoneId })) };
}

function wireOAuthToken(provider: EmulatorOAuthProvider, token: EmulatorOAuthToken): Record<string, unknown> {
  return dropUndefined({
    access_token: token.accessToken,
    refresh_token: token.refreshToken,
    token_provider: provider,
    token_expiration: token.tokenExpiration,
    authorized_scopes: token.authorizedScopes,
  });
}

/** A password hash in modular crypt / PHC form (`$2b$10$...`, `$argon2id$...`, `pbkdf2_sha256$...`). */
function passwordHash(request: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const hash = optionalString(request, field);
  if (hash === undefined && !required) return undefined;
  if (hash === undefined || !/^[^\s$]*\$\S+$/.test(hash)) throw new EmulatorInputError({ [field]: ['Unsupported password hash format'] });
  return hash;
}
