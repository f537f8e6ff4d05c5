import { randomBytes } from 'node:crypto';
import type { EmulatorHandler, EmulatorRouter } from './emulator-router';
import { EmulatorInputError, EmulatorNotFoundError, type EmulatorOrg, type EmulatorState } from './emulator-state';
import { dropUndefined, urlSafeName, wireOrg } from './emulator-wire';
import { objectBody, optionalBoolean, optionalInteger, optionalObject, optionalString, optionalStringArray, pageOf, pagingParams, requiredString } from './emulator-fields';
import { OIDC_IDP_TYPES, OrgStore, SAML_PROVIDERS, type EmulatorOidcConnection, type EmulatorOidcIdpType, type EmulatorSamlProvider } from './orgs.store';
import type { EmulatorContext } from './propelauth-emulator';

const PREFIX = '/api/backend/v1';
const ORDER_BY = ['CREATED_AT_ASC', 'CREATED_AT_DESC', 'NAME'] as const;
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 1000;
const DEFAULT_SAML_LINK_SECONDS = 7 * 24 * 3600;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/**
 * The organization endpoints (wire reference section 9.3) of the backend API.
 * Every one answers 426 while `state.features.organizations` is off.
 */
export function registerOrgRoutes(router: EmulatorRouter, { state, authUrl }: EmulatorContext): void {
  const store = () => state.store(OrgStore);
  const route = (method: string, path: string, handler: EmulatorHandler) =>
    router.add(method, `${PREFIX}${path}`, (request) => {
      state.requireOrganizations();
      return handler(request);
    });
  const orgOf = (orgId: unknown): EmulatorOrg => {
    const org = typeof orgId === 'string' ? state.orgs.get(orgId) : undefined;
    if (org === undefined) throw new EmulatorNotFoundError();
    return org;
  };

  route('GET', '/org/:orgId', ({ params }) => ({ status: 200, body: wireOrg(orgOf(params.orgId)) }));

  route('POST', '/org/query', ({ body }) => {
    const request = objectBody(body);
    const pageSize = optionalInteger(request, 'page_size', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
    const pageNumber = optionalInteger(request, 'page_number', 0) ?? 0;
    const orderBy = optionalString(request, 'order_by') ?? 'CREATED_AT_ASC';
    if (!(ORDER_BY as readonly string[]).includes(orderBy)) throw new EmulatorInputError({ order_by: [`order_by must be one of ${ORDER_BY.join(', ')}`] });
    const name = optionalString(request, 'name')?.toLowerCase();
    const legacyOrgId = optionalString(request, 'legacy_org_id');
    const domain = optionalString(request, 'domain')?.toLowerCase();

    // Map order is creation order: it breaks ties between orgs created in the same second.
    const all = [...state.orgs.values()].map((org, index) => ({ org, index }));
    const matching = all.filter(
      ({ org }) =>
        (name === undefined || org.name.toLowerCase().includes(name)) &&
        (legacyOrgId === undefined || org.legacyOrgId === legacyOrgId) &&
        (domain === undefined || [org.domain, ...org.extraDomains].some((d) => d?.toLowerCase() === domain)),
    );
    matching.sort((a, b) => {
      if (orderBy === 'NAME') return compare(a.org.name.toLowerCase(), b.org.name.toLowerCase()) || a.index - b.index;
      const byTime = a.org.createdAt - b.org.createdAt || a.index - b.index;
      return orderBy === 'CREATED_AT_DESC' ? -byTime : byTime;
    });
    return {
      status: 200,
      body: pageOf(matching, pageSize, pageNumber, 'orgs', ({ org }) =>
        dropUndefined({
          org_id: org.orgId,
          name: org.name,
          is_saml_configured: org.isSamlConfigured,
          metadata: org.metadata,
          max_users: org.maxUsers,
          custom_role_mapping_name: org.customRoleMappingName,
          legacy_org_id: org.legacyOrgId,
          created_at: org.createdAt,
        }),
      ),
    };
  });

  route('GET', '/custom_role_mappings', () => ({
    status: 200,
    body: {
      custom_role_mappings: store()
        .knownRoleMappings(state)
        .map((name) => ({
          custom_role_mapping_name: name,
          num_orgs_subscribed: [...state.orgs.values()].filter((org) => org.customRoleMappingName === name).length,
        })),
    },
  }));

  route('GET', '/pending_org_invites', ({ query }) => {
    const orgId = query.get('org_id') ?? undefined;
    const { pageSize, pageNumber } = pagingParams(query, MAX_PAGE_SIZE);
    const matching = state.pendingInvites.filter((invite) => orgId === undefined || invite.orgId === orgId); // DELETE /org drops its invites
    return {
      status: 200,
      body: pageOf(matching, pageSize, pageNumber, 'invites', (invite) =>
        dropUndefined({
          invitee_email: invite.inviteeEmail,
          org_id: invite.orgId,
          org_name: state.orgs.get(invite.orgId)!.name,
          role_in_org: invite.role,
          additional_roles_in_org: invite.additionalRoles,
          created_at: invite.createdAt,
          expires_at: invite.expiresAt,
          inviter_email: invite.inviterEmail,
          inviter_user_id: invite.inviterUserId,
        }),
      ),
    };
  });

  route('DELETE', '/pending_org_invites', ({ body }) => {
    const request = objectBody(body);
    const email = requiredString(request, 'invitee_email').trim().toLowerCase();
    const orgId = requiredString(request, 'org_id');
    orgOf(orgId);
    const index = state.pendingInvites.findIndex((invite) => invite.orgId === orgId && invite.inviteeEmail.toLowerCase() === email);
    if (index === -1) throw new EmulatorNotFoundError();
    state.pendingInvites.splice(index, 1);
    return { status: 200, body: {} };
  });

  route('POST', '/org/', ({ body }) => {
    const request = objectBody(body);
    const name = requiredString(request, 'name');
    const domain = optionalDomain(request, 'domain');
    const domainAutojoin = optionalBoolean(request, 'enable_auto_joining_by_domain') ?? false;
    const domainRestrict = optionalBoolean(request, 'members_must_have_matching_domain') ?? false;
    const maxUsers = optionalInteger(request, 'max_users', 1);
    const legacyOrgId = optionalString(request, 'legacy_org_id');
    const customRoleMappingName = optionalString(request, 'custom_role_mapping_name');
    if (customRoleMappingName !== undefined) requireKnownMapping(state, customRoleMappingName);
    const org = state.createOrg({ name, domain, domainAutojoin, domainRestrict, maxUsers, legacyOrgId, customRoleMappingName });
    return { status: 200, body: { org_id: org.orgId, name: org.name } };
  });

  route('PUT', '/org/:orgId', ({ params, body }) => {
    const org = orgOf(params.orgId);
    const request = objectBody(body);
    // Validate everything before changing anything.
    const name = optionalString(request, 'name');
    if (name !== undefined && name.trim() === '') throw new EmulatorInputError({ name: ['name must not be empty'] });
    const canSetupSaml = optionalBoolean(request, 'can_setup_saml');
    const metadata = optionalObject(request, 'metadata');
    const maxUsers = optionalInteger(request, 'max_users', 1);
    const members = state.memberships.get(org.orgId)?.size ?? 0;
    if (maxUsers !== undefined && maxUsers < members) {
      throw new EmulatorInputError({ max_users: [`max_users cannot be lower than the org's ${members} members`] });
    }
    const autojoin = optionalBoolean(request, 'autojoin_by_domain');
    const restrict = optionalBoolean(request, 'restrict_to_domain');
    const domain = optionalDomain(request, 'domain');
    const legacyOrgId = optionalString(request, 'legacy_org_id');
    const require2faBy = optionalString(request, 'require_2fa_by');
    if (require2faBy !== undefined && Number.isNaN(Date.parse(require2faBy))) {
      throw new EmulatorInputError({ require_2fa_by: ['require_2fa_by must be an ISO 8601 date-time'] });
    }
    const extraDomains = optionalStringArray(request, 'extra_domains');
    for (const extra of extraDomains ?? []) {
      if (!DOMAIN.test(extra)) throw new EmulatorInputError({ extra_domains: [`${extra} is not a valid domain`] });
    }
    const rotationEnabled = optionalBoolean(request, 'password_rotation_enabled');
    const historySize = optionalInteger(request, 'password_rotation_history_size', 0);
    const period = optionalInteger(request, 'password_rotation_period', 0);
    const mapping = optionalString(request, 'custom_role_mapping_name');
    if (mapping !== undefined) requireKnownMapping(state, mapping);

    if (name !== undefined) {
      org.name = name.trim();
      org.urlSafeOrgName = urlSafeName(org.name);
    }
    if (canSetupSaml !== undefined) org.canSetupSaml = canSetupSaml;
    if (metadata !== undefined) org.metadata = metadata;
    if (maxUsers !== undefined) org.maxUsers = maxUsers;
    if (autojoin !== undefined) org.domainAutojoin = autojoin;
    if (restrict !== undefined) org.domainRestrict = restrict;
    if (domain !== undefined) org.domain = domain;
    if (legacyOrgId !== undefined) org.legacyOrgId = legacyOrgId;
    if (require2faBy !== undefined) org.require2faBy = require2faBy;
    if (extraDomains !== undefined) org.extraDomains = extraDomains;
    if (rotationEnabled !== undefined) org.passwordRotationEnabled = rotationEnabled;
    if (historySize !== undefined) org.passwordRotationHistorySize = historySize;
    if (period !== undefined) org.passwordRotationPeriod = period;
    if (mapping !== undefined) org.customRoleMappingName = mapping;
    return { status: 200, body: {} };
  });

  route('DELETE', '/org/:orgId', ({ params }) => {
    const org = orgOf(params.orgId);
    state.orgs.delete(org.orgId);
    state.memberships.delete(org.orgId);
    for (let i = state.pendingInvites.length - 1; i >= 0; i--) {
      if (state.pendingInvites[i].orgId === org.orgId) state.pendingInvites.splice(i, 1);
    }
    store().forgetOrg(org.orgId);
    return { status: 200, body: {} };
  });

  route('POST', '/org/add_user', ({ body }) => {
    const { user, org, role, additionalRoles } = membershipRequest(state, body, true);
    const members = state.memberships.get(org.orgId)!;
    if (members.has(user.userId)) {
      throw new EmulatorInputError({ user_id: ['The user is already a member of this org (use change_role to change the role)'] });
    }
    if (org.maxUsers !== undefined && members.size >= org.maxUsers) {
      throw new EmulatorInputError({ org_id: [`The org has reached its maximum of ${org.maxUsers} users`] });
    }
    if (org.domainRestrict && !emailMatchesOrg(user.email, org)) {
      throw new EmulatorInputError({ user_id: ["The org only accepts users whose email is on the org's domain"] });
    }
    members.set(user.userId, { role, additionalRoles }); // the roles were checked by membershipRequest
    // The invitation is moot once the invitee is a member.
    for (let i = state.pendingInvites.length - 1; i >= 0; i--) {
      const invite = state.pendingInvites[i];
      if (invite.orgId === org.orgId && invite.inviteeEmail.toLowerCase() === user.email) state.pendingInvites.splice(i, 1);
    }
    return { status: 200, body: {} };
  });

  route('POST', '/org/change_role', ({ body }) => {
    const { user, org, role, additionalRoles } = membershipRequest(state, body, true);
    const members = state.memberships.get(org.orgId)!;
    // Not a member: there is no membership to change, so 404 (the client's `false`), as for remove_user.
    if (!members.has(user.userId)) throw new EmulatorNotFoundError();
    members.set(user.userId, { role, additionalRoles });
    return { status: 200, body: {} };
  });

  route('POST', '/org/remove_user', ({ body }) => {
    const { user, org } = membershipRequest(state, body, false);
    if (!state.memberships.get(org.orgId)!.delete(user.userId)) throw new EmulatorNotFoundError();
    return { status: 200, body: {} };
  });

  route('POST', '/org/:orgId/allow_saml', ({ params }) => {
    orgOf(params.orgId).canSetupSaml = true;
    return { status: 200, body: {} };
  });

  route('POST', '/org/:orgId/disallow_saml', ({ params }) => {
    orgOf(params.orgId).canSetupSaml = false;
    return { status: 200, body: {} };
  });

  route('POST', '/org/:orgId/create_saml_connection_link', (request) => {
    const org = orgOf(request.params.orgId);
    const expiresIn = optionalInteger(objectBody(request.body), 'expires_in_seconds', 1) ?? DEFAULT_SAML_LINK_SECONDS;
    requireSamlAllowed(org);
    const now = Math.floor(Date.now() / 1000);
    const url = `${authUrl}/saml/setup/${randomBytes(16).toString('hex')}`;
    store().samlConnectionLinks.push({ orgId: org.orgId, url, createdAt: now, expiresAt: now + expiresIn });
    return { status: 200, body: { url } };
  });

  route('GET', '/saml_sp_metadata/:orgId', (request) => {
    const org = orgOf(request.params.orgId);
    const base = `${authUrl}/saml/${org.orgId}`;
    return { status: 200, body: { entity_id: `${base}/metadata`, acs_url: `${base}/acs`, logout_url: `${base}/logout` } };
  });

  route('POST', '/saml_idp_metadata', ({ body }) => {
    const request = objectBody(body);
    const org = orgOf(requiredString(request, 'org_id'));
    const idpEntityId = requiredString(request, 'idp_entity_id');
    const idpSsoUrl = requiredUrl(request, 'idp_sso_url');
    const idpCertificate = requiredString(request, 'idp_certificate');
    const provider = requiredString(request, 'provider');
    if (!(SAML_PROVIDERS as readonly string[]).includes(provider)) {
      throw new EmulatorInputError({ provider: [`provider must be one of ${SAML_PROVIDERS.join(', ')}`] });
    }
    requireSamlAllowed(org);
    store().setConnection(org, { kind: 'saml', idpEntityId, idpSsoUrl, idpCertificate, provider: provider as EmulatorSamlProvider });
    return { status: 200, body: {} };
  });

  route('POST', '/oidc_idp_metadata', ({ body }) => {
    const request = objectBody(body);
    const org = orgOf(requiredString(request, 'org_id'));
    const idpType = requiredString(request, 'idp_type');
    if (!(OIDC_IDP_TYPES as readonly string[]).includes(idpType)) {
      throw new EmulatorInputError({ idp_type: [`idp_type must be one of ${OIDC_IDP_TYPES.join(', ')}`] });
    }
    const usesPkce = optionalBoolean(request, 'uses_pkce');
    if (usesPkce === undefined) throw new EmulatorInputError({ uses_pkce: ['uses_pkce is required'] });
    const connection: EmulatorOidcConnection = {
      kind: 'oidc',
      idpType: idpType as EmulatorOidcIdpType,
      clientId: requiredString(request, 'client_id'),
      clientSecret: requiredString(request, 'client_secret'),
      usesPkce,
    };
    if (idpType === 'Generic') {
      connection.authUrl = requiredUrl(request, 'auth_url');
      connection.tokenUrl = requiredUrl(request, 'token_url');
      connection.userinfoUrl = requiredUrl(request, 'userinfo_url');
    } else if (idpType === 'Okta') {
      connection.oktaSsoDomain = requiredString(request, 'okta_sso_domain');
    } else {
      connection.entraTenantId = requiredString(request, 'entra_tenant_id');
    }
    requireSamlAllowed(org);
    store().setConnection(org, connection);
    return { status: 200, body: {} };
  });

  route('POST', '/saml_idp_metadata/go_live/:orgId', ({ params }) => {
    const org = orgOf(params.orgId);
    if (!store().goLive(org)) throw new EmulatorInputError({ org_id: ['The org has no SAML connection set up to go live with'] });
    return { status: 200, body: {} };
  });

  route('DELETE', '/saml_idp_metadata/:orgId', ({ params }) => {
    const org = orgOf(params.orgId);
    if (!store().deleteConnection(org)) throw new EmulatorNotFoundError();
    return { status: 200, body: {} };
  });
}

/** The body of `add_user`, `change_role` and `remove_user`: missing fields 400, unknown user or org 404, unknown role 400. */
function membershipRequest(state: EmulatorState, body: unknown, withRole: boolean) {
  const request = objectBody(body);
  const userId = requiredString(request, 'user_id');
  const orgId = requiredString(request, 'org_id');
  const role = withRole ? requiredString(request, 'role') : '';
  const additionalRoles = withRole ? (optionalStringArray(request, 'additional_roles') ?? []) : [];
  const user = state.users.get(userId);
  const org = state.orgs.get(orgId);
  if (user === undefined || org === undefined) throw new EmulatorNotFoundError();
  if (withRole) state.requireRoles(role, additionalRoles);
  return { user, org, role, additionalRoles };
}

function requireKnownMapping(state: EmulatorState, name: string): void {
  if (!state.store(OrgStore).knownRoleMappings(state).includes(name)) {
    throw new EmulatorInputError({ custom_role_mapping_name: [`No custom role mapping is named ${name}`] });
  }
}

function requireSamlAllowed(org: EmulatorOrg): void {
  if (!org.canSetupSaml) {
    throw new EmulatorInputError({ org_id: ['The org is not allowed to set up SAML (allow it with allow_saml first)'] });
  }
}

function emailMatchesOrg(email: string, org: EmulatorOrg): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return [org.domain, ...org.extraDomains].some((d) => d?.toLowerCase() === domain);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function requiredUrl(body: Record<string, unknown>, name: string): string {
  const value = requiredString(body, name);
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'https:' && protocol !== 'http:') throw new EmulatorInputError({ [name]: [`${name} must be a URL`] });
  return value;
}

function optionalDomain(body: Record<string, unknown>, name: string): string | undefined {
  const value = optionalString(body, name);
  if (value !== undefined && !DOMAIN.test(value)) throw new EmulatorInputError({ [name]: [`${value} is not a valid domain`] });
  return value?.toLowerCase();
}
