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
import { PROPELAUTH_LOGGER_CONTEXT, PROPELAUTH_RESOLVED_OPTIONS } from '../propelauth.constants';
import { parseBearerHeader } from '../verification/authorization-header';
import { TokenVerifierService } from '../verification/token-verifier.service';
import { checkOrgRequirements, OrgRequirementsReader, type OrgRequirements } from './org-requirements';
import { getHttpRequest, getRequestAuthState, setRequestAuthState, type PropelAuthRequest, type RequestAuthState } from './request-auth';

/**
 * What `RequireUserGuard` and `OptionalUserGuard` share. Each step is a
 * protected method, so an application can subclass a guard and change one step
 * (for example `extractToken` to read a cookie).
 */
@Injectable()
export abstract class PropelAuthGuard implements CanActivate {
  /** True: no valid token means 401. False: the request goes on without a user. */
  protected abstract readonly userRequired: boolean;
  protected readonly logger = new Logger(PROPELAUTH_LOGGER_CONTEXT);
  private readonly requirementsReader: OrgRequirementsReader;

  constructor(
    protected readonly verifier: TokenVerifierService,
    protected readonly reflector: Reflector,
    @Inject(PROPELAUTH_RESOLVED_OPTIONS) protected readonly options: ResolvedPropelAuthOptions,
  ) {
    this.requirementsReader = new OrgRequirementsReader(reflector);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = this.getRequest(context);
    const requirements = this.getOrgRequirements(context);
    const state = this.authenticate(request);
    if (state.user === undefined) {
      if (state.error instanceof PropelAuthNotReadyError) {
        throw new ServiceUnavailableException(this.options.debugMode ? state.error.message : undefined);
      }
      if (state.error instanceof TokenVerificationError && state.error.reason === 'ambiguous_token') {
        setResponseHeader(context.switchToHttp().getResponse(), 'WWW-Authenticate', 'Bearer error="invalid_request"');
        throw new BadRequestException(this.options.debugMode ? state.error.message : undefined);
      }
      // Org decorators need a user even under OptionalUserGuard.
      if (this.userRequired || requirements !== undefined) {
        this.rejectUnauthenticated(context, state.error);
      }
      return true;
    }
    if (requirements !== undefined) {
      state.org = this.authorize(request, state.user, requirements);
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

  /** The org decorators in force on the route, or undefined if there are none. */
  protected getOrgRequirements(context: ExecutionContext): OrgRequirements | undefined {
    return this.requirementsReader.read(context);
  }

  /**
   * The raw access token of the request: the `Authorization: Bearer` header, sent
   * once. Throws `TokenVerificationError` when it is missing or malformed, and for
   * an `access_token` in the URL (RFC 6750 §2.3: URLs end up in logs), which is
   * refused rather than read; with a header as well the request is ambiguous (400).
   */
  protected extractToken(request: PropelAuthRequest): string {
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
  protected authorize(request: PropelAuthRequest, user: User, requirements: OrgRequirements): OrgMemberInfo {
    const result = checkOrgRequirements(request, user, requirements);
    if (!result.ok) {
      throw new ForbiddenException(this.options.debugMode ? result.reason : undefined);
    }
    return result.org;
  }

  /** Throws the 401, with `WWW-Authenticate` as RFC 6750 §3 describes. */
  protected rejectUnauthenticated(context: ExecutionContext, error: unknown): never {
    const reason = error instanceof TokenVerificationError ? error : undefined;
    const challenge =
      reason?.reason === 'missing_authorization_header' ? 'Bearer' : reason?.reason === 'token_in_url' ? 'Bearer error="invalid_request"' : 'Bearer error="invalid_token"';
    setResponseHeader(context.switchToHttp().getResponse(), 'WWW-Authenticate', challenge);
    throw new UnauthorizedException(this.options.debugMode ? (reason?.message ?? 'Unauthorized') : undefined);
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
