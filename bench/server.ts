import 'reflect-metadata';
import { Controller, Get, Injectable, Module, UseGuards, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PropelAuthModule, RequireOrgRole, RequireUserGuard } from 'propelauth-nestjs';
import { ISSUER } from './fixtures';
import { median } from './stats';

/** One benchmark server per process: `node server.js <express|fastify> <variant>`; it reports its port over IPC. */
const [adapter, variant] = process.argv.slice(2);
const publicKeyPem = process.env.BENCH_PUBLIC_KEY_PEM!;

@Controller()
class UnguardedController {
  @Get('hello/:orgId')
  hello() {
    return { hello: 'world' };
  }
}

/** The floor: what Nest's guard machinery alone costs (a guard that always says yes). */
@Injectable()
class NoopGuard {
  canActivate(): boolean {
    return true;
  }
}

@Controller()
class NoopGuardController {
  @Get('hello/:orgId')
  @UseGuards(NoopGuard)
  hello() {
    return { hello: 'world' };
  }
}

@Controller()
class RequireUserController {
  @Get('hello/:orgId')
  @UseGuards(RequireUserGuard)
  hello() {
    return { hello: 'world' };
  }
}

@Controller()
class OrgRoleController {
  @Get('hello/:orgId')
  @UseGuards(RequireUserGuard)
  @RequireOrgRole('Admin')
  hello() {
    return { hello: 'world' };
  }
}

/** What users pick today: @nestjs/passport with passport-jwt and the PEM string, as the tutorials show. */
@Injectable()
class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: publicKeyPem, algorithms: ['RS256'], issuer: ISSUER });
  }
  validate(payload: unknown) {
    return payload;
  }
}

@Controller()
class PassportController {
  @Get('hello/:orgId')
  @UseGuards(AuthGuard('jwt'))
  hello() {
    return { hello: 'world' };
  }
}

/** Every route but passport's in one app, for the same-process comparison: /<variant>/:orgId ('+' spelt -and-). */
@Controller()
class AllRoutesController {
  @Get('unguarded/:orgId')
  unguarded() {
    return { hello: 'world' };
  }

  @Get('noop-guard/:orgId')
  @UseGuards(NoopGuard)
  noop() {
    return { hello: 'world' };
  }

  @Get('require-user/:orgId')
  @UseGuards(RequireUserGuard)
  requireUser() {
    return { hello: 'world' };
  }

  @Get('require-user-and-org-role/:orgId')
  @UseGuards(RequireUserGuard)
  @RequireOrgRole('Admin')
  orgRole() {
    return { hello: 'world' };
  }
}

function moduleFor(name: string): DynamicModule {
  const propelAuth = PropelAuthModule.forRoot({ authUrl: ISSUER, apiKey: 'bench', manualTokenVerificationMetadata: { verifierKey: publicKeyPem, issuer: ISSUER } });
  switch (name) {
    case 'unguarded':
      return { module: BenchModule, controllers: [UnguardedController] };
    case 'noop-guard':
      return { module: BenchModule, controllers: [NoopGuardController] };
    case 'require-user':
      return { module: BenchModule, imports: [propelAuth], controllers: [RequireUserController] };
    case 'require-user+org-role':
      return { module: BenchModule, imports: [propelAuth], controllers: [OrgRoleController] };
    case 'all-routes':
      return { module: BenchModule, imports: [propelAuth], controllers: [AllRoutesController] };
    case 'passport-jwt':
      return { module: BenchModule, imports: [PassportModule], controllers: [PassportController], providers: [JwtStrategy] };
    default:
      throw new Error(`unknown variant ${name}`);
  }
}

@Module({})
class BenchModule {}

/**
 * Per-route time inside the server, from the 'request' event (before the
 * framework sees it) to the response's 'finish', in nanoseconds. Meaningful with
 * one connection, when no other request runs in between.
 */
const timings = new Map<string, number[]>();

function timeRequests(server: Server): void {
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    const start = process.hrtime.bigint();
    response.once('finish', () => {
      const route = (request.url ?? '').split('/')[1] ?? '';
      let list = timings.get(route);
      if (list === undefined) timings.set(route, (list = []));
      list.push(Number(process.hrtime.bigint() - start));
    });
  });
}

async function main(): Promise<void> {
  const module = moduleFor(variant);
  const app = adapter === 'fastify' ? await NestFactory.create(module, new FastifyAdapter(), { logger: false }) : await NestFactory.create(module, { logger: false });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  if (variant === 'all-routes') timeRequests(server);
  const { port } = server.address() as AddressInfo;
  process.send!({ port });
  process.on('message', (message: { cpu?: boolean; timings?: 'reset' | 'get' }) => {
    if (message.cpu) {
      const usage = process.cpuUsage();
      process.send!({ cpuMicros: usage.user + usage.system });
    }
    if (message.timings === 'reset') {
      timings.clear();
      process.send!({ reset: true });
    }
    if (message.timings === 'get') {
      process.send!({ timings: Object.fromEntries([...timings].map(([route, list]) => [route, { count: list.length, medianMicros: median(list) / 1000 }])) });
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
