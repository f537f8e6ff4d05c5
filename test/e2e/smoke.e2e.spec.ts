import { Controller, Get, UseGuards } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurrentUser, PropelAuthModule, RequireUserGuard, type User } from '../../lib';
import { PropelAuthEmulator } from '../../lib/testing';
import { ADAPTERS, startApp, type RunningApp } from '../support/apps';
import { bearer, get } from '../support/http';

@Controller()
class SmokeController {
  @Get('whoami')
  @UseGuards(RequireUserGuard)
  whoami(@CurrentUser() user: User) {
    return { userId: user.userId };
  }
}

describe.each(ADAPTERS)('smoke (%s)', (adapter) => {
  let emulator: PropelAuthEmulator;
  let running: RunningApp;
  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
    running = await startApp(adapter, { imports: [PropelAuthModule.forRoot(emulator.moduleOptions())], controllers: [SmokeController] });
  });
  afterAll(async () => {
    await running?.close();
    await emulator?.stop();
  });

  it('serves a verified user and refuses a missing token', async () => {
    const token = emulator.mintAccessToken({ userId: 'user-1' });
    expect((await get(`${running.url}/whoami`, bearer(token))).json).toEqual({ userId: 'user-1' });
    const refused = await get(`${running.url}/whoami`);
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual({ statusCode: 401, message: 'Unauthorized' });
  });
});
