import { Controller, Get, Injectable, UseGuards } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurrentUser, PropelAuthModule, RequireUserGuard, type PropelAuthRequest, type User } from '../../lib';
import { PropelAuthEmulator } from '../../lib/testing';
import { ADAPTERS, startApp, type RunningApp } from '../support/apps';
import { bearer, get } from '../support/http';

/** A subclass that changes one protected step, as the README shows: the token may come in X-Access-Token. */
@Injectable()
class HeaderTokenGuard extends RequireUserGuard {
  protected override extractToken(request: PropelAuthRequest): string {
    const token = request.headers['x-access-token'];
    return typeof token === 'string' ? token : super.extractToken(request);
  }
}

@Controller()
class CustomController {
  @Get('custom')
  @UseGuards(HeaderTokenGuard)
  custom(@CurrentUser() user: User) {
    return { userId: user.userId };
  }
}

describe.each(ADAPTERS)('a subclassed guard (%s)', (adapter) => {
  let emulator: PropelAuthEmulator;
  let running: RunningApp;
  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
    running = await startApp(adapter, { imports: [PropelAuthModule.forRoot(emulator.moduleOptions())], controllers: [CustomController] });
  });
  afterAll(async () => {
    await running?.close();
    await emulator?.stop();
  });

  it('uses the overridden step and keeps every other check', async () => {
    const token = emulator.mintAccessToken({ userId: 'custom-user' });
    expect((await get(`${running.url}/custom`, [['X-Access-Token', token]])).json).toEqual({ userId: 'custom-user' });
    expect((await get(`${running.url}/custom`, bearer(token))).json).toEqual({ userId: 'custom-user' });
    expect((await get(`${running.url}/custom`, [['X-Access-Token', `${token}x`]])).status).toBe(401);
    expect((await get(`${running.url}/custom`)).status).toBe(401);
  });
});
