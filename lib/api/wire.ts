import { orgMemberInfoFromWire } from '../models/user-from-claims';
import { httpOf } from './api-context';
import type { ApiRequest, ApiResponse, HttpMethod } from './propelauth-http.client';
import { errorFor } from './propelauth-http.client';
import { PropelAuthNotFoundError } from './propelauth-api.errors';

/** Keys whose values are the customer's own data: their inner keys are kept exactly as sent. */
const KEEP_AS_SENT = new Set(['metadata', 'org_metadata', 'properties', 'user_signup_query_parameters']);
/** Keys whose values are maps of org id to PropelAuth's per-org object, turned into `OrgMemberInfo`. */
const ORG_MAPS = new Set(['org_id_to_org_info', 'org_id_to_org_member_info']);
/** Keys whose value is one per-org object. */
const ORG_OBJECTS = new Set(['user_in_org']);

/**
 * PropelAuth's snake_case JSON to the camelCase shape of its Node library.
 * Unlike that library, keys inside `properties` and `metadata` are left as the
 * customer wrote them, and per-org objects become real `OrgMemberInfo` instances.
 */
export function camelize<T>(value: unknown): T {
  return convert(value) as T;
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    const name = camelKey(key);
    let converted: unknown;
    if (KEEP_AS_SENT.has(key)) converted = inner;
    else if (ORG_MAPS.has(key) && inner !== null && typeof inner === 'object') converted = orgMap(inner as Record<string, unknown>);
    else if (ORG_OBJECTS.has(key)) converted = orgObject(inner);
    else converted = convert(inner);
    Object.defineProperty(result, name, { value: converted, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** `user_id` -> `userId` (letters only after the underscore, as PropelAuth's Node library does). */
function camelKey(key: string): string {
  return key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function orgMap(map: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = Object.create(null);
  for (const orgId of Object.keys(map)) {
    Object.defineProperty(result, orgId, { value: orgObject(map[orgId]), enumerable: true });
  }
  return result;
}

function orgObject(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  try {
    return orgMemberInfoFromWire(value);
  } catch {
    return convert(value); // not the per-org shape after all: keep it, camelCased
  }
}

/** `true` for a 2xx, `false` for a 404 (the official library's "not found" result), else the typed error. */
function trueOrFalseOn404(response: ApiResponse, action: string): boolean {
  if (response.status < 400) return true;
  if (response.status === 404) return false;
  throw errorFor(response, action);
}

/** The camelCased body of a 2xx, `null` for a 404, else the typed error. */
export function bodyOrNullOn404<T>(response: ApiResponse, action: string): T | null {
  if (response.status === 404) return null;
  if (response.status < 400) return camelize<T>(response.body);
  throw errorFor(response, action);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const API_KEY_ID = /^[0-9a-f]{32}$/i;

/** PropelAuth user, org and employee ids are UUIDs: anything else cannot exist, so no request is sent. */
export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

/** End-user API key ids are 32 hex digits. */
export function isApiKeyId(id: unknown): id is string {
  return typeof id === 'string' && API_KEY_ID.test(id);
}

/**
 * The not-found error for an id that cannot exist (not a UUID, not a key id), made
 * without sending a request. Status 404 and a `code` naming the bad id, alike for
 * every method, so callers handle it as PropelAuth's own 404.
 */
export function notFoundWithoutRequest(method: HttpMethod, path: string, message: string, code: string): PropelAuthNotFoundError {
  return new PropelAuthNotFoundError(`${message} (no request was sent)`, { status: 404, method, path, code });
}

/** The not-found error for an org id that is not a UUID (`path`: what would have been asked, see `reportedPath`). */
export function invalidOrgId(method: HttpMethod, path: string, action: string): PropelAuthNotFoundError {
  return notFoundWithoutRequest(method, path, `PropelAuth has no such org to ${action}: the org id is not a UUID`, 'invalid_org_id');
}

/**
 * An update that answers true, or false when the target does not exist: ids that
 * cannot be valid (not UUIDs, or what `isValidId` refuses) are false without a request, a 404 is false.
 */
export async function sendOrFalse(api: object, ids: readonly unknown[], action: string, request: () => ApiRequest, isValidId: (id: unknown) => boolean = isUuid): Promise<boolean> {
  // The request is built only for valid ids: building it may refuse a bad path parameter.
  if (!ids.every((id) => isValidId(id))) return false;
  return trueOrFalseOn404(await httpOf(api).send(request()), action);
}
