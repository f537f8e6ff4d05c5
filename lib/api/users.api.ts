import { httpOf } from './api-context';
import { apiPath, expectSuccess } from './propelauth-http.client';
import type { CreateMagicLinkRequest, CreateUserRequest, MagicLink, UserMetadata } from './users.types';
import { bodyOrNullOn404, camelize, isUuid } from './wire';

/**
 * User functions of `PropelAuthApiService` (wire reference section 9.2). Mixed
 * into the service: call them on the injected `PropelAuthApiService`.
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
   * Creates a user; resolves to the new user's id.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. an email already taken)
   *
   * @example const { userId } = await api.createUser({ email: 'ada@example.com', firstName: 'Ada' });
   */
  async createUser(request: CreateUserRequest): Promise<{ userId: string }> {
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
    return camelize<{ userId: string }>(expectSuccess(response, 'create the user'));
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
}
