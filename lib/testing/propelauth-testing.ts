import { Module, type DynamicModule } from '@nestjs/common';
import { PropelAuthModule } from '../module/propelauth.module';
import type { PropelAuthModuleOptions } from '../module/propelauth-options.interface';
import { resolvePropelAuthOptions } from '../module/propelauth-options';
import { PROPELAUTH_MODULE_OPTIONS, PROPELAUTH_RESOLVED_OPTIONS } from '../propelauth.constants';
import { PropelAuthEmulator, type PropelAuthEmulatorOptions } from './emulator/propelauth-emulator';
import type { MintAccessTokenOptions } from './emulator/token-minter';

/**
 * What `PropelAuthTesting.module()` and `PropelAuthTestingModule.forRoot()` accept:
 * any option of `PropelAuthModule.forRoot()` (module flags such as `isGlobal`
 * included), set over the kit's own. A key given as `undefined` removes the kit's
 * value, e.g. `{ manualTokenVerificationMetadata: undefined }` makes start-up fetch
 * the verifier key from the emulator, as it would from PropelAuth.
 */
export type PropelAuthTestingOverrides = Partial<Parameters<typeof PropelAuthModule.forRoot>[0]>;

/** Options of `PropelAuthTesting.tokenFor()`. */
export interface PropelAuthTestingTokenForOptions {
  /** Scope the token to this org, one of the user's (it then carries `org_member_info`). */
  activeOrgId?: string;
  /** Lifetime in minutes (default 30, as PropelAuth). */
  durationInMinutes?: number;
}

/**
 * What `PropelAuthTesting.override()` needs of a `TestingModuleBuilder`
 * (kept structural so that this package does not depend on `@nestjs/testing`).
 */
export interface PropelAuthOverridableBuilder<T> {
  overrideProvider(typeOrToken: symbol): { useValue(value: unknown): T };
}

/** Backend API calls fail fast in tests: same retries, no waiting (a long `Retry-After` is not waited for). */
const FAST_API: NonNullable<PropelAuthModuleOptions['api']> = { timeoutMs: 5_000, retryBaseDelayMs: 1, maxRetryDelayMs: 50 };
/** Only used when `manualTokenVerificationMetadata` is overridden away. */
const FAST_STARTUP: NonNullable<PropelAuthModuleOptions['startup']> = { maxAttempts: 2, retryDelayMs: 1, requestTimeoutMs: 5_000 };

/**
 * The testing kit: a `PropelAuthEmulator` on loopback, the module that points at
 * it, and one-call tokens. An e2e test of your app then needs no PropelAuth
 * account and no network, and boots without any request at all (the verifier key
 * is given to the module, not fetched).
 *
 * @example
 * const testing = await PropelAuthTesting.start();
 * const moduleRef = await testing.override(Test.createTestingModule({ imports: [AppModule] })).compile();
 * const app = await moduleRef.createNestApplication().init();
 *
 * await request(app.getHttpServer()).get('/me').set('Authorization', testing.authorization()).expect(200);
 *
 * await app.close();
 * await testing.stop();
 */
export class PropelAuthTesting {
  /**
   * The emulator behind the kit, for seeding what the backend API answers and for
   * asserting what went over the wire.
   *
   * @example
   * const user = testing.emulator.createUser({ email: 'ada@example.com' });
   * // ... exercise the app, then:
   * expect(testing.emulator.requestsTo(`/api/backend/v1/user/${user.userId}`)).toHaveLength(1);
   */
  readonly emulator: PropelAuthEmulator;

  private constructor(emulator: PropelAuthEmulator) {
    this.emulator = emulator;
  }

  /**
   * Starts an emulator on `127.0.0.1`, port 0 (any free port), with a fresh RSA key.
   * The options are the emulator's: `apiKey`, `authUrl`, `roles`, `roleStructure`, `host`, `port`.
   *
   * @example
   * const testing = await PropelAuthTesting.start();
   * const withRoles = await PropelAuthTesting.start({ roles: [{ name: 'Owner' }, { name: 'Viewer' }] });
   */
  static async start(options: PropelAuthEmulatorOptions = {}): Promise<PropelAuthTesting> {
    const emulator = await new PropelAuthEmulator(options).start();
    return new PropelAuthTesting(emulator);
  }

  /**
   * The module options the kit uses: the emulator's `authUrl`, `apiKey` and
   * `apiBaseUrl`, its verifier key as `manualTokenVerificationMetadata`, and fast
   * API retries, with `overrides` set over them.
   *
   * @example
   * PropelAuthModule.forRoot(testing.moduleOptions({ debugMode: true }))
   */
  moduleOptions(overrides: Partial<PropelAuthModuleOptions> = {}): PropelAuthModuleOptions {
    return {
      ...this.emulator.moduleOptions(),
      manualTokenVerificationMetadata: this.emulator.tokenVerificationMetadata(),
      ...overrides,
      api: { ...FAST_API, ...overrides.api },
      startup: { ...FAST_STARTUP, ...overrides.startup },
    };
  }

  /**
   * A drop-in replacement for `PropelAuthModule.forRoot(...)` / `forRootAsync(...)`:
   * the same providers and exports (`TokenVerifierService`, `PropelAuthApiService`,
   * what the guards and decorators need), global by default, configured for the
   * emulator. Import it in place of the real module, or give it to
   * `overrideModule(<the very object your AppModule imports>).useModule(...)`.
   *
   * Nest's `overrideModule(PropelAuthModule)` does **not** replace
   * `PropelAuthModule.forRoot(...)`: Nest matches the import by identity and a
   * dynamic module is a new object (nestjs/nest#11967). For an AppModule that
   * builds its PropelAuth import inline, use `override()` instead.
   *
   * @example
   * const moduleRef = await Test.createTestingModule({
   *   imports: [testing.module({ debugMode: true })],
   *   controllers: [ApiController],
   * }).compile();
   */
  module(overrides: PropelAuthTestingOverrides = {}): DynamicModule {
    // Built by forRoot itself, so the providers and exports are the real module's, whatever they become.
    const real = PropelAuthModule.forRoot(this.moduleOptions(overrides));
    return { ...real, module: PropelAuthTestingModule };
  }

  /**
   * Points the PropelAuth module(s) that your AppModule imports, however they were
   * built (`forRoot`, `forRootAsync` with `useFactory`, `useClass` or `useExisting`,
   * at any depth), at the emulator: it overrides the module's options providers, so
   * the real options (and an async options factory) are never used and start-up
   * makes no request. The options are replaced as a whole: behaviour options of
   * your real config that a test relies on (`tokenExtractor`, `onAuthFailure`,
   * `debugMode`...) go in `overrides`. The module keeps its shape (`isGlobal`, the
   * guard of `globalGuard`). Returns the builder, to chain or `compile()`.
   *
   * @example
   * const moduleRef = await testing
   *   .override(Test.createTestingModule({ imports: [AppModule] }), { debugMode: true })
   *   .compile();
   */
  override<T extends PropelAuthOverridableBuilder<T>>(builder: T, overrides: Partial<PropelAuthModuleOptions> = {}): T {
    const options = this.moduleOptions(overrides);
    const resolved = resolvePropelAuthOptions(options);
    return builder.overrideProvider(PROPELAUTH_MODULE_OPTIONS).useValue(options).overrideProvider(PROPELAUTH_RESOLVED_OPTIONS).useValue(resolved);
  }

  /**
   * Mints an access token that the kit's module accepts: any user, orgs, roles,
   * permissions and expiry, nothing stored (see `MintAccessTokenOptions`).
   *
   * @example
   * const admin = testing.token({ userId: 'u-1', orgs: [{ orgId: 'org-1', orgName: 'Acme', role: 'Admin' }] });
   * const expired = testing.token({ expiresInSeconds: -1 });
   */
  token(options: MintAccessTokenOptions = {}): string {
    return this.emulator.mintAccessToken(options);
  }

  /**
   * Mints a token for a user stored in the emulator, carrying that user's real
   * memberships (as PropelAuth's `POST /access_token` does). Throws if there is no such user.
   *
   * @example
   * const user = testing.emulator.createUser({ email: 'ada@example.com' });
   * const org = testing.emulator.createOrg({ name: 'Acme' });
   * testing.emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Admin' });
   * const token = testing.tokenFor(user.userId, { activeOrgId: org.orgId });
   */
  tokenFor(userId: string, options: PropelAuthTestingTokenForOptions = {}): string {
    return this.emulator.createAccessToken({ userId, activeOrgId: options.activeOrgId, durationInMinutes: options.durationInMinutes });
  }

  /**
   * `Bearer <token>`, for an `Authorization` header, of a token minted with these options.
   *
   * @example
   * await request(server).get('/me').set('Authorization', testing.authorization({ userId: 'u-1' })).expect(200);
   */
  authorization(options: MintAccessTokenOptions = {}): string {
    return `Bearer ${this.token(options)}`;
  }

  /**
   * Stops the emulator and closes its connections. Close your app first.
   *
   * @example
   * afterAll(async () => {
   *   await app.close();
   *   await testing.stop();
   * });
   */
  async stop(): Promise<void> {
    await this.emulator.stop();
  }
}

/**
 * The kit's module under Nest's naming: `PropelAuthTestingModule.forRoot(testing)`
 * is `testing.module()`.
 *
 * @example
 * const testing = await PropelAuthTesting.start();
 * const moduleRef = await Test.createTestingModule({
 *   imports: [PropelAuthTestingModule.forRoot(testing), UsersModule],
 * }).compile();
 */
@Module({})
export class PropelAuthTestingModule {
  /**
   * The same as `testing.module(overrides)`.
   *
   * @example
   * Test.createTestingModule({ imports: [PropelAuthTestingModule.forRoot(testing, { debugMode: true })] })
   */
  static forRoot(testing: PropelAuthTesting, overrides: PropelAuthTestingOverrides = {}): DynamicModule {
    return testing.module(overrides);
  }
}
