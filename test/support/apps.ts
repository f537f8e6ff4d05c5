import 'reflect-metadata';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: AdapterName[] = ['express', 'fastify'];

export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

export interface StartAppHooks {
  /** Changes the testing module before it is compiled, e.g. `builder.overrideProvider(...)`. */
  configure?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** Called on the application before it listens, e.g. to set a WebSocket adapter. */
  setup?: (app: INestApplication) => void;
}

/** Boots a real Nest application on the given adapter, listening on an ephemeral loopback port. */
export async function startApp(adapter: AdapterName, metadata: ModuleMetadata, hooks: StartAppHooks = {}): Promise<RunningApp> {
  const builder = Test.createTestingModule(metadata);
  const moduleRef = await (hooks.configure?.(builder) ?? builder).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
  hooks.setup?.(app);
  await app.listen(0, '127.0.0.1');
  if (adapter === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
