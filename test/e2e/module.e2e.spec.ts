import 'reflect-metadata';
import { Controller, Get, Injectable, Module, UseGuards } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { createServer } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CurrentUser,
  PropelAuthConfigError,
  PropelAuthModule,
  PropelAuthStartupError,
  RequireUserGuard,
  TokenVerifierService,
  type PropelAuthModuleOptions,
  type PropelAuthOptionsFactory,
  type User,
} from '../../lib';
import { PropelAuthEmulator } from '../../lib/testing';
import { startApp } from '../support/apps';
import { bearer, get } from '../support/http';
import { CapturingLogger } from '../support/logger';

const METADATA_PATH = '/api/v1/token_verification_metadata';
const API_KEY = 'sk-test-5ecret-do-not-leak-0123456789';

@Controller()
class WhoamiController {
  @Get('whoami')
  @UseGuards(RequireUserGuard)
  whoami(@CurrentUser() user: User) {
    return { userId: user.userId };
  }
}

let emulator: PropelAuthEmulator;
beforeAll(async () => {
  emulator = await new PropelAuthEmulator({ apiKey: API_KEY }).start();
});
afterAll(async () => {
  await emulator?.stop();
});
beforeEach(() => {
  emulator.clearRequests();
  emulator.clearFailures();
});

const FAST_STARTUP = { maxAttempts: 3, retryDelayMs: 1, requestTimeoutMs: 2_000 };

/** Compiles a module with PropelAuth and runs init(); resolves to the error, if any. */
async function boot(options: Partial<PropelAuthModuleOptions>): Promise<{ error?: Error; logger: CapturingLogger; verifier?: TokenVerifierService }> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [PropelAuthModule.forRoot({ ...emulator.moduleOptions(), startup: FAST_STARTUP, ...options } as PropelAuthModuleOptions)],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  try {
    await app.init();
    return { logger, verifier: app.get(TokenVerifierService) };
  } catch (error) {
    return { error: error as Error, logger };
  } finally {
    await app.close().catch(() => undefined);
  }
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(API_KEY);
}

describe('start-up: fetching the token verification metadata', () => {
  it('fetches once, with the API key, X-Propelauth-url and no body', async () => {
    const { error, verifier } = await boot({});
    expect(error).toBeUndefined();
    const requests = emulator.requestsTo(METADATA_PATH);
    expect(requests).toHaveLength(1);
    expect(requests[0].method).toBe('GET');
    expect(requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(requests[0].headers['x-propelauth-url']).toBe(new URL(emulator.authUrl).hostname);
    expect(verifier!.verifyAccessToken(emulator.mintAccessToken({ userId: 'u1' })).userId).toBe('u1');
  });

  it('makes no request at all with manualTokenVerificationMetadata', async () => {
    const { error, verifier } = await boot({ manualTokenVerificationMetadata: emulator.tokenVerificationMetadata() });
    expect(error).toBeUndefined();
    expect(emulator.requests).toHaveLength(0);
    expect(verifier!.verifyAccessToken(emulator.mintAccessToken({ userId: 'u2' })).userId).toBe('u2');
  });

  it('F54: fails at once on 401, naming the auth URL, never the key', async () => {
    const { error, logger } = await boot({ apiKey: 'sk-wrong-key-abcdef' });
    expect(error).toBeInstanceOf(PropelAuthStartupError);
    expect(error!.message).toContain('rejected the API key');
    expect(error!.message).toContain(emulator.authUrl);
    expect(error!.message).not.toContain('sk-wrong-key-abcdef');
    expect(emulator.requestsTo(METADATA_PATH)).toHaveLength(1);
    expect(logger.lines.join('\n')).not.toContain('sk-wrong-key-abcdef');
  });

  it('F54: retries 429 and 5xx with a warning, then starts', async () => {
    emulator.failNext({ path: METADATA_PATH, status: 429, headers: { 'Retry-After': '0' } });
    emulator.failNext({ path: METADATA_PATH, status: 503 });
    const { error, logger } = await boot({});
    expect(error).toBeUndefined();
    expect(emulator.requestsTo(METADATA_PATH)).toHaveLength(3);
    const warnings = logger.lines.filter((line) => line.includes('retrying'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('HTTP 429');
    expectNoSecret(logger.lines.join('\n'));
  });

  it('F54: gives up after maxAttempts with a clear message', async () => {
    emulator.failNext({ path: METADATA_PATH, status: 500, times: 5 });
    const { error, logger } = await boot({});
    expect(error).toBeInstanceOf(PropelAuthStartupError);
    expect(error!.message).toMatch(/HTTP 500.*gave up after 3 attempt/);
    expect(emulator.requestsTo(METADATA_PATH)).toHaveLength(3);
    expectNoSecret(error!.message + logger.lines.join('\n'));
  });

  it('F54: retries a dropped connection', async () => {
    emulator.failNext({ path: METADATA_PATH, reset: true });
    const { error } = await boot({});
    expect(error).toBeUndefined();
    expect(emulator.requestsTo(METADATA_PATH)).toHaveLength(2);
  });

  it('F54: fails with the network error when nothing listens', async () => {
    const port = await freePort();
    const { error } = await boot({ apiBaseUrl: `http://127.0.0.1:${port}` });
    expect(error).toBeInstanceOf(PropelAuthStartupError);
    expect(error!.message).toMatch(/ECONNREFUSED.*gave up after 3/);
    expectNoSecret(error!.message);
    expectNoSecret(JSON.stringify(error) + String((error as { cause?: unknown }).cause ?? ''));
  });

  it('F54/G60: times out a metadata server that never answers', async () => {
    emulator.failNext({ path: METADATA_PATH, hang: true });
    const { error } = await boot({ startup: { maxAttempts: 1, requestTimeoutMs: 200 } });
    expect(error).toBeInstanceOf(PropelAuthStartupError);
    expect(error!.message).toContain('ECONNABORTED');
  });

  it.each([
    ['an HTML page', '<html><body>Login</body></html>', 'not JSON'],
    ['JSON without the key', { something: 'else' }, 'must be an SPKI PEM'],
    ['an empty key', { verifier_key_pem: '' }, 'must be an SPKI PEM'],
    ['garbage PEM', { verifier_key_pem: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }, 'could not be parsed'],
    ['an EC key', { verifier_key_pem: pem('ec') }, 'must be an RSA key (got ec)'],
    ['a 1024-bit RSA key', { verifier_key_pem: pem('rsa1024') }, 'at least 2048 bits (got 1024)'],
  ])('F54: fails closed on %s, without retrying', async (_name, body, message) => {
    emulator.failNext({ path: METADATA_PATH, status: 200, body });
    const { error } = await boot({});
    expect(error).toBeInstanceOf(PropelAuthStartupError);
    expect(error!.message).toContain(message);
    expect(emulator.requestsTo(METADATA_PATH)).toHaveLength(1);
  });

  it('fails at once on another 4xx', async () => {
    emulator.failNext({ path: METADATA_PATH, status: 404 });
    const { error } = await boot({});
    expect(error!.message).toContain('HTTP 404');
    expect(emulator.requestsTo(METADATA_PATH)).toHaveLength(1);
  });
});

describe('forRoot option validation (at boot)', () => {
  const valid = { authUrl: 'https://auth.example.com', apiKey: API_KEY };
  it.each([
    ['no authUrl', { ...valid, authUrl: undefined }, 'authUrl is required'],
    ['an unparsable authUrl', { ...valid, authUrl: 'not.a.url' }, 'not a valid URL'],
    ['plain http off localhost', { ...valid, authUrl: 'http://auth.example.com' }, 'must use https'],
    ['credentials in the URL', { ...valid, authUrl: 'https://user:pw@auth.example.com' }, 'user name or password'],
    ['an apiBaseUrl with a query', { ...valid, apiBaseUrl: 'https://propelauth-api.com/?x=1' }, 'query or a fragment'],
    ['an apiBaseUrl with a fragment', { ...valid, apiBaseUrl: 'https://propelauth-api.com/#x' }, 'query or a fragment'],
    ['a plain-http apiBaseUrl off localhost', { ...valid, apiBaseUrl: 'http://propelauth-api.com' }, 'must use https'],
    ['an apiBaseUrl with credentials', { ...valid, apiBaseUrl: 'https://user:pw@propelauth-api.com' }, 'user name or password'],
    ['an apiKey with a non-ASCII character', { ...valid, apiKey: `${API_KEY}é` }, 'control or non-ASCII'],
    ['an apiKey with a space', { ...valid, apiKey: `${API_KEY} x` }, 'control or non-ASCII'],
    ['no apiKey', { ...valid, apiKey: '' }, 'apiKey is required'],
    ['an apiKey with a newline', { ...valid, apiKey: `${API_KEY}\r\nX-Evil: 1` }, 'control or non-ASCII'],
    ['a negative clock tolerance', { ...valid, clockToleranceSeconds: -1 }, 'clockToleranceSeconds'],
    ['a huge clock tolerance', { ...valid, clockToleranceSeconds: 3600 }, 'clockToleranceSeconds'],
    ['a manual key that is not PEM', { ...valid, manualTokenVerificationMetadata: { verifierKey: 'abc', issuer: 'https://auth.example.com' } }, 'SPKI PEM'],
    ['a manual EC key', { ...valid, manualTokenVerificationMetadata: { verifierKey: pem('ec'), issuer: 'https://auth.example.com' } }, 'RSA key'],
    ['a manual key without issuer', { ...valid, manualTokenVerificationMetadata: { verifierKey: pem('rsa2048'), issuer: '' } }, 'issuer'],
    ['zero start-up attempts', { ...valid, startup: { maxAttempts: 0 } }, 'maxAttempts'],
    ['a negative token cache size', { ...valid, tokenCacheSize: -1 }, 'tokenCacheSize'],
    ['a tokenExtractor that is not header, cookie or a function', { ...valid, tokenExtractor: 'query' }, 'tokenExtractor'],
    ['a cookie name with a space', { ...valid, tokenExtractor: { cookie: 'a b' } }, 'tokenExtractor'],
    ['an onAuthFailure that is not a function', { ...valid, onAuthFailure: 'log' }, 'onAuthFailure'],
    ['a zero API timeout', { ...valid, api: { timeoutMs: 0 } }, 'api.timeoutMs'],
    ['fractional API retries', { ...valid, api: { maxRetries: 1.5 } }, 'api.maxRetries'],
  ])('G64/G65: refuses %s at construction', (_name, options, message) => {
    let thrown: unknown;
    try {
      PropelAuthModule.forRoot(options as PropelAuthModuleOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PropelAuthConfigError);
    expect((thrown as Error).message).toContain(message);
    expectNoSecret((thrown as Error).message);
  });

  it('accepts http for localhost and 127.0.0.1 (the emulator)', () => {
    expect(() => PropelAuthModule.forRoot({ ...valid, authUrl: 'http://localhost:3000', apiBaseUrl: 'http://127.0.0.1:9' })).not.toThrow();
  });
});

@Injectable()
class OptionsFromClass implements PropelAuthOptionsFactory {
  createPropelAuthOptions(): PropelAuthModuleOptions {
    return emulator.moduleOptions();
  }
}

@Module({ providers: [OptionsFromClass], exports: [OptionsFromClass] })
class OptionsModule {}

describe('forRootAsync', () => {
  async function expectGuardedRouteWorks(imports: unknown[]): Promise<void> {
    const running = await startApp('express', { imports: imports as never[], controllers: [WhoamiController] });
    try {
      const token = emulator.mintAccessToken({ userId: 'async-user' });
      expect((await get(`${running.url}/whoami`, bearer(token))).json).toEqual({ userId: 'async-user' });
      expect((await get(`${running.url}/whoami`)).status).toBe(401);
    } finally {
      await running.close();
    }
  }

  it('useFactory with ConfigService', async () => {
    await expectGuardedRouteWorks([
      ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ PROPELAUTH: emulator.moduleOptions() })] }),
      PropelAuthModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => config.getOrThrow<PropelAuthModuleOptions>('PROPELAUTH'),
      }),
    ]);
  });

  it('useFactory returning a promise', async () => {
    await expectGuardedRouteWorks([PropelAuthModule.forRootAsync({ useFactory: async () => emulator.moduleOptions() })]);
  });

  it('useClass', async () => {
    await expectGuardedRouteWorks([PropelAuthModule.forRootAsync({ useClass: OptionsFromClass })]);
  });

  it('useExisting', async () => {
    await expectGuardedRouteWorks([PropelAuthModule.forRootAsync({ imports: [OptionsModule], useExisting: OptionsFromClass })]);
  });

  it('needs exactly one of useFactory, useClass, useExisting', () => {
    expect(() => PropelAuthModule.forRootAsync({})).toThrow(PropelAuthConfigError);
    expect(() => PropelAuthModule.forRootAsync({ useClass: OptionsFromClass, useExisting: OptionsFromClass })).toThrow(PropelAuthConfigError);
  });

  it('fails compilation with PropelAuthConfigError when the factory gives bad options', async () => {
    await expect(
      Test.createTestingModule({ imports: [PropelAuthModule.forRootAsync({ useFactory: () => ({ authUrl: 'nope', apiKey: API_KEY }) })] }).compile(),
    ).rejects.toThrow(PropelAuthConfigError);
  });
});

describe('isGlobal', () => {
  @Module({ controllers: [WhoamiController] })
  class FeatureModule {}

  it('is global by default: a feature module needs no import', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [PropelAuthModule.forRoot(emulator.moduleOptions()), FeatureModule] }).compile();
    await moduleRef.close();
  });

  it('with isGlobal: false, a module that does not import it cannot use the guard', async () => {
    await expect(
      Test.createTestingModule({ imports: [PropelAuthModule.forRoot({ ...emulator.moduleOptions(), isGlobal: false }), FeatureModule] }).compile(),
    ).rejects.toThrow(/TokenVerifierService|dependencies/);
  });
});

function pem(kind: 'ec' | 'rsa1024' | 'rsa2048'): string {
  const { publicKey } =
    kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: kind === 'rsa1024' ? 1024 : 2048 });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
