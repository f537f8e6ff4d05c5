import 'reflect-metadata';
import { ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { describe, expect, it } from 'vitest';
import { OptionalUserGuard, RequireUserGuard, TokenVerifierService } from '../../lib';
import { resolvePropelAuthOptions } from '../../lib/module/propelauth-options';

// Guards built by hand with their real collaborators, for the contexts an HTTP test cannot reach.
const options = resolvePropelAuthOptions({ authUrl: 'https://auth.example.com', apiKey: 'k' });
const notReadyVerifier = new TokenVerifierService(options);
const handler = () => undefined;
class SomeController {}

function context(type: string, request: object = { headers: {} }): ExecutionContextHost {
  const host = new ExecutionContextHost([request, { header: () => undefined }, () => undefined], SomeController, handler);
  host.setType(type);
  return host;
}

describe('guards outside HTTP and before start-up', () => {
  it.each([['rpc'], ['ws'], ['graphql']])('refuse a %s context instead of letting it through', (type) => {
    for (const guard of [new RequireUserGuard(notReadyVerifier, new Reflector(), options), new OptionalUserGuard(notReadyVerifier, new Reflector(), options)]) {
      expect(() => guard.canActivate(context(type))).toThrow(UnauthorizedException);
    }
  });

  it('answer 503 when a token arrives before the verifier key is loaded, under either guard', () => {
    const request = { headers: { authorization: 'Bearer a.b.c' } };
    expect(() => new RequireUserGuard(notReadyVerifier, new Reflector(), options).canActivate(context('http', request))).toThrow(ServiceUnavailableException);
    expect(() => new OptionalUserGuard(notReadyVerifier, new Reflector(), options).canActivate(context('http', { ...request }))).toThrow(ServiceUnavailableException);
  });
});
