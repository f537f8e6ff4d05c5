import 'reflect-metadata';
import { Controller, Get, Injectable, Module, UseGuards, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AddressInfo } from 'node:net';
import { PropelAuthModule, RequireOrgRole, RequireUserGuard } from 'propelauth-nestjs';
import { ISSUER } from './fixtures';

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
    case 'passport-jwt':
      return { module: BenchModule, imports: [PassportModule], controllers: [PassportController], providers: [JwtStrategy] };
    default:
      throw new Error(`unknown variant ${name}`);
  }
}

@Module({})
class BenchModule {}

async function main(): Promise<void> {
  const module = moduleFor(variant);
  const app = adapter === 'fastify' ? await NestFactory.create(module, new FastifyAdapter(), { logger: false }) : await NestFactory.create(module, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.send!({ port });
  process.on('message', (message: { cpu?: boolean }) => {
    if (message.cpu) {
      const usage = process.cpuUsage();
      process.send!({ cpuMicros: usage.user + usage.system });
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
