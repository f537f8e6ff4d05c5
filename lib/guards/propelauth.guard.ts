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
import { checkOrgRequirements, type OrgRequirements } from './org-requirements';
import { RouteMetadataReader, type RouteAuthMetadata } from './route-metadata';
import { getHttpRequest, getRequestAuthState, setRequestAuthState, type PropelAuthRequest, type RequestAuthState } from './request-auth';

/**
 * What `RequireUserGuard` and `OptionalUserGuard` share. Each step is a
 * protected method, so an application can subclass a guard and change one step
 * (for example `extractToken` to read the token from elsewhere).
 */
@Injectable()
export abstract class PropelAuthGuard implements CanActivate {
  /** True: no valid token means 401. False: the request goes on without a user. */
  protected abstract readonly userRequired: boolean;
  protected readonly logger = new Logger(PROPELAUTH_LOGGER_CONTEXT);
  private readonly metadataReader: RouteMetadataReader;

  constructor(
    protected readonly verifier: TokenVerifierService,
    protected readonly reflector: Reflector,
    @Inject(PROPELAUTH_RESOLVED_OPTIONS) protected readonly options: ResolvedPropelAuthOptions,
  ) {
    this.metadataReader = new RouteMetadataReader(reflector);
  }

  canActivate(context: ExecutionContext): boolean {
    const route = this.getRouteMetadata(context);
    if (route.isPublic) return true;
    const request = this.getRequest(context);
    const state = this.authenticate(request);
    if (state.user === undefined) {
      if (state.error instanceof PropelAuthNotReadyError) {
        this.reportFailure(context, 503, 'not_ready');
        throw new ServiceUnavailableException(this.options.debugMode ? state.error.message : undefined);
      }
      if (state.error instanceof TokenVerificationError && state.error.reason === 'ambiguous_token') {
        this.reportFailure(context, 400, state.error.reason);
        setResponseHeader(context.switchToHttp().getResponse(), 'WWW-Authenticate', 'Bearer error="invalid_request"');
        throw new BadRequestException(this.options.debugMode ? state.error.message : undefined);
      }
      // Org decorators need a user even when the user is optional.
      if ((this.userRequired && !route.optionalUser) || route.requirements !== undefined) {
        this.rejectUnauthenticated(context, state.error);
      }
      return true;
    }
    if (route.requirements !== undefined) {
      state.org = this.authorize(context, request, state.user, route.requirements);
      request.org = state.org;
    }
    return true;
  }

  /** The HTTP request; any other context type is refused (fail closed). */
  protected getRequest(context: ExecutionContext): PropelAuthRequest {
    const request = getHttpRequest(context);
    if (request === undefined) {
      throw new UnauthorizedException(`PropelAuth guards do not handle "${context.getType()}" contexts`);
    }
    return request;
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
   */
  protected extractToken(request: PropelAuthRequest): string {
    const extractor = this.options.tokenExtractor;
    if (typeof extractor === 'function') return checkExtracted(extractor(request));
    if (typeof extractor === 'object') return checkExtracted(readCookie(request, extractor.cookie));
    const header = request.headers.authorization;
    if (hasAccessTokenInUrl(request)) {
      throw header === undefined
        ? new TokenVerificationError('token_in_url', 'Access tokens in the URL are refused: send it as Authorization: Bearer <token>')
        : new TokenVerificationError('ambiguous_token', 'An access token was sent both in the Authorization header and in the URL');
    }
    // Node keeps only the first of two Authorization headers in request.headers;
    // a proxy may have used the other, so two are refused.
    if (header !== undefined && countAuthorizationHeaders(request.rawHeaders ?? request.raw?.rawHeaders) > 1) {
      return parseBearerHeader([header]);
    }
    return parseBearerHeader(header);
  }

  /** Verifies the request's token once per request, whatever number of guards run. */
  protected authenticate(request: PropelAuthRequest): RequestAuthState {
    const known = getRequestAuthState(request);
    if (known !== undefined) return known;
    let state: RequestAuthState;
    try {
      const user = this.verifier.verifyAccessToken(this.extractToken(request));
      state = { user };
      request.user = user;
    } catch (error) {
      if (!(error instanceof TokenVerificationError) && !(error instanceof PropelAuthNotReadyError)) {
        // Never a 500 from a token: an unexpected error is a refusal, logged without the token.
        this.logger.error(`Unexpected error while verifying an access token: ${(error as Error)?.name ?? typeof error}`);
      }
      state = { error };
    }
    setRequestAuthState(request, state);
    return state;
  }

  /** Checks the user against the route's org requirements; returns the org or throws a 403. */
  protected authorize(context: ExecutionContext, request: PropelAuthRequest, user: User, requirements: OrgRequirements): OrgMemberInfo {
    const result = checkOrgRequirements(request, user, requirements);
    if (!result.ok) {
      this.reportFailure(context, 403, result.reason);
      throw new ForbiddenException(this.options.debugMode ? result.reason : undefined);
    }
    return result.org;
  }

  /** Throws the 401, with `WWW-Authenticate` as RFC 6750 §3 describes. */
  protected rejectUnauthenticated(context: ExecutionContext, error: unknown): never {
    const reason = error instanceof TokenVerificationError ? error : undefined;
    this.reportFailure(context, 401, reason?.reason ?? 'unexpected_error');
    const challenge =
      reason?.reason === 'missing_authorization_header' ? 'Bearer' : reason?.reason === 'token_in_url' ? 'Bearer error="invalid_request"' : 'Bearer error="invalid_token"';
    setResponseHeader(context.switchToHttp().getResponse(), 'WWW-Authenticate', challenge);
    throw new UnauthorizedException(this.options.debugMode ? (reason?.message ?? 'Unauthorized') : undefined);
  }

  /**
   * A debug log line (the reason only, never the token) and the `onAuthFailure`
   * hook, whose own errors are logged and never change the answer.
   */
  protected reportFailure(context: ExecutionContext, status: AuthFailureEvent['status'], reason: string): void {
    this.logger.debug(`Refused ${context.getClass().name}.${context.getHandler().name} with ${status}: ${reason}`);
    const hook = this.options.onAuthFailure;
    if (hook === undefined) return;
    try {
      hook({ status, reason, context });
    } catch (error) {
      this.logger.warn(`onAuthFailure threw ${(error as Error)?.name ?? typeof error}; the request was refused all the same`);
    }
  }
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
