import type { ExecutionContext } from '@nestjs/common';
import type { OrgMemberInfo } from '../models/org-member-info';
import type { User } from '../models/user';
import { loadNestGraphql } from './optional-peers';

/**
 * The subset of an Express or Fastify request the guards read. On GraphQL it is
 * the HTTP request of the operation (`context.req`), on WebSockets the handshake
 * (upgrade) request of the connection.
 */
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
  /** Set while the keys are reloaded for a token that may be signed with a rotated key. */
  pending?: Promise<RequestAuthState>;
}

// A verified request keeps its state where the app sees it anyway: `request.user`, and
// `request.org` after an org check. Every property added to a request object costs
// (it changes the object's hidden class, on the hottest object of the server), so the
// usual request gets those one or two and nothing else. `request.user` counts as
// verified only when it is a User a guard verified (VERIFIED_USERS), so another
// middleware's `req.user` is never taken for ours, and `request.org` only when it is
// that user's own membership. Failures and a pending key reload, which have no user to
// show, are kept under a private symbol instead. Either way a request is verified at
// most once however many guards run, and the state goes away with the request.
const AUTH_STATE = Symbol('propelauth:request-auth-state');
const VERIFIED_USERS = new WeakSet<User>();

export function getRequestAuthState(request: object): RequestAuthState | undefined {
  const recorded = (request as { [AUTH_STATE]?: RequestAuthState })[AUTH_STATE];
  if (recorded !== undefined) return recorded;
  const { user, org } = request as PropelAuthRequest;
  if (user === undefined || !VERIFIED_USERS.has(user)) return undefined;
  // Whatever else a middleware left in request.org (null, a string...) is not an org. The map
  // has no prototype: a looked-up id never reaches Object.prototype.
  const isMembership = isObject(org) && user.orgIdToOrgMemberInfo[org.orgId] === org;
  return { user, org: isMembership ? org : undefined };
}

/** Records the state of a request: a verified user on `request.user`, anything else under the private symbol. */
export function setRequestAuthState(request: object, state: RequestAuthState): void {
  const target = request as PropelAuthRequest & { [AUTH_STATE]?: RequestAuthState };
  if (state.user !== undefined && state.pending === undefined) {
    VERIFIED_USERS.add(state.user);
    target.user = state.user;
    if (state.org !== undefined) target.org = state.org;
    // A state recorded before (a reload that has now settled) gives way.
    if (target[AUTH_STATE] !== undefined) target[AUTH_STATE] = undefined;
    return;
  }
  // A symbol key: invisible to JSON.stringify, Object.keys and for-in.
  target[AUTH_STATE] = state;
}

// ---------------------------------------------------------------------------
// Other transports
// ---------------------------------------------------------------------------

const isObject = (value: unknown): value is object => value !== null && (typeof value === 'object' || typeof value === 'function');
const hasHeaders = (value: unknown): value is PropelAuthRequest => isObject(value) && isObject((value as { headers?: unknown }).headers);

/** The GraphQL context of a resolver (`GqlExecutionContext`), or undefined outside GraphQL. */
function graphqlContext(context: ExecutionContext) {
  if (context.getType<string>() !== 'graphql') return undefined;
  return loadNestGraphql()?.GqlExecutionContext.create(context);
}

/**
 * The HTTP request of a GraphQL operation: `context.req`, which the Apollo driver
 * sets (over HTTP). Undefined when there is none, e.g. over a subscription
 * transport whose `context` function does not set a `req` with `headers`.
 */
export function getGraphqlRequest(context: ExecutionContext): PropelAuthRequest | undefined {
  const req = graphqlContext(context)?.getContext<{ req?: unknown } | undefined>()?.req;
  return hasHeaders(req) ? req : undefined;
}

/** The arguments of a GraphQL resolver (`@Args()`), where the org decorators find `orgId` by default. */
export function getGraphqlArgs(context: ExecutionContext): Record<string, unknown> | undefined {
  const args = graphqlContext(context)?.getArgs<unknown>();
  return isObject(args) ? (args as Record<string, unknown>) : undefined;
}

/**
 * The org id the org decorators use when they have no extractor: the route
 * parameter `orgId` on HTTP, the resolver argument `orgId` on GraphQL, the `orgId`
 * of the message data on WebSockets and RPC.
 */
export function getDefaultOrgId(context: ExecutionContext, request: PropelAuthRequest): unknown {
  switch (context.getType<string>()) {
    case 'http':
      return request.params?.orgId;
    case 'graphql':
      return getGraphqlArgs(context)?.orgId;
    case 'ws':
    case 'rpc': {
      const data: unknown = context.getArgByIndex(context.getType<string>() === 'ws' ? 1 : 0);
      return isObject(data) ? (data as { orgId?: unknown }).orgId : undefined;
    }
    default:
      return undefined;
  }
}

const HANDSHAKE = Symbol('propelauth:ws-handshake');

/**
 * Remembers the handshake (upgrade) request of a WebSocket client, where the
 * guards read its token. `withPropelAuthHandshake()` calls it for every connection;
 * a gateway may call it itself in `handleConnection(client, request)`.
 */
export function rememberHandshake(client: object, request: unknown): void {
  if (isObject(client) && hasHeaders(request)) {
    Object.defineProperty(client, HANDSHAKE, { value: request, configurable: true, enumerable: false, writable: true });
  }
}

/**
 * The handshake request of a WebSocket client: socket.io keeps it as
 * `socket.request` (and `socket.handshake`); a `ws` client has it only once
 * remembered with `rememberHandshake()` / `withPropelAuthHandshake()`.
 */
export function getHandshakeRequest(client: unknown): PropelAuthRequest | undefined {
  if (!isObject(client)) return undefined;
  const remembered = (client as { [HANDSHAKE]?: PropelAuthRequest })[HANDSHAKE];
  if (remembered !== undefined) return remembered;
  const io = client as { request?: unknown; handshake?: { headers?: unknown; url?: unknown } };
  if (isObject(io.handshake)) {
    if (hasHeaders(io.request)) return io.request;
    if (hasHeaders(io.handshake)) return io.handshake as PropelAuthRequest;
  }
  return undefined;
}

/** socket.io's `handshake.auth.token` (what `io(url, { auth: { token } })` sends), if any. */
export function getHandshakeAuthToken(client: unknown): unknown {
  const auth = isObject(client) ? (client as { handshake?: { auth?: unknown } }).handshake?.auth : undefined;
  return isObject(auth) ? (auth as { token?: unknown }).token : undefined;
}

/**
 * An object unique to one handler invocation, where the guard records the user and
 * the org for the param decorators: one GraphQL request runs many resolvers, in
 * parallel, and one WebSocket client many messages, so neither the request nor the
 * client can hold them. GraphQL: the resolver's `info` (one per field execution);
 * WebSockets: the message data, when it is an object; RPC: the transport's context
 * object (`TcpContext`, `NatsContext`...), one per message.
 */
export function getInvocationKey(context: ExecutionContext): object | undefined {
  switch (context.getType<string>()) {
    case 'graphql': {
      const gql = graphqlContext(context);
      const info = gql?.getInfo<unknown>();
      if (isObject(info)) return info;
      const args = gql?.getArgs<unknown>();
      return isObject(args) ? args : undefined;
    }
    case 'ws': {
      const data = context.switchToWs().getData();
      return isObject(data) ? data : undefined;
    }
    case 'rpc': {
      const rpc = context.switchToRpc();
      const ctx = rpc.getContext();
      if (isObject(ctx)) return ctx;
      const data = rpc.getData();
      return isObject(data) ? data : undefined;
    }
    default:
      return undefined;
  }
}

interface ResolveInfoLike {
  parentType?: unknown;
  schema?: { getQueryType?(): unknown; getMutationType?(): unknown; getSubscriptionType?(): unknown };
}

/** True for a field of the Query, Mutation or Subscription type (or an `info` of unknown shape). */
function isRootField(info: object): boolean {
  const { parentType, schema } = info as ResolveInfoLike;
  if (parentType === undefined || schema === undefined) return true;
  return parentType === schema.getQueryType?.() || parentType === schema.getMutationType?.() || parentType === schema.getSubscriptionType?.();
}

const invocations = new WeakMap<object, RequestAuthState>();

export function setInvocationAuthState(context: ExecutionContext, state: RequestAuthState): void {
  const key = getInvocationKey(context);
  if (key !== undefined) invocations.set(key, { user: state.user, org: state.org });
}

/** The state a guard memoises per token on a GraphQL request, a WebSocket client or an RPC message. */
export interface TokenMemo {
  token: string;
  state: RequestAuthState;
  /** Seconds since the epoch after which the token is verified again (its `exp`). */
  expiresAt: number;
}

const TOKEN_MEMO = Symbol('propelauth:token-memo');

export function getTokenMemo(target: object): TokenMemo | undefined {
  return (target as { [TOKEN_MEMO]?: TokenMemo })[TOKEN_MEMO];
}

export function setTokenMemo(target: object, memo: TokenMemo): void {
  Object.defineProperty(target, TOKEN_MEMO, { value: memo, configurable: true, enumerable: false, writable: true });
}

/**
 * Where a guard memoises verification on WebSockets (the client: all its messages)
 * and RPC (the message). On GraphQL it is the operation's HTTP request, shared by
 * all its resolvers. Undefined: nothing is memoised.
 */
export function getMemoTarget(context: ExecutionContext): object | undefined {
  switch (context.getType<string>()) {
    case 'ws': {
      const client = context.switchToWs().getClient();
      return isObject(client) ? client : undefined;
    }
    case 'rpc':
      return getInvocationKey(context);
    default:
      return undefined;
  }
}

/**
 * What a guard recorded for the handler of this context, whatever the transport;
 * what `@CurrentUser()` and `@CurrentOrg()` read.
 */
export function getContextAuthState(context: ExecutionContext): RequestAuthState | undefined {
  const type = context.getType<string>();
  if (type === 'http') {
    const request: unknown = context.getArgByIndex(0); // switchToHttp().getRequest(), without its allocations
    return isObject(request) ? getRequestAuthState(request) : undefined;
  }
  const key = getInvocationKey(context);
  const recorded = key === undefined ? undefined : invocations.get(key);
  if (recorded !== undefined) return recorded;
  if (type === 'graphql') {
    // A field resolver no guard ran for (Nest runs guards on field resolvers only with
    // `fieldResolverEnhancers: ['guards']`): the user verified for the operation's
    // request, by the guard of a parent field resolved before it. Root fields get
    // nothing, as unguarded HTTP routes; the org is never inherited.
    if (key === undefined || isRootField(key)) return undefined;
    const request = getGraphqlRequest(context);
    const memo = request === undefined ? undefined : getTokenMemo(request);
    return memo === undefined || Date.now() / 1000 >= memo.expiresAt ? undefined : { user: memo.state.user };
  }
  if (type === 'ws') {
    // A message whose data is not an object: the client's last verified user (the
    // token of a ws client comes from its handshake, so it is the same for every message).
    const client = context.switchToWs().getClient();
    const memo = isObject(client) ? getTokenMemo(client) : undefined;
    return memo === undefined || Date.now() / 1000 >= memo.expiresAt ? undefined : { user: memo.state.user };
  }
  return undefined;
}
