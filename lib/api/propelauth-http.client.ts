import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { ResolvedPropelAuthOptions } from '../module/propelauth-options';
import { parseRetryAfter } from '../http/retry-after';
import {
  PropelAuthApiError,
  PropelAuthApiKeyRejectedError,
  PropelAuthBadRequestError,
  PropelAuthFeatureNotEnabledError,
  PropelAuthForbiddenError,
  PropelAuthNetworkError,
  PropelAuthNotFoundError,
  PropelAuthRateLimitedError,
  PropelAuthTimeoutError,
} from './propelauth-api.errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | undefined | null;

/** One backend API request. `path` is built with `apiPath` so that its parameters are encoded. */
export interface ApiRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
}

/** The answer after the allowed retries: any status, the body parsed when it is JSON. */
export interface ApiResponse {
  status: number;
  body: unknown;
  request: ApiRequest;
  /** From a `Retry-After` header (delta-seconds or HTTP date), when there was one. */
  retryAfterSeconds?: number;
}

const IDEMPOTENT = new Set<HttpMethod>(['GET', 'PUT', 'DELETE']);
const RETRIED_SERVER_STATUSES = new Set([500, 502, 503, 504]);
const MAX_BODY_TEXT = 2048;

/**
 * Builds a backend API path with every interpolated value percent-encoded, so a
 * parameter such as `../../admin` or `a/b` stays inside one path segment. A value
 * that is empty, `.` or `..` is refused: URL parsers treat those segments (even
 * percent-encoded) as navigation and would leave the API prefix.
 *
 * @example apiPath`/user/${userId}/mfa` // "/api/backend/v1/user/<encoded id>/mfa"
 */
export function apiPath(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  return buildPath(strings, values, true);
}

/**
 * `apiPath` for a path that is only reported, in the error for a request that was
 * not sent because an id cannot exist: every value is encoded alike, none refused.
 */
export function reportedPath(strings: TemplateStringsArray, ...values: unknown[]): string {
  return buildPath(strings, values, false);
}

function buildPath(strings: TemplateStringsArray, values: readonly unknown[], refuseDotSegments: boolean): string {
  let path = '/api/backend/v1';
  strings.forEach((literal, index) => {
    path += literal;
    if (index < values.length) {
      const value = String(values[index]);
      if (refuseDotSegments && (value === '' || value === '.' || value === '..')) {
        throw new TypeError(`${JSON.stringify(value)} is not a valid PropelAuth path parameter`);
      }
      path += encodeURIComponent(value);
    }
  });
  return path;
}

/**
 * The one HTTP client of the backend API: a keep-alive axios instance with a
 * per-attempt timeout and bounded retries (exponential backoff with jitter) on
 * 429 and, for idempotent methods, on 5xx, timeouts and network errors.
 * Errors are the library's own: no axios error, and so no request header,
 * ever leaves this class.
 */
export class PropelAuthHttpClient {
  private readonly axios: AxiosInstance;
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });

  constructor(private readonly options: ResolvedPropelAuthOptions) {
    this.axios = axios.create({
      baseURL: options.apiBaseUrl,
      timeout: options.api.timeoutMs,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      headers: {
        Authorization: `Bearer ${options.apiKey}`,
        'Content-Type': 'application/json',
        'X-Propelauth-url': options.authHostname,
      },
      responseType: 'text',
      transformResponse: (data: unknown) => data,
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  /** Sends the request, retrying where allowed; resolves with any HTTP status, rejects on timeout or network failure. */
  async send(request: ApiRequest): Promise<ApiResponse> {
    const { maxRetries, retryOnRateLimit, retryOnServerError } = this.options.api;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(request);
      const canRetry = attempt < maxRetries;
      const mayRetryFailure = canRetry && retryOnServerError && IDEMPOTENT.has(request.method);
      if (outcome instanceof PropelAuthApiError) {
        if (!mayRetryFailure) throw outcome;
        await sleep(this.backoff(attempt));
        continue;
      }
      if (canRetry && outcome.status === 429 && retryOnRateLimit) {
        const wait = waitSecondsFor(outcome);
        const delay = wait === undefined ? this.backoff(attempt) : Math.max(wait * 1000, 0);
        if (delay <= this.options.api.maxRetryDelayMs) {
          await sleep(delay);
          continue;
        }
      }
      if (mayRetryFailure && RETRIED_SERVER_STATUSES.has(outcome.status)) {
        await sleep(this.backoff(attempt));
        continue;
      }
      return outcome;
    }
  }

  /** Closes the keep-alive connections (on module destroy). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async attempt(request: ApiRequest): Promise<ApiResponse | PropelAuthApiError> {
    try {
      const response = await this.axios.request<string>({
        method: request.method,
        url: request.path,
        params: cleanQuery(request.query),
        data: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
      const header = response.headers['retry-after'];
      const retryAfterMs = typeof header === 'string' ? parseRetryAfter(header) : undefined;
      return { status: response.status, body: parseBody(response.data), request, retryAfterSeconds: retryAfterMs === undefined ? undefined : retryAfterMs / 1000 };
    } catch (error) {
      // Read only the code: axios errors hold the request config, Authorization header included.
      const raw = (error as { code?: unknown })?.code;
      const code = typeof raw === 'string' ? raw : 'ERR_NETWORK';
      const details = { status: 0, method: request.method, path: request.path, code };
      return code === 'ECONNABORTED' || code === 'ETIMEDOUT'
        ? new PropelAuthTimeoutError(`PropelAuth did not answer ${request.method} ${request.path} within ${this.options.api.timeoutMs} ms`, details)
        : new PropelAuthNetworkError(`PropelAuth could not be reached for ${request.method} ${request.path} (${code})`, details);
    }
  }

  private backoff(attempt: number): number {
    const { retryBaseDelayMs, maxRetryDelayMs } = this.options.api;
    return Math.min(retryBaseDelayMs * 2 ** attempt, maxRetryDelayMs) * (0.5 + Math.random() / 2);
  }
}

/**
 * The body of a successful answer, or the typed error for a failed one:
 * 400 field errors, 401 key rejected, 403, 404, 426 feature not enabled, 429
 * rate limited, anything else the base `PropelAuthApiError`.
 */
export function expectSuccess(response: ApiResponse, action: string, toError: (response: ApiResponse, action: string) => PropelAuthApiError = errorFor): unknown {
  if (response.status < 400) return response.body;
  throw toError(response, action);
}

/** The typed error for a failed answer (see `expectSuccess`). */
export function errorFor(response: ApiResponse, action: string): PropelAuthApiError {
  const { what, details } = refusalOf(response, action);
  switch (response.status) {
    case 400:
      return new PropelAuthBadRequestError(`${what}: invalid request`, details);
    case 401:
      return new PropelAuthApiKeyRejectedError(`${what}: the API key was rejected`, details);
    case 403:
      return new PropelAuthForbiddenError(`${what}: forbidden`, details);
    case 404:
      return new PropelAuthNotFoundError(`${what}: not found`, details);
    case 426:
      return new PropelAuthFeatureNotEnabledError(`${what}: the feature is not enabled for this project (for organizations: enable B2B support in the PropelAuth dashboard)`, details);
    case 429:
      return new PropelAuthRateLimitedError(`${what}: rate limited`, { ...details, waitSeconds: waitSecondsFor(response) });
    default:
      return new PropelAuthApiError(what, details);
  }
}

function cleanQuery(query: Record<string, QueryValue> | undefined): Record<string, string> | undefined {
  if (query === undefined) return undefined;
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) result[key] = String(value);
  }
  return result;
}

function parseBody(text: unknown): unknown {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.length > MAX_BODY_TEXT ? `${text.slice(0, MAX_BODY_TEXT)}…` : text;
  }
}

/**
 * How long a 429 asks to wait, in seconds: the body's `wait_seconds` (PropelAuth's
 * own, to the millisecond), else the `Retry-After` header; undefined when neither
 * says. The retry and the error thrown after the last one read it here alike.
 */
function waitSecondsFor(response: ApiResponse): number | undefined {
  const wait = (response.body as { wait_seconds?: unknown } | undefined)?.wait_seconds;
  return typeof wait === 'number' && Number.isFinite(wait) && wait >= 0 ? wait : response.retryAfterSeconds;
}

/** What every error for a failed answer says and carries: "PropelAuth refused to <action> (HTTP …)", and the details. */
export function refusalOf(response: ApiResponse, action: string) {
  const { status, body, request } = response;
  const details = { status, method: request.method, path: request.path, body, code: errorCodeOf(body) };
  return { what: `PropelAuth refused to ${action} (HTTP ${status} from ${request.method} ${request.path})`, details };
}

/** The `error_code` of an error body, when it has one. */
export function errorCodeOf(body: unknown): string | undefined {
  const code = (body as { error_code?: unknown } | undefined)?.error_code;
  return typeof code === 'string' ? code : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
