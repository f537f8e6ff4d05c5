import { httpOf } from './api-context';
import { PropelAuthFeatureNotEnabledError, PropelAuthNotFoundError } from './propelauth-api.errors';
import { apiPath, expectSuccess, refusalOf } from './propelauth-http.client';
import type {
  AccessToken,
  CreateAccessTokenRequest,
  CreateMagicLinkRequest,
  CreatedUser,
  CreateUserRequest,
  FetchUserMfaMethodsResponse,
  InviteUserToOrgByUserIdRequest,
  InviteUserToOrgRequest,
  MagicLink,
  MigrateUserFromExternalSourceRequest,
  MigrateUserPasswordRequest,
  SocialLoginToken,
  SocialLoginTokenProvider,
  SocialLoginTokensResponse,
  UpdateUserEmailRequest,
  UpdateUserMetadataRequest,
  UpdateUserPasswordRequest,
  UserMetadata,
  UserSignupQueryParams,
  UsersInOrgPagedResponse,
  UsersInOrgQuery,
  UsersPagedResponse,
  UsersQuery,
} from './users.types';
import { bodyOrNullOn404, camelize, isUuid, notFoundWithoutRequest, sendOrFalse } from './wire';

/**
 * User functions of `PropelAuthApiService` (wire reference section 9.2). Mixed
 * into the service: call them on the injected `PropelAuthApiService`.
 *
 * Ids that cannot exist (a user or org id that is not a UUID) get the method's
 * "not found" answer (`null`, `false`, an empty page) without a request.
 */
export class UsersApi {
  /**
   * The user with this id, or `null` if there is none.
   *
   * @example const user = await api.fetchUserMetadataByUserId(userId, true); // with orgIdToOrgInfo
   */
  async fetchUserMetadataByUserId(userId: string, includeOrgs = false): Promise<UserMetadata | null> {
    if (!isUuid(userId)) return null;
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/user/${userId}`, query: { include_orgs: includeOrgs } });
    return bodyOrNullOn404<UserMetadata>(response, 'fetch the user');
  }

  /**
   * The user with this email address (case-insensitive), or `null`.
   *
   * @example const user = await api.fetchUserMetadataByEmail('ada@example.com');
   */
  async fetchUserMetadataByEmail(email: string, includeOrgs = false): Promise<UserMetadata | null> {
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/user/email`, query: { email, include_orgs: includeOrgs } });
    return bodyOrNullOn404<UserMetadata>(response, 'fetch the user by email');
  }

  /**
   * The user with this username, or `null`.
   *
   * @example const user = await api.fetchUserMetadataByUsername('ada', true);
   */
  async fetchUserMetadataByUsername(username: string, includeOrgs = false): Promise<UserMetadata | null> {
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/user/username`, query: { username, include_orgs: includeOrgs } });
    return bodyOrNullOn404<UserMetadata>(response, 'fetch the user by username');
  }

  /**
   * The users with these ids, keyed by user id; unknown ids are simply absent.
   * @throws PropelAuthBadRequestError (e.g. too many ids)
   *
   * @example const byId = await api.fetchBatchUserMetadataByUserIds([a, b]); byId[a]?.email;
   */
  async fetchBatchUserMetadataByUserIds(userIds: string[], includeOrgs = false): Promise<Record<string, UserMetadata>> {
    return fetchBatch(this, 'user_ids', userIds, includeOrgs, (user) => user.userId);
  }

  /**
   * The users with these emails, keyed by email (as PropelAuth stores it: lower case).
   *
   * @example const byEmail = await api.fetchBatchUserMetadataByEmails(['ada@example.com']);
   */
  async fetchBatchUserMetadataByEmails(emails: string[], includeOrgs = false): Promise<Record<string, UserMetadata>> {
    return fetchBatch(this, 'emails', emails, includeOrgs, (user) => user.email);
  }

  /**
   * The users with these usernames, keyed by username.
   *
   * @example const byName = await api.fetchBatchUserMetadataByUsernames(['ada', 'grace']);
   */
  async fetchBatchUserMetadataByUsernames(usernames: string[], includeOrgs = false): Promise<Record<string, UserMetadata>> {
    return fetchBatch(this, 'usernames', usernames, includeOrgs, (user) => user.username ?? '');
  }

  /**
   * One page of the project's users, filtered and sorted.
   * @throws PropelAuthBadRequestError for an invalid page size, page number or order
   *
   * @example const page = await api.fetchUsersByQuery({ emailOrUsername: '@acme.com', pageSize: 50, orderBy: 'CREATED_AT_DESC' });
   */
  async fetchUsersByQuery(query: UsersQuery = {}): Promise<UsersPagedResponse> {
    const response = await httpOf(this).send({
      method: 'GET',
      path: apiPath`/user/query`,
      query: {
        page_size: query.pageSize,
        page_number: query.pageNumber,
        order_by: query.orderBy,
        email_or_username: query.emailOrUsername,
        include_orgs: query.includeOrgs,
        legacy_user_id: query.legacyUserId,
      },
    });
    return camelize<UsersPagedResponse>(expectSuccess(response, 'query users'));
  }

  /**
   * One page of an org's members, each with `roleInOrg`; an org id that is not a UUID gives an empty page.
   * @throws PropelAuthNotFoundError for an unknown org, PropelAuthFeatureNotEnabledError without B2B support
   *
   * @example const { users } = await api.fetchUsersInOrg({ orgId, role: 'Admin' });
   */
  async fetchUsersInOrg(query: UsersInOrgQuery): Promise<UsersInOrgPagedResponse> {
    if (!isUuid(query.orgId)) {
      return { users: [], totalUsers: 0, currentPage: query.pageNumber || 0, pageSize: query.pageSize || 10, hasMoreResults: false };
    }
    const response = await httpOf(this).send({
      method: 'GET',
      path: apiPath`/user/org/${query.orgId}`,
      query: { page_size: query.pageSize, page_number: query.pageNumber, include_orgs: query.includeOrgs, role: query.role },
    });
    return camelize<UsersInOrgPagedResponse>(expectSuccess(response, 'fetch the users in the org'));
  }

  /**
   * The query parameters of the URL the user signed up from (keys as sent), or `null` for an unknown user.
   *
   * @example const params = await api.fetchUserSignupQueryParams(userId); params?.userSignupQueryParameters.utm_source;
   */
  async fetchUserSignupQueryParams(userId: string): Promise<UserSignupQueryParams | null> {
    if (!isUuid(userId)) return null;
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/user/${userId}/signup_query_parameters` });
    return bodyOrNullOn404<UserSignupQueryParams>(response, "fetch the user's signup query parameters");
  }

  /**
   * The user's MFA setup (`mfaSetup: null` when none), or `null` for an unknown user.
   *
   * @example const { mfaSetup } = (await api.fetchUserMfaMethods(userId)) ?? {};
   */
  async fetchUserMfaMethods(userId: string): Promise<FetchUserMfaMethodsResponse | null> {
    if (!isUuid(userId)) return null;
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/user/${userId}/mfa` });
    return bodyOrNullOn404<FetchUserMfaMethodsResponse>(response, "fetch the user's MFA methods");
  }

  /**
   * The OAuth tokens of the user's social logins, by provider, or `null` for an unknown user.
   *
   * @example const tokens = await api.fetchUserOAuthTokens(userId); tokens?.google?.accessToken;
   */
  async fetchUserOAuthTokens(userId: string): Promise<SocialLoginTokensResponse | null> {
    if (!isUuid(userId)) return null;
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/user/${userId}/oauth_token` });
    return bodyOrNullOn404<SocialLoginTokensResponse>(response, "fetch the user's OAuth tokens");
  }

  /**
   * Has PropelAuth refresh the user's OAuth token with the provider and returns the new one;
   * `null` for a user id that is not a UUID.
   * @throws PropelAuthNotFoundError when PropelAuth has no such user or no token from this provider
   *
   * @example const token = await api.fetchFreshTokenFromProvider(userId, 'github');
   */
  async fetchFreshTokenFromProvider(userId: string, provider: SocialLoginTokenProvider): Promise<SocialLoginToken | null> {
    if (!isUuid(userId)) return null;
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/user/${userId}/${provider}/fresh_token` });
    return camelize<SocialLoginToken>(expectSuccess(response, 'fetch a fresh OAuth token'));
  }

  /**
   * Creates a user; resolves to the new user's id.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. an email already taken)
   *
   * @example const { userId } = await api.createUser({ email: 'ada@example.com', firstName: 'Ada' });
   */
  async createUser(request: CreateUserRequest): Promise<CreatedUser> {
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/user/`,
      body: {
        email: request.email,
        email_confirmed: request.emailConfirmed,
        send_email_to_confirm_email_address: request.sendEmailToConfirmEmailAddress,
        password: request.password,
        ask_user_to_update_password_on_login: request.askUserToUpdatePasswordOnLogin,
        ignore_domain_restrictions: request.ignoreDomainRestrictions,
        username: request.username,
        first_name: request.firstName,
        last_name: request.lastName,
        properties: request.properties,
      },
    });
    return camelize<CreatedUser>(expectSuccess(response, 'create the user'));
  }

  /**
   * Updates the given fields of a user; `false` if there is no such user.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. a username already taken)
   *
   * @example await api.updateUserMetadata(userId, { firstName: 'Ada', metadata: { plan: 'pro' } });
   */
  async updateUserMetadata(userId: string, request: UpdateUserMetadataRequest): Promise<boolean> {
    return sendOrFalse(this, [userId], 'update the user', () => ({
      method: 'PUT',
      path: apiPath`/user/${userId}`,
      body: {
        username: request.username,
        first_name: request.firstName,
        last_name: request.lastName,
        picture_url: request.pictureUrl,
        metadata: request.metadata,
        properties: request.properties,
        update_password_required: request.updatePasswordRequired,
        legacy_user_id: request.legacyUserId,
      },
    }));
  }

  /**
   * Changes a user's email (at once, or once confirmed with `requireEmailConfirmation`); `false` if there is no such user.
   * @throws PropelAuthBadRequestError (e.g. the address is taken)
   *
   * @example await api.updateUserEmail(userId, { newEmail: 'ada@new.example', requireEmailConfirmation: true });
   */
  async updateUserEmail(userId: string, request: UpdateUserEmailRequest): Promise<boolean> {
    return sendOrFalse(this, [userId], "update the user's email", () => ({
      method: 'PUT',
      path: apiPath`/user/${userId}/email`,
      body: { new_email: request.newEmail, require_email_confirmation: request.requireEmailConfirmation },
    }));
  }

  /**
   * Sets a user's password; `false` if there is no such user.
   * @throws PropelAuthBadRequestError (e.g. a password that is too weak)
   *
   * @example await api.updateUserPassword(userId, { password: 'correct horse battery', askUserToUpdatePasswordOnLogin: true });
   */
  async updateUserPassword(userId: string, request: UpdateUserPasswordRequest): Promise<boolean> {
    return sendOrFalse(this, [userId], "update the user's password", () => ({
      method: 'PUT',
      path: apiPath`/user/${userId}/password`,
      body: { password: request.password, ask_user_to_update_password_on_login: request.askUserToUpdatePasswordOnLogin },
    }));
  }

  /**
   * Removes a user's password (they log in another way); `false` for a user id that is not a UUID.
   * @throws PropelAuthNotFoundError for an unknown user (as the official library, which throws there)
   *
   * @example await api.clearUserPassword(userId);
   */
  async clearUserPassword(userId: string): Promise<boolean> {
    if (!isUuid(userId)) return false;
    const response = await httpOf(this).send({ method: 'PUT', path: apiPath`/user/${userId}/clear_password` });
    expectSuccess(response, "clear the user's password");
    return true;
  }

  /**
   * Lets the user create orgs; `false` if there is no such user.
   *
   * @example await api.enableUserCanCreateOrgs(userId);
   */
  async enableUserCanCreateOrgs(userId: string): Promise<boolean> {
    return sendOrFalse(this, [userId], 'let the user create orgs', () => ({ method: 'PUT', path: apiPath`/user/${userId}/can_create_orgs/enable` }));
  }

  /**
   * Stops the user from creating orgs; `false` if there is no such user.
   *
   * @example await api.disableUserCanCreateOrgs(userId);
   */
  async disableUserCanCreateOrgs(userId: string): Promise<boolean> {
    return sendOrFalse(this, [userId], 'stop the user creating orgs', () => ({ method: 'PUT', path: apiPath`/user/${userId}/can_create_orgs/disable` }));
  }

  /**
   * Deletes a user; `false` if there is no such user.
   *
   * @example if (!(await api.deleteUser(userId))) console.log('already gone');
   */
  async deleteUser(userId: string): Promise<boolean> {
    return sendOrFalse(this, [userId], 'delete the user', () => ({ method: 'DELETE', path: apiPath`/user/${userId}` }));
  }

  /**
   * Disables a user (they cannot log in, and their sessions end); `false` if there is no such user.
   *
   * @example await api.disableUser(userId);
   */
  async disableUser(userId: string): Promise<boolean> {
    return sendOrFalse(this, [userId], 'disable the user', () => ({ method: 'POST', path: apiPath`/user/${userId}/disable` }));
  }

  /**
   * Enables a disabled user; `false` if there is no such user.
   *
   * @example await api.enableUser(userId);
   */
  async enableUser(userId: string): Promise<boolean> {
    return sendOrFalse(this, [userId], 'enable the user', () => ({ method: 'POST', path: apiPath`/user/${userId}/enable` }));
  }

  /**
   * Turns off the user's MFA; `false` if there is no such user.
   *
   * @example await api.disableUser2fa(userId);
   */
  async disableUser2fa(userId: string): Promise<boolean> {
    return sendOrFalse(this, [userId], "disable the user's 2FA", () => ({ method: 'POST', path: apiPath`/user/${userId}/disable_2fa` }));
  }

  /**
   * Ends every session of the user (their refresh tokens stop working); `false` if there is no such user.
   *
   * @example await api.logoutAllUserSessions(userId);
   */
  async logoutAllUserSessions(userId: string): Promise<boolean> {
    return sendOrFalse(this, [userId], "log out the user's sessions", () => ({ method: 'POST', path: apiPath`/user/${userId}/logout_all_sessions` }));
  }

  /**
   * Sends the user the email-confirmation email again; `false` if there is no such user.
   * @throws PropelAuthRateLimitedError when one was sent too recently, PropelAuthBadRequestError (e.g. already confirmed)
   *
   * @example await api.resendEmailConfirmation(userId);
   */
  async resendEmailConfirmation(userId: string): Promise<boolean> {
    return sendOrFalse(this, [userId], 'resend the email confirmation', () => ({ method: 'POST', path: apiPath`/resend_email_confirmation`, body: { user_id: userId } }));
  }

  /**
   * Invites an email address to an org with a role; `false` for an unknown org (or an org id that is not a UUID).
   * @throws PropelAuthBadRequestError (unknown role, already a member...), PropelAuthFeatureNotEnabledError without B2B support
   *
   * @example await api.inviteUserToOrg({ orgId, email: 'ada@example.com', role: 'Member' });
   */
  async inviteUserToOrg(request: InviteUserToOrgRequest): Promise<boolean> {
    return sendOrFalse(this, [request.orgId], 'invite the user to the org', () => ({
      method: 'POST',
      path: apiPath`/invite_user`,
      body: { org_id: request.orgId, email: request.email, role: request.role, additional_roles: request.additionalRoles ?? [] },
    }));
  }

  /**
   * Invites an existing user to an org with a role; `false` for an unknown user or org (or ids that are not UUIDs).
   * @throws PropelAuthBadRequestError (unknown role, already a member...), PropelAuthFeatureNotEnabledError without B2B support
   *
   * @example await api.inviteUserToOrgByUserId({ orgId, userId, role: 'Admin' });
   */
  async inviteUserToOrgByUserId(request: InviteUserToOrgByUserIdRequest): Promise<boolean> {
    return sendOrFalse(this, [request.orgId, request.userId], 'invite the user to the org', () => ({
      method: 'POST',
      path: apiPath`/invite_user_by_id`,
      body: { org_id: request.orgId, user_id: request.userId, role: request.role, additional_roles: request.additionalRoles ?? [] },
    }));
  }

  /**
   * Creates a magic link that logs the user in (optionally creating the user).
   *
   * @example const { url } = await api.createMagicLink({ email: 'ada@example.com', expiresInHours: 24 });
   */
  async createMagicLink(request: CreateMagicLinkRequest): Promise<MagicLink> {
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/magic_link`,
      body: {
        email: request.email,
        redirect_to_url: request.redirectToUrl,
        expires_in_hours: request.expiresInHours,
        create_new_user_if_one_doesnt_exist: request.createNewUserIfOneDoesntExist,
        expire_after_first_use: request.expiresAfterFirstUse,
        requires_interstitial: request.requiresInterstitial,
        user_signup_query_parameters: request.userSignupQueryParameters,
      },
    });
    const body = expectSuccess(response, 'create the magic link') as { url: string };
    return { url: body.url };
  }

  /**
   * Issues an access token for a user (for tests, scripts, service calls on a user's behalf).
   * @throws PropelAuthNotFoundError for an unknown user (or a user id that is not a UUID, without a request),
   *   PropelAuthFeatureNotEnabledError when access token creation is not enabled, PropelAuthBadRequestError
   *
   * @example const { accessToken } = await api.createAccessToken({ userId, durationInMinutes: 10 });
   */
  async createAccessToken(request: CreateAccessTokenRequest): Promise<AccessToken> {
    const path = apiPath`/access_token`;
    if (!isUuid(request.userId)) {
      throw notFoundWithoutRequest('POST', path, 'PropelAuth has no such user: the userId is not a valid user id (a UUID)', 'invalid_user_id');
    }
    const response = await httpOf(this).send({
      method: 'POST',
      path,
      body: { user_id: request.userId, duration_in_minutes: request.durationInMinutes, active_org_id: request.activeOrgId },
    });
    // PropelAuth answers an unknown user with 403, and a project without the feature with 404.
    const { details } = refusalOf(response, 'create the access token');
    if (response.status === 403) throw new PropelAuthNotFoundError('PropelAuth has no such user to create an access token for', details);
    if (response.status === 404) throw new PropelAuthFeatureNotEnabledError('Access token creation is not enabled for this project (PropelAuth dashboard)', details);
    const body = expectSuccess(response, 'create the access token') as { access_token: string };
    return { accessToken: body.access_token };
  }

  /**
   * Imports a user from another system (password hash and TOTP secret included); resolves to the new user's id.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. an email already taken)
   *
   * @example const { userId } = await api.migrateUserFromExternalSource({ email, emailConfirmed: true, existingUserId: 'legacy-42', existingPasswordHash: bcryptHash });
   */
  async migrateUserFromExternalSource(request: MigrateUserFromExternalSourceRequest): Promise<CreatedUser> {
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/migrate_user/`,
      body: {
        email: request.email,
        email_confirmed: request.emailConfirmed,
        existing_user_id: request.existingUserId,
        existing_password_hash: request.existingPasswordHash,
        existing_mfa_base32_encoded_secret: request.existingMfaBase32EncodedSecret,
        update_password_required: request.askUserToUpdatePasswordOnLogin,
        enabled: request.enabled,
        first_name: request.firstName,
        last_name: request.lastName,
        username: request.username,
        picture_url: request.pictureUrl,
        properties: request.properties,
      },
    });
    return camelize<CreatedUser>(expectSuccess(response, 'migrate the user'));
  }

  /**
   * Sets a user's password from a hash made by another system; `false` for a user id that is not a UUID.
   * @throws PropelAuthBadRequestError (e.g. an unsupported hash), PropelAuthNotFoundError for an unknown user
   *
   * @example await api.migrateUserPassword({ userId, passwordHash: '$2b$10$...' });
   */
  async migrateUserPassword(request: MigrateUserPasswordRequest): Promise<boolean> {
    if (!isUuid(request.userId)) return false;
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/migrate_user/password`,
      body: { user_id: request.userId, password_hash: request.passwordHash },
    });
    expectSuccess(response, "migrate the user's password");
    return true;
  }
}

/** A batch fetch: PropelAuth answers an array, re-keyed here as the official library does. */
async function fetchBatch(
  api: object,
  field: 'user_ids' | 'emails' | 'usernames',
  values: string[],
  includeOrgs: boolean,
  keyOf: (user: UserMetadata) => string,
): Promise<Record<string, UserMetadata>> {
  const response = await httpOf(api).send({
    method: 'POST',
    path: apiPath`/user/${field}`,
    query: { include_orgs: includeOrgs ? true : undefined },
    body: { [field]: values },
  });
  const users = camelize<UserMetadata[]>(expectSuccess(response, 'fetch the users'));
  const result: Record<string, UserMetadata> = {};
  // defineProperty: a username such as "__proto__" is a key like any other.
  for (const user of Array.isArray(users) ? users : []) Object.defineProperty(result, keyOf(user), { value: user, enumerable: true, writable: true, configurable: true });
  return result;
}
