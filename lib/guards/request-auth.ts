import type { ExecutionContext } from '@nestjs/common';
import type { OrgMemberInfo } from '../models/org-member-info';
import type { User } from '../models/user';

/** The subset of an Express or Fastify request the guards read. */
export interface PropelAuthRequest {
  headers: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
  raw?: { rawHeaders?: string[] };
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

// Keyed by the request object, so a request is verified at most once however many
// guards run, and nothing is left behind when the request is garbage-collected.
const states = new WeakMap<object, RequestAuthState>();

export function getRequestAuthState(request: object): RequestAuthState | undefined {
  return states.get(request);
}

export function setRequestAuthState(request: object, state: RequestAuthState): void {
  states.set(request, state);
}

/** The HTTP request of a context, or undefined for contexts the library does not handle. */
export function getHttpRequest(context: ExecutionContext): PropelAuthRequest | undefined {
  return context.getType() === 'http' ? context.switchToHttp().getRequest<PropelAuthRequest>() : undefined;
}
