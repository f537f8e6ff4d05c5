import type { ExecutionContext, InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';

/** The verifier key and issuer, as shown on the Backend Integration page of the PropelAuth dashboard. */
export interface TokenVerificationMetadata {
  /** The RSA public key in SPKI PEM form (`-----BEGIN PUBLIC KEY-----`). */
  verifierKey: string;
  /** The issuer, e.g. `https://auth.example.com` (a trailing slash is ignored). */
  issuer: string;
}

/** How start-up fetches the token verification metadata. */
export interface PropelAuthStartupOptions {
  /** Attempts in all, the first included (default 5). 401 is never retried. */
  maxAttempts?: number;
  /** First backoff delay in ms; doubles on every retry, with jitter, capped at 10 s (default 500). */
  retryDelayMs?: number;
  /** Timeout of each attempt in ms (default 10 000). */
  requestTimeoutMs?: number;
}

/** How `PropelAuthApiService` talks to PropelAuth's backend API. */
export interface PropelAuthApiClientOptions {
  /** Timeout of each attempt in ms (default 10 000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** First backoff delay in ms; doubles on every retry, with jitter (default 250). */
  retryBaseDelayMs?: number;
  /** The longest wait before a retry, `Retry-After` included; a longer 429 wait is not retried (default 10 000). */
  maxRetryDelayMs?: number;
  /** Retry 429 answers, honouring `Retry-After` / `wait_seconds` (default true). */
  retryOnRateLimit?: boolean;
  /** Retry 5xx answers, timeouts and network errors of idempotent requests: GET, PUT, DELETE (default true). */
  retryOnServerError?: boolean;
}

/**
 * Where the guards take the access token from: the `Authorization: Bearer` header
 * (the default), a cookie (e.g. `{ cookie: '__pa_at' }`, as PropelAuth's Next.js
 * library sets it), or a function of the request returning the raw token. A
 * function is called with the HTTP request (GraphQL: the operation's HTTP request;
 * WebSockets: the handshake request; RPC: the message data) and the context.
 */
export type TokenExtractor = 'header' | { cookie: string } | ((request: any, context: ExecutionContext) => string | undefined);

/** What `onAuthFailure` is told about each refused request (never the token). */
export interface AuthFailureEvent {
  /** 400 (ambiguous token), 401, 403 or 503. */
  status: 400 | 401 | 403 | 503;
  /** A `TokenErrorReason`, or for 403 the org check that failed, or `not_ready`. */
  reason: string;
  /** The route's execution context (`context.getClass()`, `getHandler()`, `switchToHttp()`...). */
  context: ExecutionContext;
}

/**
 * Options of `PropelAuthModule.forRoot()`.
 *
 * @example
 * PropelAuthModule.forRoot({ authUrl: 'https://auth.example.com', apiKey: process.env.PROPELAUTH_API_KEY! })
 */
export interface PropelAuthModuleOptions {
  /** Your PropelAuth auth URL, e.g. `https://auth.example.com`. Its origin is the expected token issuer. */
  authUrl: string;
  /** Your backend integration API key. Never logged, never put in an error message. */
  apiKey: string;
  /** Skip the start-up fetch and verify with this key and issuer (serverless, no outbound network). */
  manualTokenVerificationMetadata?: TokenVerificationMetadata;
  /**
   * Verify against a JWKS (keys selected by the token's `kid`, through jwks-rsa)
   * instead of the single PEM of the verification metadata.
   */
  jwksUri?: string;
  /**
   * Key rotation: a token signed with a key not loaded yet (an unknown kid with a
   * JWKS; a failed signature with another kid on the PEM path) makes the guards
   * refresh the keys once and retry, at most once per this many seconds (default 60).
   */
  keyRefreshIntervalSeconds?: number;
  /** Where backend API calls go (default `https://propelauth-api.com`); point it at the emulator in tests. */
  apiBaseUrl?: string;
  /** Seconds of clock skew allowed on `exp` and `nbf` (default 0, at most 300). */
  clockToleranceSeconds?: number;
  /** Verified tokens kept in memory, least recently used evicted first (default 1000; 0 disables the cache). */
  tokenCacheSize?: number;
  /** Put the reason of a 401/403 in the response body (default off: Nest's plain bodies). */
  debugMode?: boolean;
  /** Start-up fetch of the verification metadata. */
  startup?: PropelAuthStartupOptions;
  /** Timeouts and retries of the backend API client. */
  api?: PropelAuthApiClientOptions;
  /** Where the guards read the token (default: the `Authorization: Bearer` header). */
  tokenExtractor?: TokenExtractor;
  /** Called on every request a guard refuses, e.g. to count failures; it cannot change the answer. */
  onAuthFailure?: (event: AuthFailureEvent) => void;
}

/** What an options class given to `forRootAsync({ useClass })` implements. */
export interface PropelAuthOptionsFactory {
  createPropelAuthOptions(): PropelAuthModuleOptions | Promise<PropelAuthModuleOptions>;
}

/**
 * Options of `PropelAuthModule.forRootAsync()`.
 *
 * @example
 * PropelAuthModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({
 *     authUrl: config.getOrThrow('PROPELAUTH_AUTH_URL'),
 *     apiKey: config.getOrThrow('PROPELAUTH_API_KEY'),
 *   }),
 * })
 */
export interface PropelAuthModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Register the module globally (default true). */
  isGlobal?: boolean;
  /** Guard every route with `RequireUserGuard` (opt out with `@Public()`); default false. */
  globalGuard?: boolean;
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useFactory?: (...args: any[]) => PropelAuthModuleOptions | Promise<PropelAuthModuleOptions>;
  useClass?: Type<PropelAuthOptionsFactory>;
  useExisting?: Type<PropelAuthOptionsFactory>;
}
