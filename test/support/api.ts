import 'reflect-metadata';
import { Test, type TestingModule } from '@nestjs/testing';
import { initBaseAuth } from '@propelauth/node';
import { expect, vi } from 'vitest';
import { PropelAuthApiService, PropelAuthModule, type PropelAuthModuleOptions } from '../../lib';
import { PropelAuthEmulator, type PropelAuthEmulatorOptions, type RecordedRequest } from '../../lib/testing';

export interface ApiHarness {
  emulator: PropelAuthEmulator;
  api: PropelAuthApiService;
  moduleRef: TestingModule;
  close(): Promise<void>;
}

/**
 * A running emulator and a real `PropelAuthApiService` from a compiled Nest
 * module pointed at it. Retries are fast (1 ms backoff) so error paths stay quick.
 */
export async function startApiHarness(
  options: { emulator?: PropelAuthEmulatorOptions; module?: Partial<PropelAuthModuleOptions> } = {},
): Promise<ApiHarness> {
  const emulator = await new PropelAuthEmulator(options.emulator).start();
  const moduleRef = await Test.createTestingModule({
    imports: [
      PropelAuthModule.forRoot({
        ...emulator.moduleOptions(),
        manualTokenVerificationMetadata: emulator.tokenVerificationMetadata(),
        ...options.module,
        api: { retryBaseDelayMs: 1, ...options.module?.api },
      }),
    ],
  }).compile();
  await moduleRef.init();
  return {
    emulator,
    api: moduleRef.get(PropelAuthApiService),
    moduleRef,
    close: async () => {
      await moduleRef.close();
      await emulator.stop();
    },
  };
}

/**
 * The official `@propelauth/node` client, its `fetch` to https://propelauth-api.com
 * redirected to the emulator (the official library has no base URL option).
 * Call `restore()` when done.
 */
export function officialClient(emulator: PropelAuthEmulator): { auth: ReturnType<typeof initBaseAuth>; restore(): void } {
  const realFetch = globalThis.fetch;
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return realFetch(url.replace('https://propelauth-api.com', emulator.apiBaseUrl), init);
  });
  const auth = initBaseAuth({
    authUrl: emulator.authUrl,
    apiKey: emulator.apiKey,
    manualTokenVerificationMetadata: emulator.tokenVerificationMetadata(),
  });
  return { auth, restore: () => spy.mockRestore() };
}

/** What matters of a request on the wire (headers that identify the client are left out). */
export interface WireRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: unknown;
  propelauthUrl: unknown;
  contentType: unknown;
}

/** Runs `call` (its result or error is ignored) and returns the requests it put on the wire. */
export async function captureWire(emulator: PropelAuthEmulator, call: () => unknown): Promise<WireRequest[]> {
  const before = emulator.requests.length;
  try {
    await call();
  } catch {
    // the request is what is compared here, not the outcome
  }
  return emulator.requests.slice(before).map(toWire);
}

function toWire(request: RecordedRequest): WireRequest {
  return {
    method: request.method,
    path: request.path,
    query: request.query,
    body: request.body,
    authorization: request.headers.authorization,
    propelauthUrl: request.headers['x-propelauth-url'],
    contentType: request.headers['content-type'],
  };
}

/** The error `promise` rejects with; the test fails when it resolves. */
export function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** Runs the official client's call, then ours: one request each, the same on the wire. Returns ours. */
export async function sameWire(emulator: PropelAuthEmulator, theirs: () => unknown, ours: () => unknown): Promise<WireRequest> {
  const theirRequests = await captureWire(emulator, theirs);
  const ourRequests = await captureWire(emulator, ours);
  expect(theirRequests).toHaveLength(1);
  expect(ourRequests).toEqual(theirRequests);
  return ourRequests[0];
}

/** Runs `run` with the emulator's organizations feature off (426 on org endpoints), then turns it back on. */
export async function withOrganizationsOff<T>(emulator: PropelAuthEmulator, run: () => Promise<T>): Promise<T> {
  emulator.state.features.organizations = false;
  try {
    return await run();
  } finally {
    emulator.state.features.organizations = true;
  }
}
