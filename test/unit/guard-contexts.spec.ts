import 'reflect-metadata';
import { ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { RpcException } from '@nestjs/microservices';
import { WsException } from '@nestjs/websockets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentUserFactory, OptionalUserGuard, RequireUserGuard, TokenVerifierService } from '../../lib';
import { rememberHandshake } from '../../lib/guards/ws-handshake';
import { resolvePropelAuthOptions } from '../../lib/module/propelauth-options';
import { PropelAuthEmulator } from '../../lib/testing';

// Guards built by hand with their real collaborators, for the contexts an end-to-end test cannot reach
// (socket.io is not installed: its sockets are given here by their documented shape).
const options = resolvePropelAuthOptions({ authUrl: 'https://auth.example.com', apiKey: 'k' });
const notReadyVerifier = new TokenVerifierService(options);
const handler = () => undefined;
class SomeController {}

function context(type: string, args: unknown[] = [{ headers: {} }, { header: () => undefined }, () => undefined]): ExecutionContextHost {
  const host = new ExecutionContextHost(args, SomeController, handler);
  host.setType(type);
  return host;
}

const guards = (verifier: TokenVerifierService, opts = options) => [new RequireUserGuard(verifier, new Reflector(), opts), new OptionalUserGuard(verifier, new Reflector(), opts)];

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('guards outside HTTP and before start-up', () => {
  it.each([['kafka-streams'], ['custom']])('refuse an unknown %j context instead of letting it through', (type) => {
    for (const guard of guards(notReadyVerifier)) {
      expect(() => guard.canActivate(context(type))).toThrow(UnauthorizedException);
    }
  });

  it('refuse an RPC context without a function tokenExtractor, under either guard, with an RpcException', () => {
    for (const guard of guards(notReadyVerifier)) {
      const error = thrown(() => guard.canActivate(context('rpc', [{ token: 'a.b.c' }, {}])));
      expect(error).toBeInstanceOf(RpcException);
      expect((error as RpcException).getError()).toMatchObject({ status: 'error', statusCode: 401, code: 'UNAUTHENTICATED' });
    }
  });

  it('refuse a GraphQL context without an HTTP request (context.req) under either guard', () => {
    for (const guard of guards(notReadyVerifier)) {
      expect(() => guard.canActivate(context('graphql', [{}, {}, {}, {}]))).toThrow(UnauthorizedException);
      expect(() => guard.canActivate(context('graphql', [{}, {}, { req: 'not a request' }, {}]))).toThrow(UnauthorizedException);
    }
  });

  it('find no token for a ws client whose handshake was not remembered: WsException under RequireUserGuard', () => {
    const [required, optional] = guards(notReadyVerifier);
    const error = thrown(() => required.canActivate(context('ws', [{ readyState: 1, send() {} }, {}, 'event'])));
    expect(error).toBeInstanceOf(WsException);
    expect((error as WsException).getError()).toEqual({ status: 'error', statusCode: 401, code: 'UNAUTHENTICATED', message: 'Unauthorized' });
    expect(optional.canActivate(context('ws', [{ readyState: 1, send() {} }, {}, 'event']))).toBe(true);
  });

  it('answer 503 when a token arrives before the verifier key is loaded, under either guard, on each transport', () => {
    const request = () => ({ headers: { authorization: 'Bearer a.b.c' } });
    for (const guard of guards(notReadyVerifier)) {
      expect(() => guard.canActivate(context('http', [request(), { header: () => undefined }]))).toThrow(ServiceUnavailableException);
      expect(() => guard.canActivate(context('graphql', [{}, {}, { req: request() }, {}]))).toThrow(ServiceUnavailableException);
      const client = {};
      rememberHandshake(client, request());
      const error = thrown(() => guard.canActivate(context('ws', [client, {}, 'event'])));
      expect(error).toBeInstanceOf(WsException);
      expect((error as WsException).getError()).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    }
  });
});

describe('guards on socket.io-shaped sockets', () => {
  let emulator: PropelAuthEmulator;
  let verifier: TokenVerifierService;
  let ready: ReturnType<typeof resolvePropelAuthOptions>;

  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
    ready = resolvePropelAuthOptions({ ...emulator.moduleOptions(), manualTokenVerificationMetadata: emulator.tokenVerificationMetadata() });
    verifier = new TokenVerifierService(ready);
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  // What socket.io gives a gateway: `socket.request` (the engine.io request) and `socket.handshake`.
  const socket = (headers: Record<string, string>, auth: Record<string, unknown> = {}) => ({
    request: { headers, url: '/socket.io/?EIO=4&transport=websocket' },
    handshake: { headers, url: '/socket.io/?EIO=4&transport=websocket', auth, query: {} },
    emit() {},
  });

  it('read handshake.auth.token, or the Authorization header of the handshake', () => {
    const token = emulator.mintAccessToken({ userId: 'io-user' });
    const [required] = guards(verifier, ready);
    for (const client of [socket({}, { token }), socket({ authorization: `Bearer ${token}` })]) {
      const data = {};
      const ctx = context('ws', [client, data, 'event']);
      expect(required.canActivate(ctx)).toBe(true);
      expect(currentUserFactory(undefined, ctx)?.userId).toBe('io-user');
    }
  });

  it('refuse a token sent both in handshake.auth and in the header (ambiguous: 400), and a bad auth.token', () => {
    const token = emulator.mintAccessToken();
    const [required, optional] = guards(verifier, ready);
    for (const guard of [required, optional]) {
      const error = thrown(() => guard.canActivate(context('ws', [socket({ authorization: `Bearer ${token}` }, { token }), {}, 'e'])));
      expect((error as WsException).getError()).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
    }
    for (const bad of [42, 'not.a.token', { token }]) {
      const error = thrown(() => required.canActivate(context('ws', [socket({}, { token: bad }), {}, 'e'])));
      expect((error as WsException).getError()).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    }
  });
});
