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
