import { Controller, Get } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CurrentUser,
  OptionalUser,
  PropelAuthModule,
  Public,
  RequireOrgRole,
  RequireUserGuard,
  type AuthFailureEvent,
  type PropelAuthModuleOptions,
  type User,
} from '../../lib';
import { PropelAuthEmulator } from '../../lib/testing';
import { ADAPTERS, startApp, type RunningApp } from '../support/apps';
import { bearer, get } from '../support/http';
import { CapturingLogger } from '../support/logger';

const ORG = '5d2d6e3a-0000-4000-8000-00000000000a';

@Controller()
class RoutesController {
  @Get('private')
  privateRoute(@CurrentUser() user: User) {
    return { userId: user.userId };
  }

  @Get('health')
  @Public()
  health(@CurrentUser() user?: User) {
    return { ok: true, user: user?.userId ?? null };
  }

  @Get('feed')
  @OptionalUser()
  feed(@CurrentUser() user?: User) {
    return { user: user?.userId ?? null };
  }

  @Get('org/:orgId/admin')
  @RequireOrgRole('Admin')
  admin() {
    return { ok: 'admin' };
  }
}

@Controller('open')
@Public()
class OpenController {
  @Get()
  open() {
    return { open: true };
  }
}

describe.each(ADAPTERS)('globalGuard, @Public, @OptionalUser, tokenExtractor, onAuthFailure (%s)', (adapter) => {
  let emulator: PropelAuthEmulator;
  let running: RunningApp;
  const events: AuthFailureEvent[] = [];
  const logger = new CapturingLogger();
  const boot = (options: Partial<PropelAuthModuleOptions> & { globalGuard?: boolean }) =>
    startApp(adapter, { imports: [PropelAuthModule.forRoot({ ...emulator.moduleOptions(), ...options })], controllers: [RoutesController, OpenController] });

  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
    running = await boot({ globalGuard: true, onAuthFailure: (event) => events.push(event) });
    running.app.useLogger(logger);
  });
  afterAll(async () => {
    await running?.close();
    await emulator?.stop();
  });
  const token = (role = 'Member') => emulator.mintAccessToken({ userId: `u-${role}`, orgs: [{ orgId: ORG, role }] });

  it('guards every route: 401 without a token, the user with one', async () => {
    expect((await get(`${running.url}/private`)).status).toBe(401);
    expect((await get(`${running.url}/private`, bearer(token()))).json).toEqual({ userId: 'u-Member' });
  });

  it('lets @Public() routes and controllers through without reading any token', async () => {
    expect((await get(`${running.url}/health`)).json).toEqual({ ok: true, user: null });
    expect((await get(`${running.url}/health`, [['Authorization', 'Bearer garbage']])).status).toBe(200);
    expect((await get(`${running.url}/health`, bearer(token()))).json.user).toBeNull();
    expect((await get(`${running.url}/open`)).json).toEqual({ open: true });
  });

  it('makes the user optional with @OptionalUser()', async () => {
    expect((await get(`${running.url}/feed`)).json).toEqual({ user: null });
    expect((await get(`${running.url}/feed`, [['Authorization', 'Bearer junk']])).json).toEqual({ user: null });
    expect((await get(`${running.url}/feed`, bearer(token()))).json).toEqual({ user: 'u-Member' });
  });

  it('enforces org decorators under the global guard', async () => {
    expect((await get(`${running.url}/org/${ORG}/admin`, bearer(token('Admin')))).status).toBe(200);
    expect((await get(`${running.url}/org/${ORG}/admin`, bearer(token('Member')))).status).toBe(403);
  });

  it('tells onAuthFailure and the debug log about each refusal, with the reason only', async () => {
    events.length = 0;
    logger.lines.length = 0;
    const member = token('Member');
    await get(`${running.url}/private`);
    await get(`${running.url}/org/${ORG}/admin`, bearer(member));
    expect(events.map(({ status, reason }) => [status, reason])).toEqual([
      [401, 'missing_authorization_header'],
      [403, "User's role in the org is not at least Admin"],
    ]);
    expect(events[1].context.getHandler().name).toBe('admin');
    expect(logger.lines.some((line) => line.includes('Refused RoutesController.privateRoute with 401: missing_authorization_header'))).toBe(true);
    expect(logger.lines.join('\n')).not.toContain(member.slice(-30));
  });

  it('answers all the same when onAuthFailure throws', async () => {
    const throwing = await boot({ globalGuard: true, onAuthFailure: () => {
      throw new Error('metrics down');
    } });
    try {
      expect((await get(`${throwing.url}/private`)).status).toBe(401);
    } finally {
      await throwing.close();
    }
  });

  it('reads the token from a cookie with tokenExtractor: { cookie }', async () => {
    const cookieApp = await boot({ globalGuard: true, tokenExtractor: { cookie: '__pa_at' } });
    try {
      const value = token();
      expect((await get(`${cookieApp.url}/private`, [['Cookie', `theme=dark; __pa_at=${value}; other=1`]])).json).toEqual({ userId: 'u-Member' });
      expect((await get(`${cookieApp.url}/private`, [['Cookie', 'theme=dark']])).status).toBe(401);
      expect((await get(`${cookieApp.url}/private`, [['Cookie', '__pa_at=%E0%A4%A']])).status).toBe(401);
      // With a cookie extractor the Authorization header is not read.
      expect((await get(`${cookieApp.url}/private`, bearer(value))).status).toBe(401);
    } finally {
      await cookieApp.close();
    }
  });

  it('reads the token with a tokenExtractor function', async () => {
    const fnApp = await boot({ globalGuard: true, tokenExtractor: (request: { headers: Record<string, unknown> }) => request.headers['x-access-token'] as string | undefined });
    try {
      expect((await get(`${fnApp.url}/private`, [['X-Access-Token', token()]])).json).toEqual({ userId: 'u-Member' });
      expect((await get(`${fnApp.url}/private`)).status).toBe(401);
      expect((await get(`${fnApp.url}/private`, [['X-Access-Token', 'nope']])).status).toBe(401);
    } finally {
      await fnApp.close();
    }
  });
});

describe('globalGuard with forRootAsync, and overriding it in a test', () => {
  let emulator: PropelAuthEmulator;
  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('forRootAsync({ globalGuard: true }) guards every route', async () => {
    const running = await startApp('express', {
      imports: [PropelAuthModule.forRootAsync({ globalGuard: true, useFactory: () => emulator.moduleOptions() })],
      controllers: [RoutesController],
    });
    try {
      expect((await get(`${running.url}/private`)).status).toBe(401);
      expect((await get(`${running.url}/health`)).status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('is registered with useExisting, so overrideProvider(RequireUserGuard) replaces it', async () => {
    let calls = 0;
    const override = {
      canActivate: () => {
        calls++;
        return true;
      },
    };
    const running = await startApp(
      'express',
      { imports: [PropelAuthModule.forRoot({ ...emulator.moduleOptions(), globalGuard: true })], controllers: [RoutesController] },
      { configure: (builder) => builder.overrideProvider(RequireUserGuard).useValue(override) },
    );
    try {
      expect((await get(`${running.url}/feed`)).json).toEqual({ user: null });
      expect((await get(`${running.url}/health`)).status).toBe(200);
      // Once a request: the override is the global guard. Registered with useClass, APP_GUARD
      // would be a guard of its own, which overrideProvider() does not reach (no call).
      expect(calls).toBe(2);
    } finally {
      await running.close();
    }
  });
});
