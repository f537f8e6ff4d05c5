import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import { UseGuards } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, type TestingModule } from '@nestjs/testing';
import axios from 'axios';
import { Socket, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CurrentOrg,
  CurrentUser,
  PROPELAUTH_MODULE_OPTIONS,
  PropelAuthApiService,
  PropelAuthModule,
  PropelAuthRateLimitedError,
  PropelAuthStartupError,
  Public,
  RequireOrgRole,
  RequireUserGuard,
  TokenVerifierService,
  type OrgMemberInfo,
  type PropelAuthModuleOptions,
  type PropelAuthOptionsFactory,
  type User,
} from '../../lib';
import { PropelAuthTesting, PropelAuthTestingModule } from '../../lib/testing';
import { ADAPTERS, type AdapterName } from '../support/apps';
import { bearer, get } from '../support/http';

// ---------------------------------------------------------------------------
// The user's application, as it is in production: the REAL module, real options.
// ---------------------------------------------------------------------------

const REAL_OPTIONS = { authUrl: 'https://auth.example.com', apiKey: 'sk-real-0123456789abcdef0123456789abcdef' };
const ORG = '5b0c7a52-7d1e-4c61-9a53-000000000001';

@Controller('api')
class AccountController {
  constructor(private readonly api: PropelAuthApiService) {}

  @Get('me')
  @UseGuards(RequireUserGuard)
  me(@CurrentUser() user: User) {
    return { userId: user.userId };
  }

  @Get('org/:orgId/settings')
  @UseGuards(RequireUserGuard)
  @RequireOrgRole('Admin')
  settings(@CurrentOrg() org: OrgMemberInfo) {
    return { orgId: org.orgId, role: org.userAssignedRole };
  }

  @Get('profile')
  @UseGuards(RequireUserGuard)
  async profile(@CurrentUser() user: User) {
    const metadata = await this.api.fetchUserMetadataByUserId(user.userId);
    return { email: metadata?.email ?? null, firstName: metadata?.firstName ?? null };
  }
}

@Module({
  imports: [PropelAuthModule.forRoot(REAL_OPTIONS)],
  controllers: [AccountController],
})
class AppModule {}

const realFactory = vi.fn((config: ConfigService): PropelAuthModuleOptions => config.getOrThrow<PropelAuthModuleOptions>('PROPELAUTH'));

/** The same app, configured the async way from ConfigService. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ PROPELAUTH: REAL_OPTIONS })] }),
    PropelAuthModule.forRootAsync({ inject: [ConfigService], useFactory: realFactory }),
  ],
  controllers: [AccountController],
})
class AsyncAppModule {}

@Injectable()
class RealPropelAuthConfig implements PropelAuthOptionsFactory {
  static calls = 0;
  createPropelAuthOptions(): PropelAuthModuleOptions {
    RealPropelAuthConfig.calls++;
    return REAL_OPTIONS;
  }
}

/** The async way with an options class. */
@Module({
  imports: [PropelAuthModule.forRootAsync({ useClass: RealPropelAuthConfig })],
  controllers: [AccountController],
})
class UseClassAppModule {}

/** An app that keeps its PropelAuth import in a constant, so `overrideModule` can name that very object. */
const propelAuthImport = PropelAuthModule.forRoot(REAL_OPTIONS);
@Module({ imports: [propelAuthImport], controllers: [AccountController] })
class ExportedImportAppModule {}

/** An app guarding every route through the module's `globalGuard`, with one public route. */
@Controller('guarded')
class GloballyGuardedController {
  @Get('me')
  me(@CurrentUser() user: User) {
    return { userId: user.userId };
  }

  @Get('health')
  @Public()
  health() {
    return { ok: true };
  }
}

@Module({ imports: [PropelAuthModule.forRoot({ ...REAL_OPTIONS, globalGuard: true })], controllers: [GloballyGuardedController] })
class GlobalGuardAppModule {}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Records the destination of every TCP connection this process opens (TLS included), before any DNS lookup. */
function recordConnections(): { targets: string[]; restore(): void } {
  const targets: string[] = [];
  const original = Socket.prototype.connect;
  Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const target =
      typeof first === 'object' && first !== null
        ? ((first as { path?: string }).path ?? `${(first as { host?: string }).host ?? 'localhost'}:${(first as { port?: unknown }).port}`)
        : `${typeof args[1] === 'string' ? args[1] : 'localhost'}:${String(first)}`;
    targets.push(target);
    return (original as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof original;
  return { targets, restore: () => void (Socket.prototype.connect = original) };
}

interface Running {
  app: INestApplication;
  url: string;
  port: number;
}

/** Serves a compiled testing module on the adapter, on an ephemeral loopback port. */
async function listen(adapter: AdapterName, moduleRef: TestingModule): Promise<Running> {
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  if (adapter === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, port };
}

const portOf = (testing: PropelAuthTesting) => Number(new URL(testing.emulator.apiBaseUrl).port);
const adminOf = (testing: PropelAuthTesting, role = 'Admin') => testing.token({ userId: `${role.toLowerCase()}-1`, orgs: [{ orgId: ORG, orgName: 'Acme', role }] });

/** The checks every form of set-up must pass: guards, roles, and the backend API answered by the emulator. */
async function expectWorkingApp(testing: PropelAuthTesting, running: Running): Promise<void> {
  expect((await get(`${running.url}/api/me`, [['Authorization', testing.authorization({ userId: 'user-1' })]])).json).toEqual({ userId: 'user-1' });
  expect((await get(`${running.url}/api/me`)).status).toBe(401);
  expect((await get(`${running.url}/api/org/${ORG}/settings`, bearer(adminOf(testing)))).status).toBe(200);
  expect((await get(`${running.url}/api/org/${ORG}/settings`, bearer(adminOf(testing, 'Member')))).status).toBe(403);
  const user = testing.emulator.createUser({ email: `ada-${Math.random().toString(36).slice(2)}@example.com`, firstName: 'Ada' });
  const profile = await get(`${running.url}/api/profile`, bearer(testing.tokenFor(user.userId)));
  expect(profile.json).toEqual({ email: user.email, firstName: 'Ada' });
}

// ---------------------------------------------------------------------------

describe.each(ADAPTERS)('the testing kit (%s)', (adapter) => {
  describe('testing.override(): the real AppModule, PropelAuthModule.forRoot inline', () => {
    let testing: PropelAuthTesting;
    let running: Running;
    let connections: ReturnType<typeof recordConnections>;

    beforeAll(async () => {
      connections = recordConnections();
      // The three lines of set-up:
      testing = await PropelAuthTesting.start();
      const moduleRef = await testing.override(Test.createTestingModule({ imports: [AppModule] })).compile();
      running = await listen(adapter, moduleRef);
    });

    afterAll(async () => {
      await running?.app.close();
      await testing?.stop();
      connections?.restore();
    });

    it('boots without a single request: the verifier key is given, not fetched', () => {
      expect(testing.emulator.requests).toEqual([]);
      expect(connections.targets).toEqual([]);
    });

    it('answers 200 to a kit token and 401 without one', async () => {
      const ok = await get(`${running.url}/api/me`, [['Authorization', testing.authorization({ userId: 'user-1' })]]);
      expect(ok.status).toBe(200);
      expect(ok.json).toEqual({ userId: 'user-1' });
      const none = await get(`${running.url}/api/me`);
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
    });

    it('enforces @RequireOrgRole: 200 for an Admin, 403 for a Member, 403 for another org', async () => {
      const admin = await get(`${running.url}/api/org/${ORG}/settings`, bearer(adminOf(testing)));
      expect(admin.status).toBe(200);
      expect(admin.json).toEqual({ orgId: ORG, role: 'Admin' });
      expect((await get(`${running.url}/api/org/${ORG}/settings`, bearer(adminOf(testing, 'Member')))).status).toBe(403);
      const elsewhere = testing.token({ orgs: [{ orgId: '5b0c7a52-7d1e-4c61-9a53-000000000002', role: 'Owner' }] });
      expect((await get(`${running.url}/api/org/${ORG}/settings`, bearer(elsewhere))).status).toBe(403);
    });

    it('tokenFor() carries a stored user’s memberships', async () => {
      const user = testing.emulator.createUser({ email: `grace-${adapter}@example.com` });
      const org = testing.emulator.createOrg({ name: `Grace Org ${adapter}` });
      testing.emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Admin' });
      const response = await get(`${running.url}/api/org/${org.orgId}/settings`, bearer(testing.tokenFor(user.userId)));
      expect(response.json).toEqual({ orgId: org.orgId, role: 'Admin' });
      const scoped = testing.tokenFor(user.userId, { activeOrgId: org.orgId, durationInMinutes: 5 });
      expect((await get(`${running.url}/api/org/${org.orgId}/settings`, bearer(scoped))).status).toBe(200);
      expect(() => testing.tokenFor('nobody')).toThrow(/no user nobody/);
    });

    it('refuses a token the real project would issue: the real options are not used', async () => {
      const realIssuer = testing.token({ claims: { iss: REAL_OPTIONS.authUrl } });
      expect((await get(`${running.url}/api/me`, bearer(realIssuer))).status).toBe(401);
      expect((await get(`${running.url}/api/me`, bearer(testing.token({ expiresInSeconds: -1 })))).status).toBe(401);
    });

    it('sends PropelAuthApiService calls to the emulator, with the emulator’s key, and nowhere else', async () => {
      testing.emulator.clearRequests();
      const user = testing.emulator.createUser({ email: `ada-${adapter}@example.com`, firstName: 'Ada' });
      const response = await get(`${running.url}/api/profile`, bearer(testing.tokenFor(user.userId)));
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ email: `ada-${adapter}@example.com`, firstName: 'Ada' });

      expect(testing.emulator.requests.map((request) => `${request.method} ${request.path}`)).toEqual([`GET /api/backend/v1/user/${user.userId}`]);
      const [request] = testing.emulator.requests;
      expect(request.headers.authorization).toBe(`Bearer ${testing.emulator.apiKey}`);
      expect(request.headers['x-propelauth-url']).toBe(new URL(testing.emulator.authUrl).hostname);
      expect(JSON.stringify(testing.emulator.requests)).not.toContain(REAL_OPTIONS.apiKey);
      // Every connection the process opened since before boot: the test's to the app (kept alive
      // between requests) and the app's to the emulator. Nothing to propelauth-api.com or auth.example.com.
      expect(connections.targets).toContain(`127.0.0.1:${portOf(testing)}`);
      for (const target of connections.targets) expect([`127.0.0.1:${running.port}`, `127.0.0.1:${portOf(testing)}`]).toContain(target);
    });

    it('exposes the kit options to whoever injects PROPELAUTH_MODULE_OPTIONS', () => {
      const options = running.app.get<PropelAuthModuleOptions>(PROPELAUTH_MODULE_OPTIONS);
      expect(options.authUrl).toBe(testing.emulator.authUrl);
      expect(options.apiBaseUrl).toBe(testing.emulator.apiBaseUrl);
      expect(options.apiKey).not.toBe(REAL_OPTIONS.apiKey);
    });
  });

  describe('the other forms of set-up', () => {
    let testing: PropelAuthTesting;
    let connections: ReturnType<typeof recordConnections>;

    beforeAll(async () => {
      connections = recordConnections();
      testing = await PropelAuthTesting.start();
    });

    afterAll(async () => {
      await testing?.stop();
      connections?.restore();
    });

    /** Boots, runs the common checks, closes; and checks that nothing but the app and the emulator was contacted. */
    async function check(moduleRef: TestingModule): Promise<void> {
      connections.targets.length = 0;
      const running = await listen(adapter, moduleRef);
      try {
        await expectWorkingApp(testing, running);
        expect(testing.emulator.requestsTo('/api/v1/token_verification_metadata')).toEqual([]);
        for (const target of connections.targets) expect([`127.0.0.1:${running.port}`, `127.0.0.1:${portOf(testing)}`]).toContain(target);
      } finally {
        await running.app.close();
      }
    }

    it('plain import: testing.module() in place of PropelAuthModule.forRoot', async () => {
      await check(await Test.createTestingModule({ imports: [testing.module()], controllers: [AccountController] }).compile());
    });

    it('plain import under Nest naming: PropelAuthTestingModule.forRoot(testing)', async () => {
      const moduleRef = await Test.createTestingModule({ imports: [PropelAuthTestingModule.forRoot(testing, { debugMode: true })], controllers: [AccountController] }).compile();
      expect(moduleRef.get<PropelAuthModuleOptions>(PROPELAUTH_MODULE_OPTIONS).debugMode).toBe(true);
      await check(moduleRef);
    });

    it('forRootAsync({ useFactory }) overridden: the real factory never runs', async () => {
      realFactory.mockClear();
      await check(await testing.override(Test.createTestingModule({ imports: [AsyncAppModule] })).compile());
      expect(realFactory).not.toHaveBeenCalled();
    });

    it('forRootAsync({ useClass }) overridden: createPropelAuthOptions never runs', async () => {
      RealPropelAuthConfig.calls = 0;
      await check(await testing.override(Test.createTestingModule({ imports: [UseClassAppModule] })).compile());
      expect(RealPropelAuthConfig.calls).toBe(0);
    });

    it('overrideModule(<the very forRoot object>).useModule(testing.module()) replaces the module', async () => {
      const moduleRef = await Test.createTestingModule({ imports: [ExportedImportAppModule] })
        .overrideModule(propelAuthImport)
        .useModule(testing.module())
        .compile();
      expect(moduleRef.get(PropelAuthTestingModule)).toBeInstanceOf(PropelAuthTestingModule);
      await check(moduleRef);
    });

    it('overrideModule(PropelAuthModule) does NOT replace PropelAuthModule.forRoot(...) on Nest 12 (matched by identity)', async () => {
      // Compiled only: app.init() would start the real module's fetch of https://propelauth-api.com.
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).overrideModule(PropelAuthModule).useModule(testing.module()).compile();
      expect(moduleRef.get<PropelAuthModuleOptions>(PROPELAUTH_MODULE_OPTIONS).authUrl).toBe(REAL_OPTIONS.authUrl);
      expect(() => moduleRef.get(PropelAuthTestingModule)).toThrow();
      await moduleRef.close();
    });

    it('keeps the module shape: a globalGuard app stays guarded under override(), and module({ globalGuard }) guards too', async () => {
      for (const moduleRef of [
        await testing.override(Test.createTestingModule({ imports: [GlobalGuardAppModule] })).compile(),
        await Test.createTestingModule({ imports: [testing.module({ globalGuard: true })], controllers: [GloballyGuardedController] }).compile(),
      ]) {
        const running = await listen(adapter, moduleRef);
        try {
          expect((await get(`${running.url}/guarded/me`)).status).toBe(401);
          expect((await get(`${running.url}/guarded/me`, bearer(testing.token({ userId: 'user-g' })))).json).toEqual({ userId: 'user-g' });
          expect((await get(`${running.url}/guarded/health`)).json).toEqual({ ok: true });
        } finally {
          await running.app.close();
        }
      }
    });

    it('overrides reach the module: with manualTokenVerificationMetadata removed, start-up fetches the key from the emulator', async () => {
      testing.emulator.clearRequests();
      const moduleRef = await Test.createTestingModule({ imports: [testing.module({ manualTokenVerificationMetadata: undefined })], controllers: [AccountController] }).compile();
      const running = await listen(adapter, moduleRef);
      try {
        expect(testing.emulator.requestsTo('/api/v1/token_verification_metadata')).toHaveLength(1);
        expect(running.app.get(TokenVerifierService).isReady()).toBe(true);
        expect((await get(`${running.url}/api/me`, bearer(testing.token()))).status).toBe(200);
      } finally {
        await running.app.close();
      }
    });
  });
});

describe('the kit fails fast', () => {
  let testing: PropelAuthTesting;

  beforeAll(async () => {
    testing = await PropelAuthTesting.start();
  });

  afterAll(async () => {
    await testing?.stop();
  });

  it('does not wait out a 429 asking for 100 ms, over its 50 ms retry cap (the module alone waits and retries)', async () => {
    const user = testing.emulator.createUser({ email: 'patient@example.com' });
    const path = `/api/backend/v1/user/${user.userId}`;
    const moduleRef = await Test.createTestingModule({ imports: [testing.module()] }).compile();
    try {
      testing.emulator.failNext({ path, status: 429, body: { wait_seconds: 0.1 } });
      await expect(moduleRef.get(PropelAuthApiService).fetchUserMetadataByUserId(user.userId)).rejects.toBeInstanceOf(PropelAuthRateLimitedError);
      expect(testing.emulator.requestsTo(path)).toHaveLength(1);
    } finally {
      await moduleRef.close();
    }
  });

  it('gives up fetching the verifier key after 2 attempts (the module alone makes up to 5)', async () => {
    testing.emulator.clearRequests();
    testing.emulator.failNext({ path: '/api/v1/token_verification_metadata', status: 500, times: 2 });
    const moduleRef = await Test.createTestingModule({ imports: [testing.module({ manualTokenVerificationMetadata: undefined })] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await expect(app.init()).rejects.toThrow(PropelAuthStartupError);
      expect(testing.emulator.requestsTo('/api/v1/token_verification_metadata')).toHaveLength(2);
    } finally {
      testing.emulator.clearFailures();
      await app.close().catch(() => undefined);
    }
  });
});

describe('the connection recorder', () => {
  it('sees connections to loopback ports and to named hosts (before any DNS lookup)', async () => {
    const connections = recordConnections();
    try {
      await axios.get('http://127.0.0.1:1/', { timeout: 2_000 }).catch(() => undefined);
      await axios.get('https://propelauth-api.invalid/', { timeout: 2_000 }).catch(() => undefined);
    } finally {
      connections.restore();
    }
    expect(connections.targets).toContain('127.0.0.1:1');
    expect(connections.targets.some((target) => target.startsWith('propelauth-api.invalid'))).toBe(true);
  });
});
