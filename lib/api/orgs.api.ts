import { httpOf } from './api-context';
import { apiPath, expectSuccess, reportedPath } from './propelauth-http.client';
import type {
  AddUserToOrgRequest,
  ChangeUserRoleInOrgRequest,
  CreateOrgRequest,
  CreatedOrg,
  CreateSamlConnectionLinkResponse,
  CustomRoleMappings,
  FetchPendingInvitesParams,
  FetchSamlSpMetadataResponse,
  Organization,
  OrgQuery,
  OrgQueryResponse,
  PendingInvitesPage,
  RemoveUserFromOrgRequest,
  RevokePendingOrgInviteRequest,
  SetOidcIdpMetadataRequest,
  SetSamlIdpMetadataRequest,
  UpdateOrgRequest,
} from './orgs.types';
import { bodyOrNullOn404, camelize, invalidOrgId, isUuid, sendOrFalse } from './wire';

/**
 * Organization functions (section 9.3) of `PropelAuthApiService`. Mixed into the service: call them on the
 * injected `PropelAuthApiService`.
 *
 * Every one of them rejects with `PropelAuthFeatureNotEnabledError` (426) when the project has no B2B
 * support. An org or user id that is not a UUID cannot exist: such a call sends no request and answers
 * what a 404 answers (`null`, `false`, an empty page, or `PropelAuthNotFoundError`).
 */
export class OrgsApi {
  /**
   * The org with this id, or `null` if there is none.
   *
   * @example const org = await api.fetchOrg(orgId); // org?.name, org?.metadata
   */
  async fetchOrg(orgId: string): Promise<Organization | null> {
    if (!isUuid(orgId)) return null;
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/org/${orgId}` });
    return bodyOrNullOn404<Organization>(response, 'fetch the org');
  }

  /**
   * One page of orgs, filtered and ordered. Unlike the official library (which leaves most keys of
   * this answer snake_case), every key is camelCase, as the declared `OrgQueryResponse` says.
   * @throws PropelAuthBadRequestError for an invalid query (e.g. a page size out of range)
   *
   * @example const { orgs, hasMoreResults } = await api.fetchOrgByQuery({ name: 'acme', orderBy: 'NAME', pageSize: 50 });
   */
  async fetchOrgByQuery(query: OrgQuery = {}): Promise<OrgQueryResponse> {
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/org/query`,
      body: {
        page_size: query.pageSize,
        page_number: query.pageNumber,
        order_by: query.orderBy,
        name: query.name,
        legacy_org_id: query.legacyOrgId,
        domain: query.domain,
      },
    });
    const page = camelize<OrgQueryResponse>(expectSuccess(response, 'query orgs'));
    // Some PropelAuth answers name the org `org_name` (the official client reads both, `org_name` first).
    if (!Array.isArray(page.orgs)) return page;
    page.orgs = page.orgs.map((org) => {
      const { orgName, ...rest } = org as typeof org & { orgName?: string };
      return orgName === undefined ? org : { ...rest, name: orgName };
    });
    return page;
  }

  /**
   * The project's custom role mappings, with how many orgs use each.
   *
   * @example const { customRoleMappings } = await api.fetchCustomRoleMappings();
   */
  async fetchCustomRoleMappings(): Promise<CustomRoleMappings> {
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/custom_role_mappings` });
    return camelize<CustomRoleMappings>(expectSuccess(response, 'fetch the custom role mappings'));
  }

  /**
   * One page of the invitations not accepted yet, of one org or of all. An `orgId` that is given but
   * is not a UUID gives an empty page without a request (the official library would send it, and an
   * empty `orgId` would list the invitations of every org).
   *
   * @example const { invites, totalInvites } = await api.fetchPendingInvites({ orgId, pageSize: 20 });
   */
  async fetchPendingInvites(params: FetchPendingInvitesParams = {}): Promise<PendingInvitesPage> {
    if (params.orgId !== undefined && params.orgId !== null && !isUuid(params.orgId)) {
      return { totalInvites: 0, currentPage: params.pageNumber || 0, pageSize: params.pageSize || 10, hasMoreResults: false, invites: [] };
    }
    const response = await httpOf(this).send({
      method: 'GET',
      path: apiPath`/pending_org_invites`,
      // Like the official library: each parameter only when truthy (page 0 is the default anyway).
      query: { org_id: params.orgId || undefined, page_size: params.pageSize || undefined, page_number: params.pageNumber || undefined },
    });
    return camelize<PendingInvitesPage>(expectSuccess(response, 'fetch the pending invites'));
  }

  /**
   * Revokes the invitation of this email to this org; `false` if there is no such invitation or org.
   * @throws PropelAuthBadRequestError with `fieldToErrors`
   *
   * @example await api.revokePendingOrgInvite({ inviteeEmail: 'ada@example.com', orgId });
   */
  async revokePendingOrgInvite(request: RevokePendingOrgInviteRequest): Promise<boolean> {
    return sendOrFalse(this, [request.orgId], 'revoke the pending invite', () => ({
      method: 'DELETE',
      path: apiPath`/pending_org_invites`,
      body: { invitee_email: request.inviteeEmail, org_id: request.orgId },
    }));
  }

  /**
   * Creates an org; resolves to its id and name.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. an invalid domain)
   *
   * @example const { orgId } = await api.createOrg({ name: 'Acme', domain: 'acme.com', enableAutoJoiningByDomain: true });
   */
  async createOrg(request: CreateOrgRequest): Promise<CreatedOrg> {
    const body: Record<string, unknown> = {
      name: request.name,
      enable_auto_joining_by_domain: request.enableAutoJoiningByDomain ?? false,
      members_must_have_matching_domain: request.membersMustHaveMatchingDomain ?? false,
    };
    // Sent only when truthy, as the official library does.
    if (request.domain) body.domain = request.domain;
    if (request.maxUsers) body.max_users = request.maxUsers;
    if (request.legacyOrgId) body.legacy_org_id = request.legacyOrgId;
    if (request.customRoleMappingName) body.custom_role_mapping_name = request.customRoleMappingName;
    const response = await httpOf(this).send({ method: 'POST', path: apiPath`/org/`, body });
    const created = camelize<CreatedOrg>(expectSuccess(response, 'create the org'));
    return { orgId: created.orgId, name: created.name };
  }

  /**
   * Changes the given fields of an org (`metadata` replaces the org's metadata); `false` if there is no such org.
   * @throws PropelAuthBadRequestError with `fieldToErrors`
   *
   * @example await api.updateOrg({ orgId, name: 'Acme Corp', metadata: { plan_tier: 'pro' } });
   */
  async updateOrg(request: UpdateOrgRequest): Promise<boolean> {
    return sendOrFalse(this, [request.orgId], 'update the org', () => ({
      method: 'PUT',
      path: apiPath`/org/${request.orgId}`,
      body: {
        name: request.name,
        can_setup_saml: request.canSetupSaml,
        metadata: request.metadata,
        max_users: request.maxUsers,
        autojoin_by_domain: request.canJoinOnEmailDomainMatch,
        restrict_to_domain: request.membersMustHaveEmailDomainMatch,
        domain: request.domain,
        legacy_org_id: request.legacyOrgId,
        require_2fa_by: request.require2faBy,
        extra_domains: request.extraDomains,
        password_rotation_enabled: request.passwordRotationEnabled,
        password_rotation_history_size: request.passwordRotationHistorySize,
        password_rotation_period: request.passwordRotationPeriod,
      },
    }));
  }

  /**
   * Makes the org use one of the project's custom role mappings; `false` if there is no such org.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. an unknown mapping)
   *
   * @example await api.subscribeOrgToRoleMapping(orgId, 'Enterprise roles');
   */
  async subscribeOrgToRoleMapping(orgId: string, customRoleMappingName: string): Promise<boolean> {
    return sendOrFalse(this, [orgId], 'subscribe the org to the role mapping', () => ({
      method: 'PUT',
      path: apiPath`/org/${orgId}`,
      body: { custom_role_mapping_name: customRoleMappingName },
    }));
  }

  /**
   * Deletes an org (its memberships and invitations go with it); `false` if there is no such org.
   *
   * @example await api.deleteOrg(orgId);
   */
  async deleteOrg(orgId: string): Promise<boolean> {
    return sendOrFalse(this, [orgId], 'delete the org', () => ({ method: 'DELETE', path: apiPath`/org/${orgId}` }));
  }

  /**
   * Makes a user a member of an org with a role; `false` if there is no such user or org.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. an unknown role)
   *
   * @example await api.addUserToOrg({ userId, orgId, role: 'Admin' });
   */
  async addUserToOrg(request: AddUserToOrgRequest): Promise<boolean> {
    return sendOrFalse(this, [request.userId, request.orgId], 'add the user to the org', () => ({
      method: 'POST',
      path: apiPath`/org/add_user`,
      body: { user_id: request.userId, org_id: request.orgId, role: request.role, additional_roles: request.additionalRoles ?? [] },
    }));
  }

  /**
   * Changes a member's role; `false` if there is no such user or org, or the user is not a member.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. an unknown role)
   *
   * @example await api.changeUserRoleInOrg({ userId, orgId, role: 'Owner' });
   */
  async changeUserRoleInOrg(request: ChangeUserRoleInOrgRequest): Promise<boolean> {
    return sendOrFalse(this, [request.userId, request.orgId], "change the user's role in the org", () => ({
      method: 'POST',
      path: apiPath`/org/change_role`,
      body: { user_id: request.userId, org_id: request.orgId, role: request.role, additional_roles: request.additionalRoles ?? [] },
    }));
  }

  /**
   * Removes a user from an org; `false` if there is no such user or org, or the user is not a member.
   * @throws PropelAuthBadRequestError with `fieldToErrors`
   *
   * @example await api.removeUserFromOrg({ userId, orgId });
   */
  async removeUserFromOrg(request: RemoveUserFromOrgRequest): Promise<boolean> {
    return sendOrFalse(this, [request.userId, request.orgId], 'remove the user from the org', () => ({
      method: 'POST',
      path: apiPath`/org/remove_user`,
      body: { user_id: request.userId, org_id: request.orgId },
    }));
  }

  /**
   * Lets the org set up an enterprise SSO (SAML/OIDC) connection; `false` if there is no such org.
   *
   * @example await api.allowOrgToSetupSamlConnection(orgId);
   */
  async allowOrgToSetupSamlConnection(orgId: string): Promise<boolean> {
    return sendOrFalse(this, [orgId], 'allow the org to set up SAML', () => ({ method: 'POST', path: apiPath`/org/${orgId}/allow_saml` }));
  }

  /**
   * Stops the org from setting up an enterprise SSO connection; `false` if there is no such org.
   *
   * @example await api.disallowOrgToSetupSamlConnection(orgId);
   */
  async disallowOrgToSetupSamlConnection(orgId: string): Promise<boolean> {
    return sendOrFalse(this, [orgId], 'disallow the org to set up SAML', () => ({ method: 'POST', path: apiPath`/org/${orgId}/disallow_saml` }));
  }

  /**
   * A link where the org's admins set up its SAML connection themselves.
   * @throws PropelAuthNotFoundError if there is no such org (also for a non-UUID id, without a request)
   * @throws PropelAuthBadRequestError e.g. when the org may not set up SAML
   *
   * @example const { url } = await api.createOrgSamlConnectionLink(orgId, 7 * 24 * 3600);
   */
  async createOrgSamlConnectionLink(orgId: string, expiresInSeconds?: number): Promise<CreateSamlConnectionLinkResponse> {
    if (!isUuid(orgId)) throw invalidOrgId('POST', reportedPath`/org/${orgId}/create_saml_connection_link`, 'create a SAML connection link');
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/org/${orgId}/create_saml_connection_link`,
      body: { expires_in_seconds: expiresInSeconds },
    });
    const body = expectSuccess(response, 'create the SAML connection link') as { url: string };
    return { url: body.url };
  }

  /**
   * The service provider side of the org's SAML connection, to enter in the customer's IdP.
   * @throws PropelAuthNotFoundError if there is no such org (also for a non-UUID id, without a request)
   *
   * @example const { entityId, acsUrl, logoutUrl } = await api.fetchSamlSpMetadata(orgId);
   */
  async fetchSamlSpMetadata(orgId: string): Promise<FetchSamlSpMetadataResponse> {
    if (!isUuid(orgId)) throw invalidOrgId('GET', reportedPath`/saml_sp_metadata/${orgId}`, 'fetch the SAML SP metadata');
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/saml_sp_metadata/${orgId}` });
    const body = camelize<FetchSamlSpMetadataResponse>(expectSuccess(response, 'fetch the SAML SP metadata'));
    return { entityId: body.entityId, acsUrl: body.acsUrl, logoutUrl: body.logoutUrl };
  }

  /**
   * Sets the identity provider side of the org's SAML connection (it starts in test mode, see
   * `samlGoLive`); `false` if there is no such org.
   * @throws PropelAuthBadRequestError with `fieldToErrors`
   *
   * @example await api.setSamlIdpMetadata(orgId, { idpEntityId, idpSsoUrl, idpCertificate, provider: 'Okta' });
   */
  async setSamlIdpMetadata(orgId: string, metadata: SetSamlIdpMetadataRequest): Promise<boolean> {
    return sendOrFalse(this, [orgId], 'set the SAML IdP metadata', () => ({
      method: 'POST',
      path: apiPath`/saml_idp_metadata`,
      body: {
        org_id: orgId,
        idp_entity_id: metadata.idpEntityId,
        idp_sso_url: metadata.idpSsoUrl,
        idp_certificate: metadata.idpCertificate,
        provider: metadata.provider,
      },
    }));
  }

  /**
   * Sets up the org's enterprise SSO with an OIDC identity provider (Generic, Okta or Azure); `false`
   * if there is no such org.
   * @throws PropelAuthBadRequestError with `fieldToErrors`
   *
   * @example await api.setOidcIdpMetadata({ orgId, idpType: 'Okta', clientId, clientSecret, usesPkce: true, oktaSsoDomain: 'acme.okta.com' });
   */
  async setOidcIdpMetadata(request: SetOidcIdpMetadataRequest): Promise<boolean> {
    const body: Record<string, unknown> = {
      org_id: request.orgId,
      client_id: request.clientId,
      client_secret: request.clientSecret,
      uses_pkce: request.usesPkce,
      idp_type: request.idpType,
    };
    switch (request.idpType) {
      case 'Generic':
        Object.assign(body, { auth_url: request.authUrl, token_url: request.tokenUrl, userinfo_url: request.userinfoUrl });
        break;
      case 'Okta':
        body.okta_sso_domain = request.oktaSsoDomain;
        break;
      case 'Azure':
        body.entra_tenant_id = request.entraTenantId;
        break;
    }
    return sendOrFalse(this, [request.orgId], 'set the OIDC IdP metadata', () => ({ method: 'POST', path: apiPath`/oidc_idp_metadata`, body }));
  }

  /**
   * Takes the org's SSO connection out of test mode; `false` if there is no such org.
   * @throws PropelAuthBadRequestError e.g. when the org has no connection set up
   *
   * @example await api.samlGoLive(orgId);
   */
  async samlGoLive(orgId: string): Promise<boolean> {
    return sendOrFalse(this, [orgId], "make the org's SAML connection go live", () => ({ method: 'POST', path: apiPath`/saml_idp_metadata/go_live/${orgId}` }));
  }

  /**
   * Deletes the org's SSO connection; `false` if there is no such org or it has no connection.
   *
   * @example await api.deleteSamlConnection(orgId);
   */
  async deleteSamlConnection(orgId: string): Promise<boolean> {
    return sendOrFalse(this, [orgId], "delete the org's SAML connection", () => ({ method: 'DELETE', path: apiPath`/saml_idp_metadata/${orgId}` }));
  }
}

