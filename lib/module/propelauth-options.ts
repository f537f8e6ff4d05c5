import { createPublicKey, type KeyObject } from 'node:crypto';
import { DEFAULT_API_BASE_URL } from '../propelauth.constants';
import { PropelAuthConfigError } from '../errors';
import type { AuthFailureEvent, PropelAuthApiClientOptions, PropelAuthModuleOptions, TokenExtractor } from './propelauth-options.interface';

/** Options after validation: what the rest of the library works with. */
export interface ResolvedPropelAuthOptions {
  authUrl: URL;
  /** The auth URL's hostname, sent as `X-Propelauth-url` on every backend request. */
  authHostname: string;
  apiKey: string;
  apiBaseUrl: string;
  /** The `iss` every token must carry, normalised without a trailing slash. */
  issuer: string;
  /** Set when `manualTokenVerificationMetadata` was given: no start-up fetch. */
  manualVerifierKey?: KeyObject;
  /** Verify against this JWKS (keys by kid) instead of the metadata PEM. */
  jwksUri?: string;
  /** The least time between two key refreshes caused by tokens signed with an unknown key. */
  keyRefreshIntervalSeconds: number;
  clockToleranceSeconds: number;
  tokenCacheSize: number;
  debugMode: boolean;
  startup: { maxAttempts: number; retryDelayMs: number; requestTimeoutMs: number };
  api: Required<PropelAuthApiClientOptions>;
  tokenExtractor: TokenExtractor;
  onAuthFailure?: (event: AuthFailureEvent) => void;
}

const MAX_CLOCK_TOLERANCE_SECONDS = 300;
/** About 2.5 KB an entry (token plus user): a few MB at most. */
const DEFAULT_TOKEN_CACHE_SIZE = 1000;
const MIN_RSA_MODULUS_BITS = 2048;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Validates the module options once, at boot, so a mistake fails the application
 * start rather than the first request. Messages never contain the API key.
 */
export function resolvePropelAuthOptions(options: PropelAuthModuleOptions): ResolvedPropelAuthOptions {
  if (options === null || typeof options !== 'object') {
    throw new PropelAuthConfigError('PropelAuthModule options must be an object with authUrl and apiKey');
  }
  const authUrl = parseServiceUrl(options.authUrl, 'authUrl');
  const apiBaseUrl = parseServiceUrl(options.apiBaseUrl ?? DEFAULT_API_BASE_URL, 'apiBaseUrl');
  if (apiBaseUrl.search || apiBaseUrl.hash) {
    throw new PropelAuthConfigError('PropelAuthModule option apiBaseUrl must not have a query or a fragment');
  }
  const apiKey = validateApiKey(options.apiKey);

  let issuer = authUrl.origin;
  let manualVerifierKey: KeyObject | undefined;
  const manual = options.manualTokenVerificationMetadata;
  if (manual !== undefined) {
    if (manual === null || typeof manual !== 'object') {
      throw new PropelAuthConfigError('manualTokenVerificationMetadata must be { verifierKey, issuer }');
    }
    manualVerifierKey = parseVerifierKey(manual.verifierKey, (msg) => new PropelAuthConfigError(`manualTokenVerificationMetadata.verifierKey ${msg}`));
    if (typeof manual.issuer !== 'string' || manual.issuer.length === 0) {
      throw new PropelAuthConfigError('manualTokenVerificationMetadata.issuer must be a non-empty string such as https://auth.example.com');
    }
    issuer = normalizeIssuer(manual.issuer);
  }

  let jwksUri: string | undefined;
  if (options.jwksUri !== undefined) {
    if (manualVerifierKey !== undefined) {
      throw new PropelAuthConfigError('PropelAuthModule options jwksUri and manualTokenVerificationMetadata exclude each other');
    }
    jwksUri = parseServiceUrl(options.jwksUri, 'jwksUri').href;
  }

  const tolerance = options.clockToleranceSeconds ?? 0;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw new PropelAuthConfigError(`clockToleranceSeconds must be a number from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}`);
  }

  const startup = options.startup ?? {};
  const api = options.api ?? {};
  if (options.onAuthFailure !== undefined && typeof options.onAuthFailure !== 'function') {
    throw new PropelAuthConfigError('PropelAuthModule option onAuthFailure must be a function');
  }
  return {
    authUrl,
    authHostname: authUrl.hostname,
    apiKey,
    apiBaseUrl: apiBaseUrl.href.replace(/\/+$/, ''),
    issuer,
    manualVerifierKey,
    jwksUri,
    keyRefreshIntervalSeconds: nonNegativeInteger(options.keyRefreshIntervalSeconds ?? 60, 'keyRefreshIntervalSeconds'),
    clockToleranceSeconds: tolerance,
    tokenCacheSize: nonNegativeInteger(options.tokenCacheSize ?? DEFAULT_TOKEN_CACHE_SIZE, 'tokenCacheSize'),
    debugMode: options.debugMode === true,
    startup: {
      maxAttempts: positiveInteger(startup.maxAttempts ?? 5, 'startup.maxAttempts'),
      retryDelayMs: nonNegativeInteger(startup.retryDelayMs ?? 500, 'startup.retryDelayMs'),
      requestTimeoutMs: positiveInteger(startup.requestTimeoutMs ?? 10_000, 'startup.requestTimeoutMs'),
    },
    api: {
      timeoutMs: positiveInteger(api.timeoutMs ?? 10_000, 'api.timeoutMs'),
      maxRetries: nonNegativeInteger(api.maxRetries ?? 2, 'api.maxRetries'),
      retryBaseDelayMs: nonNegativeInteger(api.retryBaseDelayMs ?? 250, 'api.retryBaseDelayMs'),
      maxRetryDelayMs: nonNegativeInteger(api.maxRetryDelayMs ?? 10_000, 'api.maxRetryDelayMs'),
      retryOnRateLimit: api.retryOnRateLimit !== false,
      retryOnServerError: api.retryOnServerError !== false,
    },
    tokenExtractor: validateTokenExtractor(options.tokenExtractor ?? 'header'),
    onAuthFailure: options.onAuthFailure,
  };
}

/** Strips trailing slashes so that `https://a.com/` and `https://a.com` compare equal. */
export function normalizeIssuer(issuer: string): string {
  return issuer.replace(/\/+$/, '');
}

/**
 * Parses an SPKI PEM into a KeyObject once. Refuses anything but RSA of at least
 * 2048 bits, so a wrong or weak key fails at boot instead of on every request.
 */
export function parseVerifierKey(pem: unknown, makeError: (message: string) => Error): KeyObject {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw makeError('must be an SPKI PEM public key (-----BEGIN PUBLIC KEY-----)');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw makeError('could not be parsed as a PEM public key');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw makeError(`must be an RSA key (got ${key.asymmetricKeyType ?? 'unknown'})`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_MODULUS_BITS) {
    throw makeError(`must be an RSA key of at least ${MIN_RSA_MODULUS_BITS} bits (got ${bits})`);
  }
  return key;
}

function parseServiceUrl(value: unknown, name: string): URL {
  if (typeof value !== 'string' || value.length === 0) {
    throw new PropelAuthConfigError(`PropelAuthModule option ${name} is required: a URL such as https://auth.example.com`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PropelAuthConfigError(`PropelAuthModule option ${name} is not a valid URL: ${JSON.stringify(value.slice(0, 200))}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new PropelAuthConfigError(`PropelAuthModule option ${name} must use https (http is allowed for localhost only): ${url.origin}`);
  }
  if (url.username || url.password) {
    throw new PropelAuthConfigError(`PropelAuthModule option ${name} must not contain a user name or password`);
  }
  return url;
}

function validateApiKey(apiKey: unknown): string {
  if (typeof apiKey !== 'string' || apiKey.length === 0) {
    throw new PropelAuthConfigError('PropelAuthModule option apiKey is required (your backend integration API key)');
  }
  // Visible ASCII only: a CR/LF or control character would let the key inject headers.
  if (!/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new PropelAuthConfigError('PropelAuthModule option apiKey contains whitespace, control or non-ASCII characters');
  }
  return apiKey;
}

function validateTokenExtractor(extractor: unknown): TokenExtractor {
  if (extractor === 'header' || typeof extractor === 'function') return extractor as TokenExtractor;
  const cookie = (extractor as { cookie?: unknown } | null)?.cookie;
  if (typeof cookie === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookie)) return { cookie };
  throw new PropelAuthConfigError(`PropelAuthModule option tokenExtractor must be 'header', { cookie: '<name>' } or a function (request) => string | undefined`);
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new PropelAuthConfigError(`PropelAuthModule option ${name} must be a positive integer`);
  }
  return value;
}

function nonNegativeInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new PropelAuthConfigError(`PropelAuthModule option ${name} must be a non-negative integer`);
  }
  return value;
}
