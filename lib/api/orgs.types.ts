// Request and response types of the orgs functions (camelCase; the wire is snake_case).

/** An organization as `fetchOrg` returns it (wire: snake_case; times in unix seconds). */
export interface Organization {
  orgId: string;
  name: string;
  /** The URL-safe form of the name (`Acme Inc` -> `acme-inc`). */
  urlSafeOrgSlug: string;
  /** Whether the org may set up an enterprise SSO (SAML/OIDC) connection. */
  canSetupSaml: boolean;
  /** Whether the org has an enterprise SSO connection (SAML or OIDC). */
  isSamlConfigured: boolean;
  /** The connection is set up but not live yet (`samlGoLive` takes it out of test mode). */
  isSamlInTestMode: boolean;
  maxUsers?: number;
  /** Your own data: keys exactly as sent. */
  metadata?: Record<string, unknown>;
  domain?: string;
  extraDomains: string[];
  /** Users with an email on the org's domain may join it without an invitation. */
  domainAutojoin: boolean;
  /** Only users with an email on the org's domain may be members. */
  domainRestrict: boolean;
  customRoleMappingName?: string;
  legacyOrgId?: string;
  passwordRotationEnabled: boolean;
  passwordRotationHistorySize: number;
  passwordRotationPeriod: number;
  /** Unix seconds, when PropelAuth sends it. */
  createdAt?: number;
}

/** One org of a `fetchOrgByQuery` page (a shorter shape than `Organization`). */
export interface Org {
  orgId: string;
  name: string;
  maxUsers?: number;
  isSamlConfigured: boolean;
  legacyOrgId?: string;
  /** Your own data: keys exactly as sent. */
  metadata: Record<string, unknown>;
  customRoleMappingName?: string;
  /** Unix seconds. */
  createdAt?: number;
}

export type OrgOrderBy = 'CREATED_AT_ASC' | 'CREATED_AT_DESC' | 'NAME';

export interface OrgQuery {
  /** Default 10. */
  pageSize?: number;
  /** Zero-based; default 0. */
  pageNumber?: number;
  /** Default `CREATED_AT_ASC`. */
  orderBy?: OrgOrderBy;
  /** Orgs whose name contains this (case-insensitive). */
  name?: string;
  legacyOrgId?: string;
  /** Orgs with this domain. */
  domain?: string;
}

export interface OrgQueryResponse {
  orgs: Org[];
  totalOrgs: number;
  currentPage: number;
  pageSize: number;
  hasMoreResults: boolean;
}

export interface CustomRoleMapping {
  customRoleMappingName: string;
  numOrgsSubscribed: number;
}

export interface CustomRoleMappings {
  customRoleMappings: CustomRoleMapping[];
}

export interface FetchPendingInvitesParams {
  /** Only the invitations to this org (default: every org). */
  orgId?: string;
  /** Default 10. */
  pageSize?: number;
  /** Zero-based; default 0. */
  pageNumber?: number;
}

/** An invitation to an org that the invitee has not accepted yet. */
export interface PendingInvite {
  inviteeEmail: string;
  orgId: string;
  orgName: string;
  roleInOrg: string;
  additionalRolesInOrg: string[];
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds. */
  expiresAt: number;
  inviterEmail?: string;
  inviterUserId?: string;
}

export interface PendingInvitesPage {
  totalInvites: number;
  currentPage: number;
  pageSize: number;
  hasMoreResults: boolean;
  invites: PendingInvite[];
}

export interface RevokePendingOrgInviteRequest {
  inviteeEmail: string;
  orgId: string;
}

export interface CreateOrgRequest {
  name: string;
  /** Sent only when not empty. */
  domain?: string;
  /** Default false. */
  enableAutoJoiningByDomain?: boolean;
  /** Default false. */
  membersMustHaveMatchingDomain?: boolean;
  /** Sent only when not 0. */
  maxUsers?: number;
  /** Sent only when not empty. */
  customRoleMappingName?: string;
  /** Sent only when not empty. */
  legacyOrgId?: string;
}

export interface CreatedOrg {
  orgId: string;
  name: string;
}

/** What to change in an org; a field left `undefined` is not changed. */
export interface UpdateOrgRequest {
  orgId: string;
  name?: string;
  canSetupSaml?: boolean;
  maxUsers?: number;
  /** Replaces the org's metadata; keys are kept as sent. */
  metadata?: Record<string, unknown>;
  /** Wire `autojoin_by_domain`. */
  canJoinOnEmailDomainMatch?: boolean;
  /** Wire `restrict_to_domain`. */
  membersMustHaveEmailDomainMatch?: boolean;
  domain?: string;
  legacyOrgId?: string;
  /** ISO 8601 date-time after which members must have 2FA. */
  require2faBy?: string;
  extraDomains?: string[];
  passwordRotationEnabled?: boolean;
  passwordRotationHistorySize?: number;
  /** In days. */
  passwordRotationPeriod?: number;
}

export interface AddUserToOrgRequest {
  userId: string;
  orgId: string;
  role: string;
  /** For orgs with the multi-role structure. Default `[]`. */
  additionalRoles?: string[];
}

export interface ChangeUserRoleInOrgRequest {
  userId: string;
  orgId: string;
  role: string;
  /** Default `[]`. */
  additionalRoles?: string[];
}

export interface RemoveUserFromOrgRequest {
  userId: string;
  orgId: string;
}

export interface CreateSamlConnectionLinkResponse {
  /** A page where the org's admins set up the SAML connection themselves. */
  url: string;
}

/** What to give the customer's identity provider (the service provider side of the SAML connection). */
export interface FetchSamlSpMetadataResponse {
  entityId: string;
  acsUrl: string;
  logoutUrl: string;
}

/** Identity providers PropelAuth's SAML setup knows. */
export type IdpProvider = 'Google' | 'Rippling' | 'OneLogin' | 'JumpCloud' | 'Okta' | 'Azure' | 'Duo' | 'Generic';

export interface SetSamlIdpMetadataRequest {
  idpEntityId: string;
  idpSsoUrl: string;
  /** The IdP's X.509 signing certificate (PEM). */
  idpCertificate: string;
  provider: IdpProvider;
}

interface SetOidcIdpMetadataRequestBase {
  orgId: string;
  clientId: string;
  clientSecret: string;
  usesPkce: boolean;
}

export interface SetGenericOidcMetadataRequest extends SetOidcIdpMetadataRequestBase {
  idpType: 'Generic';
  authUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
}

export interface SetOktaOidcMetadataRequest extends SetOidcIdpMetadataRequestBase {
  idpType: 'Okta';
  oktaSsoDomain: string;
}

export interface SetAzureOidcMetadataRequest extends SetOidcIdpMetadataRequestBase {
  idpType: 'Azure';
  entraTenantId: string;
}

export type SetOidcIdpMetadataRequest = SetGenericOidcMetadataRequest | SetOktaOidcMetadataRequest | SetAzureOidcMetadataRequest;
