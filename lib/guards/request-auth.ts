import type { ExecutionContext } from '@nestjs/common';
import type { OrgMemberInfo } from '../models/org-member-info';
import type { User } from '../models/user';

/** The subset of an Express or Fastify request the guards read. */
export interface PropelAuthRequest {
  headers: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
  url?: string;
  originalUrl?: string;
  raw?: { rawHeaders?: string[]; url?: string };
  params?: Record<string, string | undefined>;
  user?: User;
  org?: OrgMemberInfo;
}

/** What the guards learnt about one request. */
export interface RequestAuthState {
  user?: User;
  org?: OrgMemberInfo;
  /** Why there is no user (kept for the 401 body in debug mode). */
  error?: unknown;
}

// Kept on the request under a private symbol, so a request is verified at most once
// however many guards run, and the state goes away with the request. (A WeakMap
// costs an ephemeron per request, which the garbage collector pays for again.)
const AUTH_STATE = Symbol('propelauth:request-auth-state');

export function getRequestAuthState(request: object): RequestAuthState | undefined {
  return (request as { [AUTH_STATE]?: RequestAuthState })[AUTH_STATE];
}

export function setRequestAuthState(request: object, state: RequestAuthState): void {
  // A symbol key: invisible to JSON.stringify, Object.keys and for-in.
  (request as { [AUTH_STATE]?: RequestAuthState })[AUTH_STATE] = state;
}

/** The HTTP request of a context, or undefined for contexts the library does not handle. */
export function getHttpRequest(context: ExecutionContext): PropelAuthRequest | undefined {
  return context.getType() === 'http' ? context.switchToHttp().getRequest<PropelAuthRequest>() : undefined;
}
