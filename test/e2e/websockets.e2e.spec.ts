import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { UseGuards } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  CurrentOrg,
  CurrentUser,
  OptionalUserGuard,
  PropelAuthModule,
  Public,
  RequireOrgMember,
  RequireUserGuard,
  TokenVerifierService,
  type OrgMemberInfo,
  type PropelAuthModuleOptions,
  type User,
} from '../../lib';
import { withPropelAuthHandshake } from '../../lib/guards/ws-handshake';
import { PropelAuthEmulator } from '../../lib/testing';
import { startApp } from '../support/apps';

const ORG = '0f7e7a2c-1111-4a4a-9d9d-000000000001';
const OTHER_ORG = '0f7e7a2c-2222-4a4a-9d9d-000000000002';

interface Message {
  id?: number;
  orgId?: string;
}

@WebSocketGateway({ path: '/ws' })
@UseGuards(RequireUserGuard)
class ChatGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentUser() user: User, @MessageBody() data: Message) {
    return { event: 'whoami', data: { id: data?.id, userId: user.userId } };
  }

  @SubscribeMessage('org')
  @RequireOrgMember()
  org(@CurrentOrg() org: OrgMemberInfo, @MessageBody() data: Message) {
    return { event: 'org', data: { id: data.id, orgId: org.orgId, orgName: org.orgName, role: org.userAssignedRole } };
  }

  @SubscribeMessage('slow-org')
  @RequireOrgMember()
  async slowOrg(@CurrentOrg() org: OrgMemberInfo, @MessageBody() data: Message) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { event: 'slow-org', data: { id: data.id, orgId: org.orgId } };
  }

  @SubscribeMessage('ping')
  @Public()
  ping() {
    return { event: 'pong', data: 'pong' };
  }
}

@WebSocketGateway({ path: '/optional' })
@UseGuards(OptionalUserGuard)
class OptionalGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentUser() user: User | undefined) {
    return { event: 'whoami', data: { userId: user?.userId ?? null } };
  }
}

// No @UseGuards: guarded only by the module's global guard, where it is on.
@WebSocketGateway({ path: '/open' })
class OpenGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentUser() user: User | undefined) {
    return { event: 'whoami', data: { userId: user?.userId ?? null } };
  }
}

interface RunningWsApp {
  app: INestApplication;
  url: string;
}

async function boot(options: PropelAuthModuleOptions & { globalGuard?: boolean }, { remember = true } = {}): Promise<RunningWsApp> {
  const running = await startApp(
    'express',
    { imports: [PropelAuthModule.forRoot(options)], providers: [ChatGateway, OptionalGateway, OpenGateway] },
    {
      setup: (app) => {
        const adapter = new WsAdapter(app);
        app.useWebSocketAdapter(remember ? withPropelAuthHandshake(adapter) : adapter);
      },
    },
  );
  return { app: running.app, url: running.url.replace(/^http:/, 'ws:') };
}

/** A ws client that reads the JSON frames the gateway sends back, in order. */
class Client {
  private readonly received: unknown[] = [];
  private readonly waiting: Array<(message: any) => void> = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      const waiter = this.waiting.shift();
      if (waiter) waiter(message);
      else this.received.push(message);
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    const ws = new WebSocket(url, { headers });
    const client = new Client(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  next(): Promise<any> {
    if (this.received.length > 0) return Promise.resolve(this.received.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 5 s')), 5_000);
      this.waiting.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  }

  send(event: string, data: unknown = {}): void {
    this.ws.send(JSON.stringify({ event, data }));
  }

  request(event: string, data: unknown = {}): Promise<any> {
    this.send(event, data);
    return this.next();
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.close();
  }
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const unauthenticated = { event: 'exception', data: { status: 'error', statusCode: 401, code: 'UNAUTHENTICATED', message: 'Unauthorized' } };
const badRequest = { event: 'exception', data: { status: 'error', statusCode: 400, code: 'BAD_REQUEST', message: 'Bad Request' } };
const forbidden = { event: 'exception', data: { status: 'error', statusCode: 403, code: 'FORBIDDEN', message: 'Forbidden' } };

describe('guards and decorators on WebSocket gateways (@nestjs/platform-ws)', () => {
  let emulator: PropelAuthEmulator;
  let main: RunningWsApp;
  let cookie: RunningWsApp;
  let unremembered: RunningWsApp;
  let global: RunningWsApp;
  let debug: RunningWsApp;
  const clients: Client[] = [];
  const connect = async (app: RunningWsApp, path: string, headers?: Record<string, string>) => {
    const client = await Client.open(`${app.url}${path}`, headers);
    clients.push(client);
    return client;
  };
  let owner: string;
  let member: string;

  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
    [main, cookie, unremembered, global, debug] = await Promise.all([
      boot(emulator.moduleOptions()),
      boot({ ...emulator.moduleOptions(), tokenExtractor: { cookie: 'pa_at' } }),
      boot(emulator.moduleOptions(), { remember: false }),
      boot({ ...emulator.moduleOptions(), globalGuard: true }),
      boot({ ...emulator.moduleOptions(), debugMode: true }),
    ]);
    owner = emulator.mintAccessToken({ userId: 'owner', orgs: [{ orgId: ORG, orgName: 'Acme', role: 'Owner' }] });
    member = emulator.mintAccessToken({
      userId: 'member',
      orgs: [
        { orgId: ORG, orgName: 'Acme', role: 'Member' },
        { orgId: OTHER_ORG, orgName: 'Other', role: 'Admin' },
      ],
    });
  });

  afterEach(() => {
    vi.useRealTimers();
    while (clients.length > 0) clients.pop()!.close();
  });

  afterAll(async () => {
    await Promise.all([main, cookie, unremembered, global, debug].map((running) => running?.app.close()));
    await emulator?.stop();
  });

  it('reads the token from the Authorization header of the handshake and injects the user', async () => {
    const client = await connect(main, '/ws', auth(owner));
    expect(await client.request('whoami', { id: 1 })).toEqual({ event: 'whoami', data: { id: 1, userId: 'owner' } });
  });

  it('verifies the token once per client, not once per message', async () => {
    const spy = vi.spyOn(main.app.get(TokenVerifierService), 'verifyAccessToken');
    try {
      const client = await connect(main, '/ws', auth(owner));
      for (let id = 1; id <= 3; id++) expect((await client.request('whoami', { id })).data).toEqual({ id, userId: 'owner' });
      expect(spy).toHaveBeenCalledTimes(1);
      const other = await connect(main, '/ws', auth(member));
      expect((await other.request('whoami')).data.userId).toBe('member');
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a message without a token with a WsException; the connection stays open and @Public() handlers answer', async () => {
    const client = await connect(main, '/ws');
    expect(await client.request('whoami')).toEqual(unauthenticated);
    expect(await client.request('ping')).toEqual({ event: 'pong', data: 'pong' });
    expect(client.open).toBe(true);
  });

  it('refuses an invalid, an expired or a non-Bearer token', async () => {
    for (const headers of [auth('not.a.token'), auth(emulator.mintAccessToken({ expiresInSeconds: -10 })), { authorization: `Basic ${owner}` }]) {
      const client = await connect(main, '/ws', headers);
      expect(await client.request('whoami')).toEqual(unauthenticated);
    }
  });

  it('gives the reason in debug mode, never the token', async () => {
    const expired = emulator.mintAccessToken({ expiresInSeconds: -10 });
    const client = await connect(debug, '/ws', auth(expired));
    const answer = await client.request('whoami');
    expect(answer).toMatchObject({ event: 'exception', data: { status: 'error', statusCode: 401, code: 'UNAUTHENTICATED' } });
    expect(answer.data.message).toMatch(/expired/i);
    expect(JSON.stringify(answer)).not.toContain(expired);
  });

  it('refuses an access_token in the handshake URL, as on HTTP; with a header as well, as ambiguous (400)', async () => {
    const client = await connect(main, `/ws?access_token=${owner}`);
    expect(await client.request('whoami')).toEqual(unauthenticated);
    const both = await connect(main, `/ws?access_token=${owner}`, auth(owner));
    expect(await both.request('whoami')).toEqual(badRequest);
    expect(await both.request('ping')).toEqual({ event: 'pong', data: 'pong' });
  });

  it('verifies the token again once it expires, on a connection that outlives it', async () => {
    const client = await connect(main, '/ws', auth(owner));
    expect((await client.request('whoami')).data.userId).toBe('owner');
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * 60 * 60 * 1000 });
    expect(await client.request('whoami')).toEqual(unauthenticated);
  });

  it('verifies a not-yet-valid token again on the next message of the client, once its nbf has passed', async () => {
    const early = emulator.mintAccessToken({ userId: 'early', claims: { nbf: Math.floor(Date.now() / 1000) + 60 } });
    const client = await connect(main, '/ws', auth(early));
    expect(await client.request('whoami', { id: 1 })).toEqual(unauthenticated);
    // not_yet_valid is not a lasting refusal: it is not remembered for the client.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 120 * 1000 });
    expect(await client.request('whoami', { id: 2 })).toEqual({ event: 'whoami', data: { id: 2, userId: 'early' } });
  });

  it('remembers a lasting refusal (a malformed token) for the client: verified once', async () => {
    const spy = vi.spyOn(main.app.get(TokenVerifierService), 'verifyAccessToken');
    try {
      const client = await connect(main, '/ws', auth('not.a.token'));
      expect(await client.request('whoami', { id: 1 })).toEqual(unauthenticated);
      expect(await client.request('whoami', { id: 2 })).toEqual(unauthenticated);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('takes the org of an org decorator from data.orgId of the message', async () => {
    const client = await connect(main, '/ws', auth(member));
    expect(await client.request('org', { id: 1, orgId: OTHER_ORG })).toEqual({ event: 'org', data: { id: 1, orgId: OTHER_ORG, orgName: 'Other', role: 'Admin' } });
    expect(await client.request('org', { id: 2, orgId: '0f7e7a2c-9999-4a4a-9d9d-000000000009' })).toEqual(forbidden);
    expect(await client.request('org', { id: 3 })).toEqual(forbidden);
  });

  it('keeps the org of each message apart when messages of one client are handled concurrently', async () => {
    const client = await connect(main, '/ws', auth(member));
    client.send('slow-org', { id: 1, orgId: ORG });
    client.send('slow-org', { id: 2, orgId: OTHER_ORG });
    const answers = [await client.next(), await client.next()].map((a) => a.data).sort((a, b) => a.id - b.id);
    expect(answers).toEqual([
      { id: 1, orgId: ORG },
      { id: 2, orgId: OTHER_ORG },
    ]);
  });

  it('lets OptionalUserGuard handlers through without a token', async () => {
    expect((await (await connect(main, '/optional')).request('whoami')).data).toEqual({ userId: null });
    expect((await (await connect(main, '/optional', auth(member))).request('whoami')).data).toEqual({ userId: 'member' });
  });

  it('reads the token from the cookie of the handshake with tokenExtractor: { cookie }', async () => {
    expect((await (await connect(cookie, '/ws', { cookie: `theme=dark; pa_at=${owner}` })).request('whoami')).data.userId).toBe('owner');
    expect(await (await connect(cookie, '/ws', auth(owner))).request('whoami')).toEqual(unauthenticated);
  });

  it('fails closed when the adapter does not remember handshakes (no withPropelAuthHandshake)', async () => {
    const client = await connect(unremembered, '/ws', auth(owner));
    expect(await client.request('whoami')).toEqual(unauthenticated);
    expect(await client.request('ping')).toEqual({ event: 'pong', data: 'pong' });
  });

  it('guards gateways through the module\'s global guard too (APP_GUARD runs for @SubscribeMessage handlers in Nest 12)', async () => {
    expect(await (await connect(global, '/open')).request('whoami')).toEqual(unauthenticated);
    expect((await (await connect(global, '/open', auth(member))).request('whoami')).data).toEqual({ userId: 'member' });
    // Without @UseGuards or a global guard, nothing is checked and there is no user.
    expect((await (await connect(main, '/open', auth(member))).request('whoami')).data).toEqual({ userId: null });
  });
});
