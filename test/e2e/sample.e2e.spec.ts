import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../sample/app.module';
import { startDemoEmulator, type Demo } from '../../sample/demo-seed';
import { startApp, type RunningApp } from '../support/apps';
import { bearer, get } from '../support/http';

// The sample app exactly as `npm start` wires it: the seeded emulator and the sample routes.
describe('sample app', () => {
  let demo: Demo;
  let running: RunningApp;
  beforeAll(async () => {
    demo = await startDemoEmulator();
    running = await startApp('express', { imports: [AppModule.forRoot(demo.emulator.moduleOptions())] });
  });
  afterAll(async () => {
    await running?.close();
    await demo?.emulator.stop();
  });

  it('answers the seeded users as the printed curl commands say', async () => {
    const org = demo.orgId;
    const url = (path: string) => `${running.url}${path}`;
    expect((await get(url('/api/whoami'))).status).toBe(401);
    expect((await get(url('/api/whoami'), bearer(demo.ownerToken))).json.email).toBe('owner@acme.test');
    expect((await get(url('/api/whoami_optional'))).json).toEqual({});
    expect((await get(url(`/api/org/${org}`), bearer(demo.memberToken))).json).toEqual({ message: 'You are in org Acme Inc', role: 'Member' });
    expect((await get(url(`/api/org/${org}/owner`), bearer(demo.memberToken))).status).toBe(403);
    expect((await get(url(`/api/org/${org}/owner`), bearer(demo.ownerToken))).status).toBe(200);
    expect((await get(url(`/api/org/${org}/billing`), bearer(demo.memberToken))).status).toBe(403);
    expect((await get(url(`/api/org/${org}/billing`), bearer(demo.ownerToken))).json.message).toContain('billing');
  });

  it('lists the org members through the backend API', async () => {
    const response = await get(`${running.url}/api/org/${demo.orgId}/members`, bearer(demo.memberToken));
    expect(response.status).toBe(200);
    expect(response.json.totalUsers).toBe(2);
    expect(response.json.members.map((m: { email: string; role: string }) => `${m.email}:${m.role}`).sort()).toEqual(['member@acme.test:Member', 'owner@acme.test:Owner']);
    expect((await get(`${running.url}/api/org/${demo.orgId}/members`)).status).toBe(401);
  });

  it('creates a magic link through the backend API, and refuses a bad body with 400', async () => {
    const post = (body: string) =>
      fetch(`${running.url}/api/magic_link`, { method: 'POST', headers: { Authorization: `Bearer ${demo.ownerToken}`, 'Content-Type': 'application/json' }, body });
    const created = await post(JSON.stringify({ email: 'invitee@acme.test' }));
    expect(created.status).toBe(201);
    expect(((await created.json()) as { url: string }).url).toMatch(/^https:\/\//);
    expect((await post(JSON.stringify({}))).status).toBe(400);
    const invalid = await post(JSON.stringify({ email: 'not-an-email' }));
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: Record<string, string[]> }).errors.email).toBeDefined();
    expect((await post('{not json')).status).toBe(400);
  });
});
