import { ApiKeyStore, type EmulatorApiKey } from './api-keys.store';
import type { EmulatorRouter } from './emulator-router';
import { EmulatorHttpError, EmulatorInputError, EmulatorNotFoundError, type EmulatorOrg, type EmulatorState } from './emulator-state';
import { dropUndefined, wireStoredMembership, wireUser } from './emulator-wire';
import { calendarDay, isObject, objectBody, optionalString, pageOf, pagingParams, UUID } from './emulator-fields';
import type { EmulatorContext } from './propelauth-emulator';

const PREFIX = '/api/backend/v1/end_user_api_keys';
const API_KEY_ID = /^[0-9a-f]{32}$/i;

/** The end-user API key endpoints (section 9.4) of the backend API. */
export function registerApiKeyRoutes(router: EmulatorRouter, { state }: EmulatorContext): void {
  const keys = state.store(ApiKeyStore);

  router.add('GET', PREFIX, ({ query }) => ({ status: 200, body: page(state, keys, query, false) }));
  router.add('GET', `${PREFIX}/archived`, ({ query }) => ({ status: 200, body: page(state, keys, query, true) }));

  router.add('GET', `${PREFIX}/usage`, ({ query }) => {
    const date = query.get('date');
    if (date === null || calendarDay(date) === undefined) {
      throw new EmulatorInputError({ date: ['Date must be formatted as YYYY-MM-DD'] });
    }
    const count = keys.usageCount({
      date,
      orgId: queryId(query, 'org_id', UUID),
      userId: queryId(query, 'user_id', UUID),
      apiKeyId: queryId(query, 'api_key_id', API_KEY_ID),
    });
    return { status: 200, body: { count } };
  });

  router.add('GET', `${PREFIX}/:apiKeyId`, ({ params }) => ({ status: 200, body: wireApiKey(existingKey(state, keys, params.apiKeyId, true)) }));

  router.add('POST', PREFIX, ({ body }) => {
    const key = keys.create(ownership(state, keys, objectBody(body)));
    return { status: 200, body: { api_key_id: key.apiKeyId, api_key_token: key.token } };
  });

  router.add('POST', `${PREFIX}/import`, ({ body }) => {
    const request = objectBody(body);
    const imported = optionalString(request, 'imported_api_key');
    if (!imported) throw new EmulatorInputError({ imported_api_key: ['The API key to import is required'] });
    if (keys.findByToken(imported, true)) throw new EmulatorInputError({ imported_api_key: ['This API key was already imported'] });
    const key = keys.create({ ...ownership(state, keys, request), importedToken: imported });
    return { status: 200, body: { api_key_id: key.apiKeyId } };
  });

  router.add('POST', `${PREFIX}/validate`, ({ body }) => validate(state, keys, objectBody(body), false));
  router.add('POST', `${PREFIX}/validate_imported`, ({ body }) => validate(state, keys, objectBody(body), true));

  router.add('PATCH', `${PREFIX}/:apiKeyId`, ({ params, body }) => {
    const key = existingKey(state, keys, params.apiKeyId, false);
    const request = objectBody(body);
    const expiresAt = request.expires_at_seconds;
    if (expiresAt !== undefined && expiresAt !== null) key.expiresAtSeconds = futureTime(keys, expiresAt);
    if (request.set_to_never_expire === true) key.expiresAtSeconds = null;
    if (request.metadata !== undefined && request.metadata !== null) key.metadata = metadataOf(request.metadata);
    return { status: 200, body: {} };
  });

  router.add('DELETE', `${PREFIX}/:apiKeyId`, ({ params }) => {
    keys.delete(existingKey(state, keys, params.apiKeyId, false).apiKeyId);
    return { status: 200, body: {} };
  });
}

/** PropelAuth's answer for a key (never its token). */
function wireApiKey(key: EmulatorApiKey): Record<string, unknown> {
  return dropUndefined({
    api_key_id: key.apiKeyId,
    created_at: key.createdAt,
    expires_at_seconds: key.expiresAtSeconds,
    metadata: key.metadata,
    user_id: key.userId,
    org_id: key.orgId,
    display_name: key.displayName,
  });
}

/** The org object of the validation endpoints: `org_name`, unlike `GET /org/{orgId}` (which says `name`). */
function wireApiKeyOrg(org: EmulatorOrg): Record<string, unknown> {
  return dropUndefined({
    org_id: org.orgId,
    org_name: org.name,
    can_setup_saml: org.canSetupSaml,
    max_users: org.maxUsers,
    is_saml_configured: org.isSamlConfigured,
    legacy_org_id: org.legacyOrgId,
    custom_role_mapping_name: org.customRoleMappingName,
    metadata: org.metadata,
  });
}

function validate(state: EmulatorState, keys: ApiKeyStore, request: Record<string, unknown>, imported: boolean) {
  const raw = optionalString(request, 'api_key_token');
  if (!raw) throw new EmulatorInputError({ api_key_token: ['An API key token is required'] });
  // PropelAuth accepts the key itself or `Bearer <key>`.
  const token = raw.toLowerCase().startsWith('bearer ') ? raw.slice(7) : raw;
  const key = keys.findByToken(token, imported);
  if (!key || key.deletedAt !== undefined || ownerGone(state, key)) throw new EmulatorInputError({ api_key_token: ['Invalid API key'] });
  const user = key.userId === undefined ? undefined : state.users.get(key.userId);
  const org = key.orgId === undefined ? undefined : state.orgs.get(key.orgId);
  if (keys.isExpired(key)) throw new EmulatorInputError({ api_key_token: ['The API key has expired'] });
  const wait = keys.takeRateLimit(key.apiKeyId);
  if (wait !== undefined) {
    throw new EmulatorHttpError(429, {
      error_code: 'rate_limit_exceeded',
      user_facing_error: `Your api keys have hit the rate limit. Wait ${Math.round(wait * 100) / 100} seconds.`,
      wait_seconds: wait,
    });
  }
  keys.recordUsage(key);
  const body: Record<string, unknown> = { metadata: key.metadata };
  if (user) {
    body.user_id = user.userId;
    body.user = wireUser(state, user);
  }
  if (org) {
    body.org_id = org.orgId;
    body.org = wireApiKeyOrg(org);
    const membership = user ? state.memberships.get(org.orgId)?.get(user.userId) : undefined;
    if (membership) body.user_in_org = wireStoredMembership(state.roles, org, membership);
  }
  return { status: 200, body };
}

/** The owner, expiry, metadata and name of a key to create or import, checked as PropelAuth does. */
function ownership(state: EmulatorState, keys: ApiKeyStore, request: Record<string, unknown>) {
  const userId = optionalString(request, 'user_id');
  const orgId = optionalString(request, 'org_id');
  if (userId !== undefined && !state.users.has(userId)) throw new EmulatorInputError({ user_id: ['User not found'] });
  if (orgId !== undefined) {
    state.requireOrganizations();
    if (!state.orgs.has(orgId)) throw new EmulatorInputError({ org_id: ['Organization not found'] });
    if (userId !== undefined && !state.memberships.get(orgId)?.has(userId)) {
      throw new EmulatorInputError({ user_id: ['The user is not a member of the organization'] });
    }
  }
  const expiresAt = request.expires_at_seconds;
  return {
    userId,
    orgId,
    expiresAtSeconds: expiresAt === undefined || expiresAt === null ? null : futureTime(keys, expiresAt),
    metadata: request.metadata === undefined || request.metadata === null ? undefined : metadataOf(request.metadata),
    displayName: optionalString(request, 'display_name'),
  };
}

function page(state: EmulatorState, keys: ApiKeyStore, query: URLSearchParams, archived: boolean) {
  const orgId = queryId(query, 'org_id', UUID);
  let userId = queryId(query, 'user_id', UUID);
  const { pageSize: size, pageNumber: number } = pagingParams(query, 1000);
  const email = query.get('user_email');
  if (email !== null) {
    const user = state.findUserByEmail(email);
    if (!user || (userId !== undefined && userId !== user.userId)) return pageOf([], size, number, 'api_keys', wireApiKey);
    userId = user.userId;
  }
  const matching = [...keys.keys.values()]
    .filter((key) => isArchived(state, keys, key) === archived)
    .filter((key) => (orgId === undefined || key.orgId === orgId) && (userId === undefined || key.userId === userId));
  return pageOf(matching, size, number, 'api_keys', wireApiKey);
}

function queryId(query: URLSearchParams, name: string, pattern: RegExp): string | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!pattern.test(value)) throw new EmulatorInputError({ [name]: [`Invalid ${name}`] });
  return value;
}

/** The key, 404 if there is none (or, unless `includeArchived`, if it is archived). */
function existingKey(state: EmulatorState, keys: ApiKeyStore, apiKeyId: string, includeArchived: boolean): EmulatorApiKey {
  const key = API_KEY_ID.test(apiKeyId) ? keys.keys.get(apiKeyId.toLowerCase()) : undefined;
  if (!key || (!includeArchived && isArchived(state, keys, key))) throw new EmulatorNotFoundError();
  return key;
}

/** Deleted, expired, or its owner is gone. */
function isArchived(state: EmulatorState, keys: ApiKeyStore, key: EmulatorApiKey): boolean {
  return keys.isArchived(key) || ownerGone(state, key);
}

/**
 * PropelAuth invalidates a user's keys when the user is deleted (and personal
 * keys when the user is disabled), and an org's keys when the org is deleted.
 */
function ownerGone(state: EmulatorState, key: EmulatorApiKey): boolean {
  const user = key.userId === undefined ? undefined : state.users.get(key.userId);
  if (key.userId !== undefined && (!user || (key.orgId === undefined && !user.enabled))) return true;
  return key.orgId !== undefined && !state.orgs.has(key.orgId);
}

function futureTime(keys: ApiKeyStore, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new EmulatorInputError({ expires_at_seconds: ['Must be a unix time in seconds'] });
  if (value <= keys.now()) throw new EmulatorInputError({ expires_at_seconds: ['Must be in the future'] });
  return value;
}

function metadataOf(value: unknown): Record<string, unknown> {
  if (!isObject(value)) throw new EmulatorInputError({ metadata: ['Metadata must be a JSON object'] });
  return value;
}
