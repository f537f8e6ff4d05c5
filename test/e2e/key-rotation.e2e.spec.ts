import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Controller, Get, UseGuards } from '@nestjs/common';
import {
  CurrentUser,
  OptionalUserGuard,
  PropelAuthConfigError,
  PropelAuthModule,
  PropelAuthStartupError,
  RequireUserGuard,
  TokenVerifierService,
  type PropelAuthModuleOptions,
  type User,
} from '../../lib';
import { ADAPTERS, startApp } from '../support/apps';
import { bearer, get } from '../support/http';
import { PropelAuthEmulator } from '../../lib/testing';
import { reasonOf, rsaKeyPair, signRaw } from '../support/tokens';

const METADATA = '/api/v1/token_verification_metadata';
const JWKS = '/.well-known/jwks.json';

let emulator: PropelAuthEmulator;
let close: (() => Promise<void>) | undefined;
beforeEach(async () => {
  emulator = await new PropelAuthEmulator().start();
});
afterEach(async () => {
  await close?.();
  close = undefined;
  await emulator.stop();
});

async function verifierWith(options: Partial<PropelAuthModuleOptions> = {}): Promise<TokenVerifierService> {
  const moduleRef = await Test.createTestingModule({ imports: [PropelAuthModule.forRoot({ ...emulator.moduleOptions(), ...options })] }).compile();
  await moduleRef.init();
  close = () => moduleRef.close();
  return moduleRef.get(TokenVerifierService);
}

/** A token signed by an attacker's key, naming a kid the server has never seen. */
const attacker = rsaKeyPair();
const forged = (kid: string) => signRaw({ alg: 'RS256', typ: 'JWT', kid }, { user_id: 'x', iss: emulator.authUrl, exp: 4_000_000_000 }, attacker.privateKey);

describe('key rotation on the PEM path (verification metadata)', () => {
  it('reloads the metadata once when a token signed with a new key arrives, then accepts it', async () => {
    const verifier = await verifierWith();
    const before = emulator.mintAccessToken({ userId: 'before' });
    expect(verifier.verifyAccessToken(before).userId).toBe('before');
    await emulator.rotateKey();
    const after = emulator.mintAccessToken({ userId: 'after' });
    expect(await reasonOf(async () => verifier.verifyAccessToken(after))).toBe('invalid_signature');
    expect((await verifier.verifyAccessTokenAsync(after)).userId).toBe('after');
    expect(emulator.requestsTo(METADATA)).toHaveLength(2);
    // The metadata serves only the new key: the old token is refused, without another reload (rate limit).
    expect(await reasonOf(() => verifier.verifyAccessTokenAsync(before))).toBe('invalid_signature');
    expect(emulator.requestsTo(METADATA)).toHaveLength(2);
  });

  it('rate-limits reloads: many forged tokens with new kids cost one reload', async () => {
    const verifier = await verifierWith();
    verifier.verifyAccessToken(emulator.mintAccessToken());
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => reasonOf(() => verifier.verifyAccessTokenAsync(forged(`evil-${i}`)))));
    expect(new Set(outcomes)).toEqual(new Set(['invalid_signature']));
    expect(emulator.requestsTo(METADATA)).toHaveLength(2);
  });

  it('a forged kid is verified once: the retry waits for the reload, and while reloads are rate-limited none is offered', async () => {
    const verifier = await verifierWith();
    verifier.verifyAccessToken(emulator.mintAccessToken());
    const verifications = vi.spyOn(verifier, 'verifyAccessToken');
    // A reload is allowed: one verification before it, none repeated; the keys did not change, so the first refusal stands.
    expect(await reasonOf(() => verifier.verifyAccessTokenAsync(forged('evil-1')))).toBe('invalid_signature');
    expect(verifications).toHaveBeenCalledTimes(1);
    expect(emulator.requestsTo(METADATA)).toHaveLength(2);
    // Rate-limited now: refused at once, no promise of a retry.
    const token = forged('evil-2');
    const error = (() => {
      try {
        verifier.verifyAccessToken(token);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(verifier.mayBeRotated(error, token)).toBe(true);
    expect(verifier.verifyAfterKeyRefresh(error, token)).toBeUndefined();
    expect(emulator.requestsTo(METADATA)).toHaveLength(2);
  });

  it('never reloads for a bad signature under the kid already accepted, nor with manual metadata', async () => {
    const verifier = await verifierWith();
    const token = emulator.mintAccessToken();
    verifier.verifyAccessToken(token);
    const tampered = `${token.slice(0, -6)}AAAAAA`;
    expect(await reasonOf(() => verifier.verifyAccessTokenAsync(tampered))).toBe('invalid_signature');
    expect(emulator.requestsTo(METADATA)).toHaveLength(1);

    await close?.();
    emulator.clearRequests();
    const manual = await verifierWith({ manualTokenVerificationMetadata: emulator.tokenVerificationMetadata() });
    expect(await reasonOf(() => manual.verifyAccessTokenAsync(forged('other')))).toBe('invalid_signature');
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('key rotation with a JWKS (jwksUri, through jwks-rsa)', () => {
  it('loads the JWKS at start-up instead of the metadata, and selects keys by kid', async () => {
    const verifier = await verifierWith({ jwksUri: emulator.jwksUri });
    expect(emulator.requestsTo(JWKS)).toHaveLength(1);
    expect(emulator.requestsTo(METADATA)).toHaveLength(0);
    expect(verifier.verifyAccessToken(emulator.mintAccessToken({ userId: 'j1' })).userId).toBe('j1');
    expect(await reasonOf(async () => verifier.verifyAccessToken(emulator.mintAccessToken({ header: { kid: undefined } })))).toBe('unknown_key');
  });

  it('reloads once on an unknown kid; old tokens still verify while the JWKS lists their key', async () => {
    const verifier = await verifierWith({ jwksUri: emulator.jwksUri });
    const before = emulator.mintAccessToken({ userId: 'before' });
    await emulator.rotateKey();
    const after = emulator.mintAccessToken({ userId: 'after' });
    expect(await reasonOf(async () => verifier.verifyAccessToken(after))).toBe('unknown_key');
    expect((await verifier.verifyAccessTokenAsync(after)).userId).toBe('after');
    expect(verifier.verifyAccessToken(before).userId).toBe('before');
    expect(emulator.requestsTo(JWKS)).toHaveLength(2);
  });

  it('refuses tokens of a retired key, and forged kids cost one reload', async () => {
    const verifier = await verifierWith({ jwksUri: emulator.jwksUri });
    const before = emulator.mintAccessToken({ userId: 'before' });
    await emulator.rotateKey({ keepPrevious: false });
    expect((await verifier.verifyAccessTokenAsync(emulator.mintAccessToken())).userId).toBeDefined();
    expect(await reasonOf(() => verifier.verifyAccessTokenAsync(before))).toBe('unknown_key');
    await Promise.all(Array.from({ length: 10 }, (_, i) => reasonOf(() => verifier.verifyAccessTokenAsync(forged(`evil-${i}`)))));
    expect(emulator.requestsTo(JWKS)).toHaveLength(2);
  });

  it('fails start-up clearly when the JWKS cannot be read', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PropelAuthModule.forRoot({ ...emulator.moduleOptions(), jwksUri: `${emulator.apiBaseUrl}/nothing-here`, startup: { maxAttempts: 2, retryDelayMs: 1 } })],
    }).compile();
    await expect(moduleRef.init()).rejects.toBeInstanceOf(PropelAuthStartupError);
    await moduleRef.close().catch(() => undefined);
  });

  it('refuses jwksUri together with manual metadata, and a jwksUri that is not https off localhost', () => {
    expect(() => PropelAuthModule.forRoot({ ...emulator.moduleOptions(), jwksUri: emulator.jwksUri, manualTokenVerificationMetadata: emulator.tokenVerificationMetadata() })).toThrow(PropelAuthConfigError);
    expect(() => PropelAuthModule.forRoot({ ...emulator.moduleOptions(), jwksUri: 'http://keys.example.com/jwks.json' })).toThrow(PropelAuthConfigError);
  });
});

describe.each(ADAPTERS)('key rotation through the guards over HTTP (%s)', (adapter) => {
  it('a token signed with the new key passes after one reload; stacked guards share it', async () => {
    const running = await startApp(adapter, { imports: [PropelAuthModule.forRoot(emulator.moduleOptions())], controllers: [RotationController] });
    close = () => running.close();
    const before = emulator.mintAccessToken({ userId: 'before' });
    expect((await get(`${running.url}/rotated`, bearer(before))).json).toEqual({ userId: 'before' });
    await emulator.rotateKey();
    const after = emulator.mintAccessToken({ userId: 'after' });
    const verifications = vi.spyOn(running.app.get(TokenVerifierService), 'verifyAccessToken');
    // @CurrentUser() gets the user verified after the reload: it replaced the pending state the first guard recorded.
    expect((await get(`${running.url}/rotated`, bearer(after))).json).toEqual({ userId: 'after' });
    // Refused with the old key, verified again after the reload; the second guard waited on that same reload.
    expect(verifications).toHaveBeenCalledTimes(2);
    expect(emulator.requestsTo(METADATA)).toHaveLength(2);
    // A forged kid, with reloads rate-limited: one verification; OptionalUserGuard lets the request on without
    // a user, and RequireUserGuard refuses it from the same recorded refusal.
    verifications.mockClear();
    const refused = await get(`${running.url}/rotated`, bearer(forged('evil')));
    expect(refused.status).toBe(401);
    expect(verifications).toHaveBeenCalledTimes(1);
    expect(emulator.requestsTo(METADATA)).toHaveLength(2);
  });
});

@Controller()
class RotationController {
  @Get('rotated')
  @UseGuards(OptionalUserGuard, RequireUserGuard)
  rotated(@CurrentUser() user: User) {
    return { userId: user.userId };
  }
}
