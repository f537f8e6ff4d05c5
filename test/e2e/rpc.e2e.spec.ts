import 'reflect-metadata';
import { Controller, UseGuards, type ExecutionContext, type INestMicroservice } from '@nestjs/common';
import { ClientProxyFactory, MessagePattern, Payload, Transport, type ClientProxy, type MicroserviceOptions } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import type { AddressInfo, Server } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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
  type TokenExtractor,
  type User,
} from '../../lib';
import { PropelAuthEmulator } from '../../lib/testing';

const ORG = '0f7e7a2c-1111-4a4a-9d9d-000000000001';

interface Envelope {
  token?: string;
  orgId?: string;
}

@Controller()
class MessagesController {
  @MessagePattern('whoami')
  @UseGuards(RequireUserGuard)
  whoami(@CurrentUser() user: User) {
    return { userId: user.userId };
  }

  @MessagePattern('maybe')
  @UseGuards(OptionalUserGuard)
  maybe(@CurrentUser() user: User | undefined) {
    return { userId: user?.userId ?? null };
  }

  @MessagePattern('org')
  @UseGuards(RequireUserGuard)
  @RequireOrgMember()
  org(@CurrentOrg() org: OrgMemberInfo, @Payload() data: Envelope) {
    return { orgId: org.orgId, role: org.userAssignedRole, sameAsData: data.orgId === org.orgId };
  }

  @MessagePattern('stacked')
  @UseGuards(OptionalUserGuard, RequireUserGuard)
  stacked(@CurrentUser() user: User) {
    return { userId: user.userId };
  }

  @MessagePattern('health')
  @UseGuards(RequireUserGuard)
  @Public()
  health() {
    return 'ok';
  }
}

interface RunningService {
  service: INestMicroservice;
  client: ClientProxy;
}

/** A real microservice on the TCP transport, on an ephemeral loopback port, and a client connected to it. */
async function startService(options: PropelAuthModuleOptions): Promise<RunningService> {
  const moduleRef = await Test.createTestingModule({ imports: [PropelAuthModule.forRoot(options)], controllers: [MessagesController] }).compile();
  const service = moduleRef.createNestMicroservice<MicroserviceOptions>({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } });
  service.useLogger(false);
  await service.listen();
  const { port } = service.unwrap<Server>().address() as AddressInfo;
  const client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
  await client.connect();
  return { service, client };
}

const send = (running: RunningService, pattern: string, data: unknown) => firstValueFrom(running.client.send(pattern, data));
const refusal = (running: RunningService, pattern: string, data: unknown) =>
  send(running, pattern, data).then(
    (value) => ({ resolved: value }),
    (error: unknown) => error,
  );

describe('guards and decorators on microservice message handlers (TCP transport)', () => {
  let emulator: PropelAuthEmulator;
  let withoutExtractor: RunningService;
  let withExtractor: RunningService;
  const extractorCalls: Array<{ data: unknown; type: string | undefined }> = [];
  let owner: string;

  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
    // Called as (data, context) on RPC: the message data and the ExecutionContext.
    const extractor = ((data: Envelope | undefined, context: ExecutionContext) => {
      extractorCalls.push({ data, type: context?.getType() });
      return data?.token;
    }) as TokenExtractor;
    [withoutExtractor, withExtractor] = await Promise.all([
      startService(emulator.moduleOptions()),
      startService({ ...emulator.moduleOptions(), tokenExtractor: extractor }),
    ]);
    owner = emulator.mintAccessToken({ userId: 'owner', orgs: [{ orgId: ORG, role: 'Owner' }] });
  });

  afterAll(async () => {
    for (const running of [withoutExtractor, withExtractor]) {
      await running?.client.close();
      await running?.service.close();
    }
    await emulator?.stop();
  });

  it('refuses every guarded handler without a function tokenExtractor, with an RpcException saying why', async () => {
    const expected = {
      status: 'error',
      statusCode: 401,
      code: 'UNAUTHENTICATED',
      message: 'PropelAuth guards need a function tokenExtractor (data, context) => token to authenticate RPC messages',
    };
    expect(await refusal(withoutExtractor, 'whoami', { token: owner })).toEqual(expected);
    // Under OptionalUserGuard too: without an extractor no message could ever be authenticated.
    expect(await refusal(withoutExtractor, 'maybe', { token: owner })).toEqual(expected);
    expect(await send(withoutExtractor, 'health', {})).toBe('ok');
  });

  it('authenticates with the token the extractor returns, called with the message data and the context', async () => {
    extractorCalls.length = 0;
    expect(await send(withExtractor, 'whoami', { token: owner })).toEqual({ userId: 'owner' });
    expect(extractorCalls).toEqual([{ data: { token: owner }, type: 'rpc' }]);
  });

  it('verifies the token of each message once, however many guards the handler has', async () => {
    const spy = vi.spyOn(withExtractor.service.get(TokenVerifierService), 'verifyAccessToken');
    try {
      // Two guards on one handler: the second finds the first one's verification of this message.
      expect(await send(withExtractor, 'stacked', { token: owner })).toEqual({ userId: 'owner' });
      expect(spy).toHaveBeenCalledTimes(1);
      // The memo is the message's: the next message is verified again.
      expect(await send(withExtractor, 'stacked', { token: owner })).toEqual({ userId: 'owner' });
      expect(spy).toHaveBeenCalledTimes(2);
      await send(withExtractor, 'whoami', { token: owner });
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });

  it.each([
    ['no token', () => ({})],
    ['a garbage token', () => ({ token: 'not.a.token' })],
    ['an expired token', () => ({ token: emulator.mintAccessToken({ expiresInSeconds: -10 }) })],
    ['a non-string token', () => ({ token: 42 })],
    ['data that is not an object', () => 'just a string'],
  ])('refuses %s with UNAUTHENTICATED', async (_what, data) => {
    expect(await refusal(withExtractor, 'whoami', data())).toEqual({ status: 'error', statusCode: 401, code: 'UNAUTHENTICATED', message: 'Unauthorized' });
  });

  it('lets OptionalUserGuard handlers through without a token', async () => {
    expect(await send(withExtractor, 'maybe', {})).toEqual({ userId: null });
    expect(await send(withExtractor, 'maybe', { token: owner })).toEqual({ userId: 'owner' });
  });

  it('takes the org of an org decorator from data.orgId; FORBIDDEN for another org', async () => {
    expect(await send(withExtractor, 'org', { token: owner, orgId: ORG })).toEqual({ orgId: ORG, role: 'Owner', sameAsData: true });
    const forbidden = { status: 'error', statusCode: 403, code: 'FORBIDDEN', message: 'Forbidden' };
    expect(await refusal(withExtractor, 'org', { token: owner, orgId: '0f7e7a2c-9999-4a4a-9d9d-000000000009' })).toEqual(forbidden);
    expect(await refusal(withExtractor, 'org', { token: owner })).toEqual(forbidden);
  });
});
