// Request and response types of the api-keys functions (camelCase; the wire is snake_case).
import type { OrgMemberInfo } from '../models/org-member-info';
import type { UserMetadata } from './users.types';

/** A new end-user API key. `apiKeyToken` is the secret: it is shown once, PropelAuth keeps only a hash. */
export interface ApiKeyNew {
  /** 32 hex digits. */
  apiKeyId: string;
  apiKeyToken: string;
}

/** An end-user API key as PropelAuth stores it (never the token). Times are unix seconds. */
export interface ApiKeyFull {
  /** 32 hex digits. */
  apiKeyId: string;
  createdAt: number;
  /** `null` for a key that never expires (the official type says `number`). */
  expiresAtSeconds: number | null;
  /** The customer's own data, keys exactly as stored. */
  metadata?: Record<string, unknown> | null;
  /** Set for personal keys and for org keys created on behalf of a user. */
  userId?: string | null;
  /** Set for org keys. */
  orgId?: string | null;
  displayName?: string | null;
}

/** One page of API keys. */
export interface ApiKeyResultPage {
  apiKeys: ApiKeyFull[];
  totalApiKeys: number;
  currentPage: number;
  pageSize: number;
  hasMoreResults: boolean;
}

/** Filters and paging of `fetchCurrentApiKeys` / `fetchArchivedApiKeys` (all optional; `pageNumber` starts at 0). */
export interface ApiKeysQueryRequest {
  orgId?: string;
  userId?: string;
  userEmail?: string;
  pageSize?: number;
  pageNumber?: number;
}

/**
 * A key owned by a user (`userId` alone: a personal key), by an org (`orgId`,
 * optionally with the `userId` of the member it acts for), or by no one.
 */
export interface ApiKeysCreateRequest {
  orgId?: string;
  userId?: string;
  /** Unix seconds; omit for a key that never expires. */
  expiresAtSeconds?: number;
  metadata?: Record<string, unknown>;
  displayName?: string;
}

/** An API key issued by another system, so that it keeps working after the move to PropelAuth. */
export interface ApiKeysImportRequest extends ApiKeysCreateRequest {
  /** The existing key itself (a secret). */
  importedApiKey: string;
}

/** The id of an imported key (the official type says `api_key_id`; both libraries return `apiKeyId`). */
export interface ApiKeysImportResponse {
  apiKeyId: string;
}

export interface ApiKeyUpdateRequest {
  /** Unix seconds, in the future. */
  expiresAtSeconds?: number;
  /** Replaces the key's metadata (the official type wrongly says `string`). */
  metadata?: Record<string, unknown>;
  setToNeverExpire?: boolean;
}

export interface ApiKeyUsageQueryRequest {
  /** The UTC day, `YYYY-MM-DD`. */
  date: string;
  orgId?: string;
  userId?: string;
  apiKeyId?: string;
  /** @deprecated The official library's spelling of `apiKeyId`; accepted for drop-in compatibility. */
  api_key_id?: string;
}

export interface ApiKeyUsageQueryResponse {
  /** Validations of the matching keys on that day. */
  count: number;
}

/**
 * The org of an org API key, as the validation endpoints return it. The
 * official `Org` type declares `name`, but PropelAuth sends `org_name`, so at
 * run time both libraries give `orgName` (and `name` is undefined): this type
 * says what is really there.
 */
export interface ApiKeyOrg {
  orgId: string;
  orgName: string;
  maxUsers?: number | null;
  canSetupSaml?: boolean;
  isSamlConfigured?: boolean;
  legacyOrgId?: string | null;
  customRoleMappingName?: string | null;
  /** The org's own data, keys exactly as stored. */
  metadata: Record<string, unknown>;
}

/** What a valid key is: its metadata and its owner (user and/or org). */
export interface ApiKeyValidation {
  metadata?: Record<string, unknown> | null;
  /** The key's user (personal keys; org keys created on behalf of a user). */
  user?: UserMetadata;
  /** The key's org (org keys). */
  org?: ApiKeyOrg;
  /** The user's membership in the key's org, when both are set and the user is still a member. */
  userInOrg?: OrgMemberInfo;
  userId?: string;
  orgId?: string;
}

/** A valid personal key (owned by a user, not by an org). */
export interface PersonalApiKeyValidation {
  metadata?: Record<string, unknown> | null;
  user: UserMetadata;
}

/** A valid org key. */
export interface OrgApiKeyValidation {
  metadata?: Record<string, unknown> | null;
  org: ApiKeyOrg;
  user?: UserMetadata;
  userInOrg?: OrgMemberInfo;
}
