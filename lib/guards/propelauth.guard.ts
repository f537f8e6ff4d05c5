import {
  BadRequestException,
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PropelAuthNotReadyError, TokenVerificationError } from '../errors';
import type { OrgMemberInfo } from '../models/org-member-info';
import type { User } from '../models/user';
import type { ResolvedPropelAuthOptions } from '../module/propelauth-options';
import type { AuthFailureEvent } from '../module/propelauth-options.interface';
import { PROPELAUTH_LOGGER_CONTEXT, PROPELAUTH_RESOLVED_OPTIONS } from '../propelauth.constants';
import { parseBearerHeader } from '../verification/authorization-header';
import { TokenVerifierService } from '../verification/token-verifier.service';
import { loadRpcException, loadWsException } from './optional-peers';
import { checkOrgRequirements, type OrgRequirements } from './org-requirements';
import { RouteMetadataReader, type RouteAuthMetadata } from './route-metadata';
import {
  getGraphqlRequest,
  getHandshakeAuthToken,
  getHandshakeRequest,
  getMemoTarget,
  getRequestAuthState,
  getTokenMemo,
  setInvocationAuthState,
  setRequestAuthState,
  setTokenMemo,
  type PropelAuthRequest,
  type RequestAuthState,
} from './request-auth';

type RefusalStatus = AuthFailureEvent['status'];

/** `extensions.code` of the GraphQL error Apollo makes of each refusal; the `code` of WebSocket and RPC refusals. */
const REFUSAL_CODES: Record<RefusalStatus, string> = { 400: 'BAD_REQUEST', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 503: 'SERVICE_UNAVAILABLE' };
const REFUSAL_MESSAGES: Record<RefusalStatus, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' };
const HTTP_REFUSALS: Record<RefusalStatus, new (message?: string) => Error> = {
  400: BadRequestException,
  401: UnauthorizedException,
  403: ForbiddenException,
  503: ServiceUnavailableException,
};

/**
 * What a WebSocket (`WsException`) or RPC (`RpcException`) refusal carries; Nest
 * sends it as is: `{ event: 'exception', data: <this> }` to a `ws` client, the
 * `exception` event of socket.io, the error of a `ClientProxy.send()`.
 */
export interface PropelAuthRefusal {
  status: 'error';
  /** The HTTP status the refusal would have: 400, 401, 403 or 503. */
  statusCode: RefusalStatus;
  /** `BAD_REQUEST`, `UNAUTHENTICATED`, `FORBIDDEN` or `SERVICE_UNAVAILABLE`, as in GraphQL errors. */
  code: string;
  /** `Unauthorized`, `Forbidden`...; the reason in debug mode. */
  message: string;
}

/**
 * What `RequireUserGuard` and `OptionalUserGuard` share. Each step is a
 * protected method, so an application can subclass a guard and change one step
 * (for example `extractToken` to read the token from elsewhere).
 *
 * Transports (`context.getType()`):
 * - `http`: the request's token (see `tokenExtractor`), verified once per request.
 * - `graphql`: the token of the operation's HTTP request (`GqlExecutionContext`'s
 *   `context.req`), verified once per request however many resolvers are guarded;
 *   refusals are Nest HTTP exceptions, which Apollo turns into GraphQL errors with
 *   `extensions.code` `UNAUTHENTICATED` / `FORBIDDEN`.
 * - `ws`: the token of the client's handshake request (or socket.io's
 *   `handshake.auth.token`), verified once per client and token until it expires;
 *   refusals are `WsException`s carrying a `PropelAuthRefusal`.
 * - `rpc`: only with a function `tokenExtractor`, called with the message data and
 *   the context; refusals are `RpcException`s carrying a `PropelAuthRefusal`.
 * - anything else is refused.
 */
@Injectable()
export abstract class PropelAuthGuard implements CanActivate {
  /** True: no valid token means 401. False: the request goes on without a user. */
  protected abstract readonly userRequired: boolean;
  protected readonly logger = new Logger(PROPELAUTH_LOGGER_CONTEXT);
  private readonly metadataReader: RouteMetadataReader;
  private readonly warned = new Set<string>();

  constructor(
    protected readonly verifier: TokenVerifierService,
    protected readonly reflector: Reflector,
    @Inject(PROPELAUTH_RESOLVED_OPTIONS) protected readonly options: ResolvedPropelAuthOptions,
  ) {
    this.metadataReader = new RouteMetadataReader(reflector);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const route = this.getRouteMetadata(context);
    if (route.isPublic) return true;
    const request = this.getRequest(context);
    const state = this.authenticate(request, context);
    // Only a token signed with a key not loaded yet takes the asynchronous path (a key reload).
    if (state.pending !== undefined) return state.pending.then((settled) => this.decide(context, route, request, settled));
    return this.decide(context, route, request, state);
  }

  /** The answer for a verified (or refused) request: pass, 400, 401, 403 or 503. */
  protected decide(context: ExecutionContext, route: RouteAuthMetadata, request: PropelAuthRequest, state: RequestAuthState): boolean {
    const http = context.getType<string>() === 'http';
    if (state.user === undefined) {
      if (state.error instanceof PropelAuthNotReadyError) this.deny(context, 503, 'not_ready', state.error.message);
      if (state.error instanceof TokenVerificationError && state.error.reason === 'ambiguous_token') {
        if (http) setResponseHeader(context.switchToHttp().getResponse(), 'WWW-Authenticate', 'Bearer error="invalid_request"');
        this.deny(context, 400, state.error.reason, state.error.message);
      }
      // Org decorators need a user even when the user is optional.
      if ((this.userRequired && !route.optionalUser) || route.requirements !== undefined) {
        this.rejectUnauthenticated(context, state.error);
      }
      if (!http) setInvocationAuthState(context, {});
      return true;
    }
    if (route.requirements === undefined) {
      if (!http) setInvocationAuthState(context, { user: state.user });
      return true;
    }
    const org = this.authorize(context, request, state.user, route.requirements);
    if (http) {
      request.org = org; // where getRequestAuthState() finds it for @CurrentOrg()
    } else {
      // Not on the shared state: the resolvers of one GraphQL request, the messages
      // of one client, may each name another org.
      setInvocationAuthState(context, { user: state.user, org });
    }
    return true;
  }

  /**
   * Where the token is read, per transport: the HTTP request; on GraphQL the
   * operation's HTTP request (`context.req`); on WebSockets the client's handshake
   * request (an empty one for a `ws` client whose handshake was not remembered);
   * on RPC the message data. Refuses what it cannot handle (fail closed).
   */
  protected getRequest(context: ExecutionContext): PropelAuthRequest {
    const type = context.getType<string>();
    switch (type) {
      case 'http':
        // What switchToHttp().getRequest() returns, without the three closures Nest builds per call.
        return context.getArgByIndex<PropelAuthRequest>(0);
      case 'graphql': {
        const request = getGraphqlRequest(context);
        if (request !== undefined) return request;
        this.warnOnce('graphql', 'A guarded GraphQL resolver has no HTTP request in its context (context.req with headers): it is refused. Over subscriptions, set context.req in the driver\'s context function.');
        return this.deny(context, 401, 'no_request', 'PropelAuth guards found no HTTP request (context.req) in this GraphQL context', true);
      }
      case 'ws': {
        const handshake = getHandshakeRequest(context.switchToWs().getClient());
        if (handshake !== undefined) return handshake;
        if (typeof this.options.tokenExtractor !== 'function') {
          this.warnOnce('ws', 'A WebSocket client has no remembered handshake request, so no token: wrap the adapter, app.useWebSocketAdapter(withPropelAuthHandshake(new WsAdapter(app))).');
        }
        return { headers: {} };
      }
      case 'rpc':
        if (typeof this.options.tokenExtractor !== 'function') {
          const message = 'PropelAuth guards need a function tokenExtractor (data, context) => token to authenticate RPC messages';
          this.warnOnce('rpc', `${message}: every guarded message handler is refused.`);
          this.deny(context, 401, 'no_token_extractor', message, true);
        }
        return context.switchToRpc().getData<PropelAuthRequest>();
      default:
        return this.deny(context, 401, 'unsupported_context', `PropelAuth guards do not handle "${type}" contexts`, true);
    }
  }

  /** What `@Public()`, `@OptionalUser()` and the org decorators say about the route (read once per route). */
  protected getRouteMetadata(context: ExecutionContext): RouteAuthMetadata {
    return this.metadataReader.read(context);
  }

  /**
   * The raw access token of the request, from the configured `tokenExtractor`:
   * by default the `Authorization: Bearer` header, sent once. Throws
   * `TokenVerificationError` when it is missing or malformed, and for an
   * `access_token` in the URL (RFC 6750 §2.3: URLs end up in logs), which is
   * refused rather than read; with a header as well the request is ambiguous (400).
   * A function `tokenExtractor` is called with the request and the context (on RPC
   * the request is the message data). On WebSockets socket.io's
   * `handshake.auth.token` is read as well (both it and a header: ambiguous).
   */
  protected extractToken(request: PropelAuthRequest, context?: ExecutionContext): string {
    const extractor = this.options.tokenExtractor;
    if (typeof extractor === 'function') return checkExtracted((extractor as (request: unknown, context?: ExecutionContext) => unknown)(request, context));
    if (typeof extractor === 'object') return checkExtracted(readCookie(request, extractor.cookie));
    const header = request.headers.authorization;
    const authToken = context?.getType<string>() === 'ws' ? getHandshakeAuthToken(context.switchToWs().getClient()) : undefined;
    if (hasAccessTokenInUrl(request)) {
      throw header === undefined && authToken === undefined
        ? new TokenVerificationError('token_in_url', 'Access tokens in the URL are refused: send it as Authorization: Bearer <token>')
        : new TokenVerificationError('ambiguous_token', 'An access token was sent both in the Authorization header and in the URL');
    }
    if (authToken !== undefined) {
      if (header !== undefined) {
        throw new TokenVerificationError('ambiguous_token', 'An access token was sent both in the Authorization header and in the handshake auth');
      }
      return checkExtracted(authToken);
    }
    // Node keeps only the first of two Authorization headers in request.headers;
    // a proxy may have used the other, so two are refused.
    if (header !== undefined && countAuthorizationHeaders(request.rawHeaders ?? request.raw?.rawHeaders) > 1) {
      return parseBearerHeader([header]);
    }
    return parseBearerHeader(header);
  }

  /**
   * Verifies the request's token once per request, whatever number of guards run.
   * Outside HTTP the token is extracted on every call and its verification memoised
   * per token: on the GraphQL request (all its resolvers), the WebSocket client (all
   * its messages, until the token expires), the RPC message.
   */
  protected authenticate(request: PropelAuthRequest, context?: ExecutionContext): RequestAuthState {
    if (context !== undefined && context.getType<string>() !== 'http') return this.authenticateByToken(request, context);
    const known = getRequestAuthState(request);
    if (known !== undefined) return known;
    let state: RequestAuthState;
    try {
      state = this.verify(this.extractToken(request, context));
    } catch (error) {
      state = this.failure(error);
    }
    const settle = (settled: RequestAuthState) => {
      setRequestAuthState(request, settled); // a verified user lands on request.user
      return settled;
    };
    if (state.pending === undefined) return settle(state);
    // Other guards of the same request wait on the same reload.
    state.pending = state.pending.then(settle);
    setRequestAuthState(request, state);
    return state;
  }

  /**
   * Verifies a token. A refusal that may only mean that PropelAuth rotated its key
   * comes back with `pending`: the verification after one (rate-limited) key reload.
   */
  private verify(token: string): RequestAuthState {
    try {
      return { user: this.verifier.verifyAccessToken(token) };
    } catch (error) {
      const retry = this.verifier.verifyAfterKeyRefresh(error, token);
      if (retry === undefined) return this.failure(error);
      const pending = retry.then(
        (user): RequestAuthState => ({ user }),
        (retryError: unknown) => this.failure(retryError),
      );
      return { error, pending };
    }
  }

  private authenticateByToken(request: PropelAuthRequest, context: ExecutionContext): RequestAuthState {
    let token: string;
    try {
      token = this.extractToken(request, context);
    } catch (error) {
      return this.failure(error);
    }
    const graphql = context.getType<string>() === 'graphql';
    const target = graphql ? request : getMemoTarget(context);
    const memo = target === undefined ? undefined : getTokenMemo(target);
    if (memo !== undefined && memo.token === token && Date.now() / 1000 < memo.expiresAt) return memo.state;
    const remember = (state: RequestAuthState, error?: unknown): RequestAuthState => {
      // Verified again once expired: a WebSocket connection outlives its token.
      const expiresAt = state.user !== undefined ? (this.verifier.expiryOf(token) ?? 0) : isLastingFailure(error) ? Number.POSITIVE_INFINITY : 0;
      if (graphql && state.user !== undefined) request.user = state.user;
      if (target !== undefined && expiresAt > 0) setTokenMemo(target, { token, state, expiresAt });
      return state;
    };
    const state = this.verify(token);
    if (state.pending !== undefined) {
      return { error: state.error, pending: state.pending.then((settled) => remember(settled, settled.error)) };
    }
    return remember(state, state.error);
  }

  /** The state of a failed verification; an unexpected error is logged (never a 500 from a token). */
  private failure(error: unknown): RequestAuthState {
    if (!(error instanceof TokenVerificationError) && !(error instanceof PropelAuthNotReadyError)) {
      this.logger.error(`Unexpected error while verifying an access token: ${(error as Error)?.name ?? typeof error}`);
    }
    return { error };
  }

  /** Checks the user against the route's org requirements; returns the org or throws a 403. */
  protected authorize(context: ExecutionContext, request: PropelAuthRequest, user: User, requirements: OrgRequirements): OrgMemberInfo {
    const result = checkOrgRequirements(request, user, requirements, context);
    if (!result.ok) this.deny(context, 403, result.reason, result.reason);
    return result.org;
  }

  /** Throws the 401, with `WWW-Authenticate` as RFC 6750 §3 describes (on HTTP). */
  protected rejectUnauthenticated(context: ExecutionContext, error: unknown): never {
    const reason = error instanceof TokenVerificationError ? error : undefined;
    if (context.getType<string>() === 'http') {
      const challenge =
        reason?.reason === 'missing_authorization_header' ? 'Bearer' : reason?.reason === 'token_in_url' ? 'Bearer error="invalid_request"' : 'Bearer error="invalid_token"';
      setResponseHeader(context.switchToHttp().getResponse(), 'WWW-Authenticate', challenge);
    }
    this.deny(context, 401, reason?.reason ?? 'unexpected_error', reason?.message ?? 'Unauthorized');
  }

  /**
   * Every refusal: reported (`reportFailure`), then thrown. `message` reaches the
   * client in debug mode only, unless `always` (configuration problems, which say
   * nothing about the token).
   */
  private deny(context: ExecutionContext, status: RefusalStatus, reason: string, message: string, always = false): never {
    this.reportFailure(context, status, reason);
    if (always) this.throwRefusal(context, status, message);
    this.refuse(context, status, message);
  }

  /**
   * Throws the refusal the transport expects: a Nest HTTP exception on HTTP and
   * GraphQL, a `WsException` on WebSockets and an `RpcException` on RPC, each
   * carrying a `PropelAuthRefusal`. The reason is only given in debug mode.
   */
  protected refuse(context: ExecutionContext, status: RefusalStatus, reason?: string): never {
    this.throwRefusal(context, status, this.options.debugMode ? reason : undefined);
  }

  private throwRefusal(context: ExecutionContext, status: RefusalStatus, message: string | undefined): never {
    const type = context.getType<string>();
    if (type === 'ws' || type === 'rpc') {
      const Exception = type === 'ws' ? loadWsException() : loadRpcException();
      if (Exception !== undefined) {
        const refusal: PropelAuthRefusal = { status: 'error', statusCode: status, code: REFUSAL_CODES[status], message: message ?? REFUSAL_MESSAGES[status] };
        throw new Exception(refusal);
      }
    }
    throw new HTTP_REFUSALS[status](message);
  }

  /**
   * A debug log line (the reason only, never the token) and the `onAuthFailure`
   * hook, whose own errors are logged and never change the answer.
   */
  protected reportFailure(context: ExecutionContext, status: AuthFailureEvent['status'], reason: string): void {
    this.logger.debug(`Refused ${context.getClass()?.name}.${context.getHandler()?.name} with ${status}: ${reason}`);
    const hook = this.options.onAuthFailure;
    if (hook === undefined) return;
    try {
      hook({ status, reason, context });
    } catch (error) {
      this.logger.warn(`onAuthFailure threw ${(error as Error)?.name ?? typeof error}; the request was refused all the same`);
    }
  }

  /** A configuration problem, logged once per guard and kind. */
  private warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.logger.warn(message);
  }
}

/**
 * Refusals that the same token meets again whatever the time or the verifier key
 * (so they are memoised). Not `not_yet_valid` / `issued_in_future` (time passes),
 * not `invalid_signature` / `unknown_key` (the key may rotate), not "not ready".
 */
const LASTING_FAILURES: ReadonlySet<string> = new Set(['malformed_token', 'token_too_large', 'unsupported_algorithm', 'unsupported_header', 'expired', 'missing_exp', 'invalid_issuer', 'invalid_claims']);

function isLastingFailure(error: unknown): boolean {
  return error instanceof TokenVerificationError && LASTING_FAILURES.has(error.reason);
}

/**
 * An `access_token` query parameter, however its name is percent-encoded
 * (`access%5Ftoken` reaches the app as `access_token` too). A query with neither
 * the plain name nor any `%` cannot hold it, so the usual request parses nothing.
 */
function hasAccessTokenInUrl(request: PropelAuthRequest): boolean {
  const url = request.originalUrl ?? request.url ?? request.raw?.url;
  if (typeof url !== 'string') return false;
  const start = url.indexOf('?');
  if (start === -1) return false;
  const query = url.slice(start + 1);
  if (query.indexOf('access_token') === -1 && query.indexOf('%') === -1) return false;
  return new URLSearchParams(query).has('access_token');
}

/** A token from a custom extractor or a cookie: absent is a missing token, a non-string a malformed one. */
function checkExtracted(token: unknown): string {
  if (token === undefined || token === null || token === '') {
    throw new TokenVerificationError('missing_authorization_header', 'No access token was found where tokenExtractor looks');
  }
  if (typeof token !== 'string') {
    throw new TokenVerificationError('malformed_token', 'tokenExtractor returned something that is not a string');
  }
  return token;
}

/** A cookie's value: from cookie-parser / @fastify/cookie when installed, else from the Cookie header. */
function readCookie(request: PropelAuthRequest, name: string): string | undefined {
  const parsed = (request as { cookies?: Record<string, unknown> }).cookies;
  if (parsed !== null && typeof parsed === 'object' && Object.hasOwn(parsed, name)) {
    const value = parsed[name];
    return typeof value === 'string' ? value : undefined;
  }
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function countAuthorizationHeaders(rawHeaders: string[] | undefined): number {
  if (rawHeaders === undefined) return 1;
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}

function setResponseHeader(response: unknown, name: string, value: string): void {
  const target = response as { header?: (n: string, v: string) => unknown; setHeader?: (n: string, v: string) => unknown } | undefined;
  if (typeof target?.header === 'function') target.header(name, value); // Express and Fastify
  else if (typeof target?.setHeader === 'function') target.setHeader(name, value); // a bare ServerResponse
}
