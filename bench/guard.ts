import 'reflect-metadata';
import { Controller, Get, Injectable, Module, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { PropelAuthModule, RequireOrgRole, RequireUserGuard } from 'propelauth-nestjs';
import { benchKeys, benchToken, ISSUER, ORG_ID } from './fixtures';
import { alternatingRounds, median, opsPerSecond } from './stats';

@Injectable()
class NoopGuard implements CanActivate {
  canActivate(_context: ExecutionContext): boolean {
    return true;
  }
}

@Controller()
class GuardBenchController {
  @Get('user')
  user(): string {
    return 'ok';
  }

  @Get('org/:orgId')
  @RequireOrgRole('Admin')
  org(): string {
    return 'ok';
  }
}

export interface GuardCpuResult {
  variant: string;
  /** Median µs per canActivate call, the fresh request and context included. */
  microsPerCall: number;
  /** Median of per-round differences to the no-op guard: the guard's own work per request. */
  addedMicros: number;
}

/**
 * The guard's own CPU per request, without a server: `canActivate` on a fresh
 * request object and a fresh Nest ExecutionContextHost per call (so nothing is
 * memoised on the request), a new Authorization header string each call (as each
 * request's is), 20 tokens, warm. The HTTP runs cannot resolve a few µs on a noisy
 * box; this can, but it is a lower bound: it leaves out what a guard costs the
 * framework around it (larger code, colder caches), which only the HTTP runs see.
 */
export async function benchGuardCpu(options: { rounds: number; msPerVariant: number; log: (line: string) => void }): Promise<GuardCpuResult[]> {
  const keys = benchKeys();
  const headers = Array.from({ length: 20 }, (_, i) => Buffer.from(`Bearer ${benchToken(keys, i)}`, 'latin1'));

  @Module({
    imports: [
      PropelAuthModule.forRoot({ authUrl: ISSUER, apiKey: 'bench', manualTokenVerificationMetadata: { verifierKey: keys.publicKeyPem, issuer: ISSUER } }),
    ],
    controllers: [GuardBenchController],
    providers: [RequireUserGuard, NoopGuard],
  })
  class GuardBenchModule {}

  const app = await NestFactory.createApplicationContext(GuardBenchModule, { logger: false });
  const requireUser = app.get(RequireUserGuard);
  const noop = app.get(NoopGuard);
  const proto = GuardBenchController.prototype;
  let cursor = 0;
  const call = (guard: CanActivate, handler: () => string, path: string) => () => {
    cursor = (cursor + 1) % headers.length;
    const request = { headers: { authorization: headers[cursor].toString('latin1') }, url: path, params: { orgId: ORG_ID } };
    const context = new ExecutionContextHost([request, {}, () => undefined], GuardBenchController, handler);
    if (guard.canActivate(context) !== true) throw new Error('the guard refused a valid request');
  };

  const variants = [
    { name: 'a no-op guard (the fresh request and context alone)', op: call(noop, proto.user, '/user') },
    { name: 'RequireUserGuard', op: call(requireUser, proto.user, '/user') },
    { name: "RequireUserGuard + @RequireOrgRole('Admin')", op: call(requireUser, proto.org, `/org/${ORG_ID}`) },
  ].map(({ name, op }) => ({ name, run: () => 1e6 / opsPerSecond(op, options.msPerVariant) })); // µs per call
  const series = await alternatingRounds(variants, options.rounds, (micros, base) => micros - base, (round) => options.log(`  guard CPU round ${round + 1}/${options.rounds} done`));
  await app.close();
  return variants.map((variant) => ({
    variant: variant.name,
    microsPerCall: median(series.get(variant.name)!.samples),
    addedMicros: median(series.get(variant.name)!.compared),
  }));
}
