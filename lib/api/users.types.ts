import type { OrgMemberInfo } from '../models/org-member-info';

/** A user as the backend API returns it (wire: snake_case; times in unix seconds). */
export interface UserMetadata {
  userId: string;
  email: string;
  emailConfirmed: boolean;
  hasPassword: boolean;
  username?: string;
  firstName?: string;
  lastName?: string;
  pictureUrl?: string;
  locked: boolean;
  enabled: boolean;
  mfaEnabled: boolean;
  canCreateOrgs: boolean;
  createdAt: number;
  lastActiveAt: number;
  /** Only with `includeOrgs`. */
  orgIdToOrgInfo?: Record<string, OrgMemberInfo>;
  legacyUserId?: string;
  impersonatorUserId?: string;
  updatePasswordRequired?: boolean;
  metadata?: Record<string, unknown>;
  /** Keys exactly as configured in PropelAuth (the official Node library camelCases them). */
  properties?: Record<string, unknown>;
}

export interface CreateUserRequest {
  email: string;
  emailConfirmed?: boolean;
  sendEmailToConfirmEmailAddress?: boolean;
  password?: string;
  askUserToUpdatePasswordOnLogin?: boolean;
  ignoreDomainRestrictions?: boolean;
  username?: string;
  firstName?: string;
  lastName?: string;
  properties?: Record<string, unknown>;
}

export interface CreateMagicLinkRequest {
  email: string;
  redirectToUrl?: string;
  expiresInHours?: number;
  createNewUserIfOneDoesntExist?: boolean;
  expiresAfterFirstUse?: boolean;
  requiresInterstitial?: boolean;
  userSignupQueryParameters?: Record<string, string>;
}

export interface MagicLink {
  url: string;
}

/** What `createUser` and `migrateUserFromExternalSource` resolve to. */
export interface CreatedUser {
  userId: string;
}

/** How `fetchUsersByQuery` sorts (PropelAuth's default: `CREATED_AT_ASC`). */
export type UsersQueryOrderBy = 'CREATED_AT_ASC' | 'CREATED_AT_DESC' | 'LAST_ACTIVE_AT_ASC' | 'LAST_ACTIVE_AT_DESC' | 'EMAIL' | 'USERNAME';

export interface UsersQuery {
  /** Users per page (PropelAuth's default 10). */
  pageSize?: number;
  /** Zero-based page (default 0). */
  pageNumber?: number;
  orderBy?: UsersQueryOrderBy;
  /** Only users whose email or username contains this text. */
  emailOrUsername?: string;
  /** Fill each user's `orgIdToOrgInfo`. */
  includeOrgs?: boolean;
  /** Only the user migrated with this id. */
  legacyUserId?: string;
}

export interface UsersPagedResponse {
  users: UserMetadata[];
  totalUsers: number;
  currentPage: number;
  pageSize: number;
  hasMoreResults: boolean;
}

export interface UsersInOrgQuery {
  orgId: string;
  pageSize?: number;
  pageNumber?: number;
  includeOrgs?: boolean;
  /** Only members with this role. */
  role?: string;
}

/** A member of an org, with the member's role in it. */
export interface UserInOrgMetadata extends UserMetadata {
  roleInOrg: string;
  additionalRolesInOrg: string[];
}

export interface UsersInOrgPagedResponse {
  users: UserInOrgMetadata[];
  totalUsers: number;
  currentPage: number;
  pageSize: number;
  hasMoreResults: boolean;
}

/** The query parameters of the page on which the user signed up, keys and values exactly as sent. */
export interface UserSignupQueryParams {
  userSignupQueryParameters: Record<string, string>;
}

/** A user's TOTP (authenticator app) MFA. */
export interface MfaTotpSetup {
  type: 'Totp';
}

export interface MfaPhoneNumber {
  /** The last digits of the phone number. */
  mfaPhoneNumberSuffix: string;
  mfaPhoneId: string;
}

/** A user's SMS MFA (wire `phone_numbers`; the official typings keep that name, but its runtime value is camelCased, as here). */
export interface MfaPhoneSetup {
  type: 'Phone';
  phoneNumbers: MfaPhoneNumber[];
}

export interface FetchUserMfaMethodsResponse {
  /** `null` when the user has no MFA set up. */
  mfaSetup: MfaTotpSetup | MfaPhoneSetup | null;
}

/** The social login providers whose OAuth tokens PropelAuth keeps. */
export type SocialLoginTokenProvider =
  | 'apple'
  | 'google'
  | 'github'
  | 'microsoft'
  | 'slack'
  | 'salesforce'
  | 'linkedin'
  | 'outreach'
  | 'quickbooks'
  | 'xero'
  | 'salesloft'
  | 'atlassian'
  | 'gitlab';

/** An OAuth token PropelAuth holds for a user's social login. */
export interface SocialLoginToken {
  accessToken: string;
  refreshToken?: string;
  tokenProvider: SocialLoginTokenProvider;
  /** Unix seconds. */
  tokenExpiration?: number;
  authorizedScopes?: string[];
}

/** The user's OAuth tokens, by provider. */
export type SocialLoginTokensResponse = Partial<Record<SocialLoginTokenProvider, SocialLoginToken>>;

/** Only the fields given are changed. */
export interface UpdateUserMetadataRequest {
  username?: string;
  firstName?: string;
  lastName?: string;
  pictureUrl?: string;
  /** Replaces the user's metadata (keys kept as sent). */
  metadata?: Record<string, unknown>;
  /** The user properties to set (keys as configured in PropelAuth). */
  properties?: Record<string, unknown>;
  updatePasswordRequired?: boolean;
  legacyUserId?: string;
}

export interface UpdateUserEmailRequest {
  newEmail: string;
  /** `true`: the new address takes effect once the user confirms it from the email PropelAuth sends. */
  requireEmailConfirmation: boolean;
}

export interface UpdateUserPasswordRequest {
  password: string;
  askUserToUpdatePasswordOnLogin?: boolean;
}

export interface InviteUserToOrgRequest {
  orgId: string;
  email: string;
  role: string;
  /** Multi-role orgs only (default none). */
  additionalRoles?: string[];
}

export interface InviteUserToOrgByUserIdRequest {
  orgId: string;
  userId: string;
  role: string;
  /** Multi-role orgs only (default none). */
  additionalRoles?: string[];
}

export interface CreateAccessTokenRequest {
  userId: string;
  durationInMinutes: number;
  /** Issue the token for this one org (the user must be a member). */
  activeOrgId?: string;
}

/** An access token for a user (the official library returns it as `{ access_token }`). */
export interface AccessToken {
  accessToken: string;
}

export interface MigrateUserFromExternalSourceRequest {
  email: string;
  emailConfirmed: boolean;
  /** The user's id in the system migrated from; becomes `legacyUserId`. */
  existingUserId?: string;
  /** bcrypt, argon2, PBKDF2... hash of the user's password. */
  existingPasswordHash?: string;
  existingMfaBase32EncodedSecret?: string;
  /** Sent as `update_password_required`. */
  askUserToUpdatePasswordOnLogin?: boolean;
  enabled?: boolean;
  firstName?: string;
  lastName?: string;
  username?: string;
  pictureUrl?: string;
  properties?: Record<string, unknown>;
}

export interface MigrateUserPasswordRequest {
  userId: string;
  passwordHash: string;
}
