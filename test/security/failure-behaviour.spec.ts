import 'reflect-metadata';
import { Controller, Get, Injectable, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PropelAuthModule, PropelAuthNotReadyError, RequireUserGuard, TokenVerifierService, type PropelAuthRequest } from '../../lib';
import { PropelAuthEmulator } from '../../lib/testing';
import { ADAPTERS, startApp, type RunningApp } from '../support/apps';
import { bearer, get } from '../support/http';
import { CapturingLogger } from '../support/logger';
import { rsaKeyPair, signRaw } from '../support/tokens';

const API_KEY = 'sk-test-failure-behaviour-0123456789abcdef';

/** A guard whose token step blows up with an unexpected error, as a buggy subclass might. */
@Injectable()
class ExplodingGuard extends RequireUserGuard {
  protected override extractToken(request: PropelAuthRequest): string {
    // What a careless error does: quote the request, token and all.
    throw new TypeError(`boom: cannot handle ${String(request.headers.authorization)}`);
  }
}

@Controller()
class FailureController {
  @Get('guarded')
  @UseGuards(RequireUserGuard)
  guarded() {
    return { ok: true };
  }

  @Get('exploding')
  @UseGuards(ExplodingGuard)
  exploding() {
    return { ok: true };
  }
}

describe('F57: many requests before the key is loaded', () => {
  it('all wait on or fail closed with one single metadata fetch', async () => {
    const emulator = await new PropelAuthEmulator({ apiKey: API_KEY }).start();
    try {
      emulator.setLatency(100);
      const moduleRef = await Test.createTestingModule({ imports: [PropelAuthModule.forRoot(emulator.moduleOptions())] }).compile();
      const verifier = moduleRef.get(TokenVerifierService); // not initialised yet: no key
      const token = emulator.mintAccessToken({ userId: 'early' });
      const refusals = Array.from({ length: 1000 }, () => {
        try {
          verifier.verifyAccessToken(token);
          return 'accepted';
        } catch (error) {
          return error instanceof PropelAuthNotReadyError ? 'not-ready' : 'other';
        }
      });
      expect(new Set(refusals)).toEqual(new Set(['not-ready']));
      await Promise.all(Array.from({ length: 1000 }, () => verifier.ready()));
      expect(emulator.requestsTo('/api/v1/token_verification_metadata')).toHaveLength(1);
      expect(verifier.verifyAccessToken(token).userId).toBe('early');
      await moduleRef.close();
    } finally {
      await emulator.stop();
    }
  });
});

describe.each(ADAPTERS)('F55/F56 over HTTP (%s)', (adapter) => {
  let emulator: PropelAuthEmulator;
  let running: RunningApp;
  const logger = new CapturingLogger();
  beforeAll(async () => {
    emulator = await new PropelAuthEmulator({ apiKey: API_KEY }).start();
    running = await startApp(adapter, { imports: [PropelAuthModule.forRoot({ ...emulator.moduleOptions(), debugMode: true })], controllers: [FailureController] });
    running.app.useLogger(logger);
  });
  afterAll(async () => {
    await running?.close();
    await emulator?.stop();
  });

  it('F56: an unexpected error inside a guard is a 401, never a 500, and is logged without the token', async () => {
    const token = emulator.mintAccessToken({ userId: 'u1' });
    const response = await get(`${running.url}/exploding`, bearer(token));
    expect(response.status).toBe(401);
    expect(response.text).not.toContain('boom');
    expect(response.text).not.toContain(token.slice(-30));
    expect(logger.lines.some((line) => line.includes('Unexpected error while verifying'))).toBe(true);
    // The error's message holds the Authorization header: the log names the error, never its message.
    expect(logger.lines.join('\n')).not.toContain(token.slice(-30));
  });

  it('F55: refusals echo neither the token nor internals, and no log line holds a token or the API key', async () => {
    const valid = emulator.mintAccessToken({ userId: 'u2' });
    const bad = [
      emulator.mintAccessToken({ expiresInSeconds: -5 }),
      signRaw({ alg: 'RS256' }, { user_id: 'x', iss: emulator.authUrl, exp: 4_000_000_000 }, rsaKeyPair().privateKey),
      `${valid}x`,
    ];
    for (const token of bad) {
      const response = await get(`${running.url}/guarded`, bearer(token));
      expect(response.status).toBe(401);
      expect(response.text).not.toContain(token.slice(-30));
      expect(response.text).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/); // no stack trace
    }
    const everything = logger.lines.join('\n');
    for (const token of [valid, ...bad]) expect(everything).not.toContain(token.slice(-30));
    expect(everything).not.toContain(API_KEY);
  });
});
