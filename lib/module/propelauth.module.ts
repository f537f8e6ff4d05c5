import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { PropelAuthConfigError } from '../errors';
import { PROPELAUTH_MODULE_OPTIONS, PROPELAUTH_RESOLVED_OPTIONS } from '../propelauth.constants';
import { APP_GUARD } from '@nestjs/core';
import { PropelAuthApiService } from '../api/propelauth-api.service';
import { RequireUserGuard } from '../guards/require-user.guard';
import { TokenVerifierService } from '../verification/token-verifier.service';
import type { PropelAuthModuleAsyncOptions, PropelAuthModuleOptions, PropelAuthOptionsFactory } from './propelauth-options.interface';
import { resolvePropelAuthOptions } from './propelauth-options';

/**
 * Sets up PropelAuth for a Nest application: validates the options, loads the
 * verifier key during `app.init()`, and provides `TokenVerifierService` (for the
 * guards and decorators) and `PropelAuthApiService` (the backend API). Global by default.
 *
 * @example
 * @Module({
 *   imports: [PropelAuthModule.forRoot({ authUrl: 'https://auth.example.com', apiKey: process.env.PROPELAUTH_API_KEY! })],
 *   controllers: [ApiController],
 * })
 * export class AppModule {}
 */
@Module({})
export class PropelAuthModule {
  /**
   * Configures the module with options known up front. Invalid options throw a
   * `PropelAuthConfigError` here, at boot. `globalGuard: true` guards every route
   * with `RequireUserGuard` (opt out with `@Public()`, relax with `@OptionalUser()`).
   * Global guards do not run for WebSocket gateways: guard those explicitly.
   */
  static forRoot(options: PropelAuthModuleOptions & { isGlobal?: boolean; globalGuard?: boolean }): DynamicModule {
    const { isGlobal, globalGuard, ...moduleOptions } = options ?? ({} as PropelAuthModuleOptions);
    const resolved = resolvePropelAuthOptions(moduleOptions);
    return PropelAuthModule.build({ isGlobal, globalGuard }, [], [
      { provide: PROPELAUTH_MODULE_OPTIONS, useValue: moduleOptions },
      { provide: PROPELAUTH_RESOLVED_OPTIONS, useValue: resolved },
    ]);
  }

  /** Configures the module from a factory, an options class or an existing provider (e.g. with `ConfigService`). */
  static forRootAsync(options: PropelAuthModuleAsyncOptions): DynamicModule {
    const ways = [options?.useFactory, options?.useClass, options?.useExisting].filter((way) => way !== undefined);
    if (ways.length !== 1) {
      throw new PropelAuthConfigError('PropelAuthModule.forRootAsync() needs exactly one of useFactory, useClass or useExisting');
    }
    const providers: Provider[] = [
      { provide: PROPELAUTH_RESOLVED_OPTIONS, useFactory: resolvePropelAuthOptions, inject: [PROPELAUTH_MODULE_OPTIONS] },
    ];
    if (options.useFactory) {
      providers.push({ provide: PROPELAUTH_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] });
    } else {
      const factoryClass = (options.useClass ?? options.useExisting)!;
      if (options.useClass) providers.push({ provide: factoryClass, useClass: factoryClass });
      providers.push({
        provide: PROPELAUTH_MODULE_OPTIONS,
        useFactory: (factory: PropelAuthOptionsFactory) => factory.createPropelAuthOptions(),
        inject: [factoryClass],
      });
    }
    return PropelAuthModule.build({ isGlobal: options.isGlobal, globalGuard: options.globalGuard }, options.imports ?? [], providers);
  }

  private static build(flags: { isGlobal?: boolean; globalGuard?: boolean }, imports: DynamicModule['imports'], providers: Provider[]): DynamicModule {
    // useExisting, so a test can replace the global guard with overrideProvider(RequireUserGuard).
    const guard: Provider[] = flags.globalGuard === true ? [RequireUserGuard, { provide: APP_GUARD, useExisting: RequireUserGuard }] : [];
    return {
      module: PropelAuthModule,
      global: flags.isGlobal !== false,
      imports,
      providers: [...providers, TokenVerifierService, PropelAuthApiService, ...guard],
      exports: [PROPELAUTH_MODULE_OPTIONS, PROPELAUTH_RESOLVED_OPTIONS, TokenVerifierService, PropelAuthApiService],
    };
  }
}
