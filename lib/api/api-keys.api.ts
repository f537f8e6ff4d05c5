import { httpOf } from './api-context';
import type {
  ApiKeyFull,
  ApiKeyNew,
  ApiKeyResultPage,
  ApiKeysCreateRequest,
  ApiKeysImportRequest,
  ApiKeysImportResponse,
  ApiKeysQueryRequest,
  ApiKeyUpdateRequest,
  ApiKeyUsageQueryRequest,
  ApiKeyUsageQueryResponse,
  ApiKeyValidation,
  OrgApiKeyValidation,
  PersonalApiKeyValidation,
} from './api-keys.types';
import { PropelAuthBadRequestError, PropelAuthNotFoundError } from './propelauth-api.errors';
import { apiPath, expectSuccess, type HttpMethod } from './propelauth-http.client';
import { camelize, isApiKeyId, notFoundWithoutRequest, sendOrFalse } from './wire';

/**
 * End-user API key functions (section 9.4) of `PropelAuthApiService`. Mixed into the service: call them on the
 * injected `PropelAuthApiService`.
 *
 * API key tokens are secrets: no error thrown here ever contains one (errors
 * carry the response, never the request body).
 */
export class ApiKeysApi {
  /**
   * The API key with this id (current or archived).
   * @throws PropelAuthNotFoundError when there is no such key, or, without a request, when `apiKeyId` is not 32 hex digits
   *
   * @example const key = await api.fetchApiKey(apiKeyId); // key.expiresAtSeconds === null: never expires
   */
  async fetchApiKey(apiKeyId: string): Promise<ApiKeyFull> {
    const action = 'fetch the API key';
    if (!isApiKeyId(apiKeyId)) throw notAnApiKeyId('GET', action);
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/end_user_api_keys/${apiKeyId}` });
    return camelize<ApiKeyFull>(expectSuccess(response, action));
  }

  /**
   * One page of the API keys that are not archived, optionally only those of an org, a user id or a user email.
   * @throws PropelAuthBadRequestError for an invalid filter
   *
   * @example const { apiKeys, hasMoreResults } = await api.fetchCurrentApiKeys({ orgId, pageSize: 50 });
   */
  async fetchCurrentApiKeys(query: ApiKeysQueryRequest = {}): Promise<ApiKeyResultPage> {
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/end_user_api_keys`, query: keysQuery(query) });
    return camelize<ApiKeyResultPage>(expectSuccess(response, 'fetch the current API keys'));
  }

  /**
   * One page of the archived API keys: deleted or expired.
   * @throws PropelAuthBadRequestError for an invalid filter
   *
   * @example const { apiKeys } = await api.fetchArchivedApiKeys({ userId });
   */
  async fetchArchivedApiKeys(query: ApiKeysQueryRequest = {}): Promise<ApiKeyResultPage> {
    const response = await httpOf(this).send({ method: 'GET', path: apiPath`/end_user_api_keys/archived`, query: keysQuery(query) });
    return camelize<ApiKeyResultPage>(expectSuccess(response, 'fetch the archived API keys'));
  }

  /**
   * Creates an API key: personal (`userId`), org (`orgId`, optionally with `userId`) or ownerless.
   * The token is returned once; keep it secret.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. an unknown user); PropelAuthFeatureNotEnabledError for org keys without B2B support
   *
   * @example const { apiKeyId, apiKeyToken } = await api.createApiKey({ orgId, displayName: 'CI', metadata: { scope: 'read' } });
   */
  async createApiKey(request: ApiKeysCreateRequest): Promise<ApiKeyNew> {
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/end_user_api_keys`,
      body: {
        org_id: request.orgId,
        user_id: request.userId,
        expires_at_seconds: request.expiresAtSeconds,
        metadata: request.metadata,
        display_name: request.displayName,
      },
    });
    return camelize<ApiKeyNew>(expectSuccess(response, 'create the API key'));
  }

  /**
   * Changes a key's expiry and/or replaces its metadata; resolves to `true`.
   * @throws PropelAuthNotFoundError when there is no such (current) key, or, without a request, when `apiKeyId` is not 32 hex digits;
   * PropelAuthBadRequestError with `fieldToErrors` (e.g. an expiry in the past)
   *
   * @example await api.updateApiKey(apiKeyId, { setToNeverExpire: true, metadata: { scope: 'write' } });
   */
  async updateApiKey(apiKeyId: string, request: ApiKeyUpdateRequest): Promise<true> {
    const action = 'update the API key';
    if (!isApiKeyId(apiKeyId)) throw notAnApiKeyId('PATCH', action);
    const response = await httpOf(this).send({
      method: 'PATCH',
      path: apiPath`/end_user_api_keys/${apiKeyId}`,
      body: {
        expires_at_seconds: request.expiresAtSeconds,
        metadata: request.metadata,
        set_to_never_expire: request.setToNeverExpire,
      },
    });
    expectSuccess(response, action);
    return true;
  }

  /**
   * Deletes (archives) a key: it stops validating at once. `false` if there is no such current key,
   * and, without a request, if `apiKeyId` is not 32 hex digits.
   *
   * @example if (!(await api.deleteApiKey(apiKeyId))) console.log('already gone');
   */
  async deleteApiKey(apiKeyId: string): Promise<boolean> {
    return sendOrFalse(this, [apiKeyId], 'delete the API key', () => ({ method: 'DELETE', path: apiPath`/end_user_api_keys/${apiKeyId}` }), isApiKeyId);
  }

  /**
   * Validates an API key token (a leading `Bearer `, any case, is removed, so an `Authorization`
   * header can be passed as is) and returns its metadata and owner: `user`, `org` (with `orgName`)
   * and `userInOrg` (an `OrgMemberInfo`).
   * @throws PropelAuthBadRequestError (`fieldToErrors.api_key_token`) for an unknown, deleted or expired key, and,
   * without a request, for an empty token; PropelAuthRateLimitedError (`waitSeconds`) when the key hit its rate limit
   *
   * @example const { user, org, metadata } = await api.validateApiKey(req.headers.authorization ?? '');
   */
  async validateApiKey(apiKeyToken: string): Promise<ApiKeyValidation> {
    return validate(this, 'validate', apiKeyToken, 'validate the API key');
  }

  /**
   * Validates a personal API key (owned by a user, not by an org): `{ user, metadata }`.
   * @throws as `validateApiKey`, and PropelAuthBadRequestError (`{ api_key_token: ['Not a personal API Key'] }`) for another kind of key
   *
   * @example const { user } = await api.validatePersonalApiKey(token);
   */
  async validatePersonalApiKey(apiKeyToken: string): Promise<PersonalApiKeyValidation> {
    const action = 'validate the personal API key';
    const validation = await validate(this, 'validate', apiKeyToken, action);
    if (!validation.user || validation.org) throw wrongKind('Not a personal API Key', action);
    return { user: validation.user, metadata: validation.metadata };
  }

  /**
   * Validates an org API key: `{ org, metadata, user?, userInOrg? }`.
   * @throws as `validateApiKey`, and PropelAuthBadRequestError (`{ api_key_token: ['Not an org API Key'] }`) for another kind of key
   *
   * @example const { org } = await api.validateOrgApiKey(token); // org.orgId, org.orgName
   */
  async validateOrgApiKey(apiKeyToken: string): Promise<OrgApiKeyValidation> {
    const action = 'validate the org API key';
    const validation = await validate(this, 'validate', apiKeyToken, action);
    if (!validation.org) throw wrongKind('Not an org API Key', action);
    return { org: validation.org, metadata: validation.metadata, user: validation.user, userInOrg: validation.userInOrg };
  }

  /**
   * Imports a key issued by another system, to be checked with `validateImportedApiKey`.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. a key already imported)
   *
   * @example const { apiKeyId } = await api.importApiKey({ importedApiKey: legacyKey, userId });
   */
  async importApiKey(request: ApiKeysImportRequest): Promise<ApiKeysImportResponse> {
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/end_user_api_keys/import`,
      body: {
        imported_api_key: request.importedApiKey,
        org_id: request.orgId,
        user_id: request.userId,
        expires_at_seconds: request.expiresAtSeconds,
        metadata: request.metadata,
        display_name: request.displayName,
      },
    });
    return camelize<ApiKeysImportResponse>(expectSuccess(response, 'import the API key'));
  }

  /**
   * Validates an imported key, as `validateApiKey` does for keys PropelAuth issued.
   * @throws as `validateApiKey`
   *
   * @example const { user } = await api.validateImportedApiKey(req.headers.authorization ?? '');
   */
  async validateImportedApiKey(apiKeyToken: string): Promise<ApiKeyValidation> {
    return validate(this, 'validate_imported', apiKeyToken, 'validate the imported API key');
  }

  /**
   * How many times the matching keys were validated on one UTC day.
   * @throws PropelAuthBadRequestError with `fieldToErrors` (e.g. a date that is not `YYYY-MM-DD`)
   *
   * @example const { count } = await api.fetchApiKeyUsage({ date: '2025-01-31', orgId });
   */
  async fetchApiKeyUsage(query: ApiKeyUsageQueryRequest): Promise<ApiKeyUsageQueryResponse> {
    const response = await httpOf(this).send({
      method: 'GET',
      path: apiPath`/end_user_api_keys/usage`,
      query: { org_id: query.orgId, user_id: query.userId, api_key_id: query.apiKeyId ?? query.api_key_id, date: query.date },
    });
    return camelize<ApiKeyUsageQueryResponse>(expectSuccess(response, 'fetch the API key usage'));
  }
}

const VALIDATE_PATH = { validate: apiPath`/end_user_api_keys/validate`, validate_imported: apiPath`/end_user_api_keys/validate_imported` };

// Functions, not methods: every method of the class is mixed into the service.
async function validate(api: object, endpoint: keyof typeof VALIDATE_PATH, apiKeyToken: string, action: string): Promise<ApiKeyValidation> {
  const path = VALIDATE_PATH[endpoint];
  const token = typeof apiKeyToken === 'string' ? withoutBearer(apiKeyToken) : '';
  if (token === '') {
    throw new PropelAuthBadRequestError(`Cannot ${action}: no API key token was given (no request was sent)`, {
      status: 400,
      method: 'POST',
      path,
      body: { api_key_token: ['No API key token was given'] },
    });
  }
  const response = await httpOf(api).send({ method: 'POST', path, body: { api_key_token: token } });
  return camelize<ApiKeyValidation>(expectSuccess(response, action));
}

/** As PropelAuth's libraries do: `Bearer <token>` (any case, one space) becomes `<token>`. */
function withoutBearer(token: string): string {
  return token.toLowerCase().startsWith('bearer ') ? token.slice(7) : token;
}

function keysQuery(query: ApiKeysQueryRequest): Record<string, string | number | undefined> {
  return { org_id: query.orgId, user_id: query.userId, user_email: query.userEmail, page_size: query.pageSize, page_number: query.pageNumber };
}

// The id is left out of the message and path on purpose: a caller who passes
// a token where an id belongs must not see the token in logs.
function notAnApiKeyId(method: HttpMethod, action: string): PropelAuthNotFoundError {
  return notFoundWithoutRequest(
    method,
    '/api/backend/v1/end_user_api_keys/{apiKeyId}',
    `Cannot ${action}: the id is not an API key id (32 hex digits), so there is no such key`,
    'invalid_api_key_id',
  );
}

function wrongKind(message: string, action: string): PropelAuthBadRequestError {
  return new PropelAuthBadRequestError(`Cannot ${action}: the API key is valid but of another kind (${message})`, {
    status: 400,
    method: 'POST',
    path: VALIDATE_PATH.validate,
    body: { api_key_token: [message] },
  });
}
