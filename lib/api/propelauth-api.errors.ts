/**
 * Base of every error `PropelAuthApiService` throws. It carries what went wrong
 * on the wire (status, method, path, parsed body) and never a request header,
 * the API key or a token: `message`, `JSON.stringify`, `util.inspect` and
 * `cause` are all safe to log.
 *
 * @example
 * try { await api.createUser({ email }) }
 * catch (e) { if (e instanceof PropelAuthBadRequestError) console.log(e.fieldToErrors) }
 */
export class PropelAuthApiError extends Error {
  override name = 'PropelAuthApiError';
  /** HTTP status; 0 when no response arrived (timeout, network error). */
  readonly status: number;
  readonly method: string;
  /** The request path, without the query string. */
  readonly path: string;
  /** The response body, parsed as JSON when it is JSON (text otherwise, at most 2 KB). */
  readonly body: unknown;
  /** PropelAuth's `error_code`, or the network error code (ECONNRESET, ETIMEDOUT, ...). */
  readonly code?: string;

  constructor(message: string, details: { status: number; method: string; path: string; body?: unknown; code?: string }) {
    super(message);
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.body = details.body;
    this.code = details.code;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, status: this.status, method: this.method, path: this.path, code: this.code, body: this.body };
  }
}

/** 400: PropelAuth refused the request; `fieldToErrors` says why, field by field. */
export class PropelAuthBadRequestError extends PropelAuthApiError {
  override name = 'PropelAuthBadRequestError';
  /** `{ field: [messages] }`; empty when the body had no field errors (it may not even be JSON). */
  readonly fieldToErrors: Record<string, string[]>;

  constructor(message: string, details: ConstructorParameters<typeof PropelAuthApiError>[1]) {
    super(message, details);
    this.fieldToErrors = fieldErrorsOf(details.body);
  }
}

/** 401: PropelAuth rejected the API key. */
export class PropelAuthApiKeyRejectedError extends PropelAuthApiError {
  override name = 'PropelAuthApiKeyRejectedError';
}

/** 403: the API key may not do this. */
export class PropelAuthForbiddenError extends PropelAuthApiError {
  override name = 'PropelAuthForbiddenError';
}

/** 404 where "not found" is not a plain `null`/`false` result of the method. */
export class PropelAuthNotFoundError extends PropelAuthApiError {
  override name = 'PropelAuthNotFoundError';
}

/** 426: the feature is not enabled for the project (e.g. organizations without B2B support). */
export class PropelAuthFeatureNotEnabledError extends PropelAuthApiError {
  override name = 'PropelAuthFeatureNotEnabledError';
}

/** 429, after the retries allowed: wait `waitSeconds` (when PropelAuth said) before trying again. */
export class PropelAuthRateLimitedError extends PropelAuthApiError {
  override name = 'PropelAuthRateLimitedError';
  readonly waitSeconds?: number;
  readonly userFacingError?: string;

  constructor(message: string, details: ConstructorParameters<typeof PropelAuthApiError>[1] & { waitSeconds?: number }) {
    super(message, details);
    this.waitSeconds = details.waitSeconds;
    const body = details.body as { user_facing_error?: unknown } | undefined;
    this.userFacingError = typeof body?.user_facing_error === 'string' ? body.user_facing_error : undefined;
  }
}

/** No answer within the configured timeout. */
export class PropelAuthTimeoutError extends PropelAuthApiError {
  override name = 'PropelAuthTimeoutError';
}

/** The connection failed or broke before an answer (status 0). */
export class PropelAuthNetworkError extends PropelAuthApiError {
  override name = 'PropelAuthNetworkError';
}

function fieldErrorsOf(body: unknown): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return result;
  const source = body as Record<string, unknown>;
  // MFA endpoints nest them: { error_code, user_facing_error, field_errors: { field: message } }
  const nested = source.field_errors;
  const fields = nested !== null && typeof nested === 'object' && !Array.isArray(nested) ? (nested as Record<string, unknown>) : source;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) result[key] = value;
    else if (typeof value === 'string' && fields === nested) result[key] = [value];
  }
  return result;
}
