import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  PropelAuthApiError,
  PropelAuthApiKeyRejectedError,
  PropelAuthBadRequestError,
  PropelAuthNetworkError,
  PropelAuthRateLimitedError,
  PropelAuthTimeoutError,
} from '../../lib';
import { apiPath } from '../../lib/api/propelauth-http.client';
import { parseRetryAfter } from '../../lib/http/retry-after';
import { startApiHarness, type ApiHarness } from '../support/api';

const SECRET = 'sk-live-DO-NOT-LEAK-abcdef0123456789';

/** Every way an error may be printed or logged. */
function everyRendering(error: unknown): string {
  const e = error as Error & { cause?: unknown };
  return [e.message, e.stack, JSON.stringify(e), inspect(e, { depth: 10, showHidden: true }), String(e.cause ?? ''), inspect(e.cause ?? '', { depth: 10 })].join('\n');
}

describe('the backend API client: retries, timeouts, errors, secrets', () => {
  let h: ApiHarness;
  let userId: string;
  let userPath: string;
  beforeAll(async () => {
    h = await startApiHarness({ emulator: { apiKey: SECRET }, module: { api: { timeoutMs: 300 } } });
    userId = h.emulator.createUser({ email: 'retry@acme.test' }).userId;
    userPath = `/api/backend/v1/user/${userId}`;
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(() => {
    h.emulator.clearFailures();
    h.emulator.clearRequests();
  });
  const fetchUser = () => h.api.fetchUserMetadataByUserId(userId);
  const createUser = () => h.api.createUser({ email: `post-${Math.random()}@acme.test` });
  const hits = (path: string) => h.emulator.requestsTo(path).length;

  it('G62: retries 5xx on an idempotent GET and succeeds (counted on the server)', async () => {
    h.emulator.failNext({ path: userPath, status: 503, times: 2 });
    expect((await fetchUser())?.userId).toBe(userId);
    expect(hits(userPath)).toBe(3);
  });

  it.each([[500], [502], [504]])('retries %i on GET', async (status) => {
    h.emulator.failNext({ path: userPath, status });
    expect((await fetchUser())?.userId).toBe(userId);
    expect(hits(userPath)).toBe(2);
  });

  it('G62: does not retry a POST on 5xx: it may have been applied', async () => {
    h.emulator.failNext({ path: '/api/backend/v1/user/', status: 503 });
    const error = await createUser().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PropelAuthApiError);
    expect((error as PropelAuthApiError).status).toBe(503);
    expect(hits('/api/backend/v1/user/')).toBe(1);
  });

  it('gives up after maxRetries with the last status', async () => {
    h.emulator.failNext({ path: userPath, status: 500, times: 10 });
    const error = (await fetchUser().catch((e: unknown) => e)) as PropelAuthApiError;
    expect(error.status).toBe(500);
    expect(error.method).toBe('GET');
    expect(error.path).toBe(userPath);
    expect(hits(userPath)).toBe(3);
  });

  it.each([[400], [401], [403], [404], [409], [422]])('G62: never retries %i', async (status) => {
    h.emulator.failNext({ path: userPath, status, times: 5 });
    await fetchUser().catch(() => undefined);
    expect(hits(userPath)).toBe(1);
  });

  it('G61: retries 429 on any method, honouring Retry-After and wait_seconds', async () => {
    h.emulator.failNext({ path: '/api/backend/v1/user/', status: 429, headers: { 'Retry-After': '0' } });
    h.emulator.failNext({ path: '/api/backend/v1/user/', status: 429, body: { error_code: 'rate_limit_exceeded', wait_seconds: 0.001 } });
    await expect(createUser()).resolves.toMatchObject({ userId: expect.any(String) });
    expect(hits('/api/backend/v1/user/')).toBe(3);
  });

  it('G61: does not wait longer than maxRetryDelayMs: a long 429 surfaces with waitSeconds', async () => {
    h.emulator.failNext({ path: userPath, status: 429, body: { error_code: 'rate_limit_exceeded', user_facing_error: 'Wait 58.13 seconds.', wait_seconds: 58.13 } });
    const error = (await fetchUser().catch((e: unknown) => e)) as PropelAuthRateLimitedError;
    expect(error).toBeInstanceOf(PropelAuthRateLimitedError);
    expect(error.waitSeconds).toBe(58.13);
    expect(error.userFacingError).toBe('Wait 58.13 seconds.');
    expect(hits(userPath)).toBe(1);

    h.emulator.failNext({ path: userPath, status: 429, headers: { 'Retry-After': '3600' } });
    const fromHeader = (await fetchUser().catch((e: unknown) => e)) as PropelAuthRateLimitedError;
    expect(fromHeader.waitSeconds).toBe(3600);
  });

  it('G61: with both, the retry and the error read the same wait: wait_seconds before Retry-After', async () => {
    // wait_seconds says too long to retry, Retry-After says now: not retried, and the error says the same 58.13 s.
    h.emulator.failNext({ path: userPath, status: 429, headers: { 'Retry-After': '0' }, body: { error_code: 'rate_limit_exceeded', wait_seconds: 58.13 } });
    const error = (await fetchUser().catch((e: unknown) => e)) as PropelAuthRateLimitedError;
    expect(error).toBeInstanceOf(PropelAuthRateLimitedError);
    expect(error.waitSeconds).toBe(58.13);
    expect(hits(userPath)).toBe(1);
  });

  it('G61: parses Retry-After as delta-seconds and as an HTTP date', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Fri, 04 Dec 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Fri, 04 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('G60: times out a server that never answers, and retries a GET', async () => {
    h.emulator.failNext({ path: userPath, hang: true, times: 3 });
    const error = (await fetchUser().catch((e: unknown) => e)) as PropelAuthTimeoutError;
    expect(error).toBeInstanceOf(PropelAuthTimeoutError);
    expect(error.status).toBe(0);
    expect(error.message).toContain('within 300 ms');
    expect(hits(userPath)).toBe(3);
  });

  it('G60: times out against emulator latency, and answers again once the latency is gone', async () => {
    h.emulator.setLatency(1_000);
    try {
      await expect(h.api.createUser({ email: 'slow@acme.test' })).rejects.toBeInstanceOf(PropelAuthTimeoutError);
    } finally {
      h.emulator.setLatency(0);
    }
    expect((await fetchUser())?.userId).toBe(userId);
  });

  it('G62: retries a dropped connection on GET but not on POST', async () => {
    h.emulator.failNext({ path: userPath, reset: true });
    expect((await fetchUser())?.userId).toBe(userId);
    h.emulator.failNext({ path: '/api/backend/v1/user/', reset: true });
    const error = await createUser().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PropelAuthNetworkError);
    expect(hits('/api/backend/v1/user/')).toBe(1);
  });

  it('maps 401 to PropelAuthApiKeyRejectedError', async () => {
    h.emulator.failNext({ path: userPath, status: 401 });
    await expect(fetchUser()).rejects.toBeInstanceOf(PropelAuthApiKeyRejectedError);
  });

  it('survives error bodies that are not JSON', async () => {
    h.emulator.failNext({ path: userPath, status: 500, body: '<html>Bad gateway</html>', times: 3 });
    const error = (await fetchUser().catch((e: unknown) => e)) as PropelAuthApiError;
    expect(error.body).toBe('<html>Bad gateway</html>');
    h.emulator.failNext({ path: '/api/backend/v1/user/', status: 400, body: 'not json' });
    const bad = (await createUser().catch((e: unknown) => e)) as PropelAuthBadRequestError;
    expect(bad).toBeInstanceOf(PropelAuthBadRequestError);
    expect(bad.fieldToErrors).toEqual({});
  });

  it('G63: never shows the API key, in any rendering of any error', async () => {
    const errors: unknown[] = [];
    const collect = (p: Promise<unknown>) => p.catch((e: unknown) => errors.push(e));
    h.emulator.failNext({ path: userPath, hang: true, times: 3 });
    await collect(fetchUser());
    h.emulator.failNext({ path: userPath, status: 401 });
    await collect(fetchUser());
    h.emulator.failNext({ path: '/api/backend/v1/user/', reset: true });
    await collect(createUser());
    h.emulator.failNext({ path: '/api/backend/v1/user/', status: 400, body: { email: ['bad'] } });
    await collect(createUser());
    h.emulator.failNext({ path: userPath, status: 500, times: 3 });
    await collect(fetchUser());
    expect(errors).toHaveLength(5);
    for (const error of errors) {
      const text = everyRendering(error);
      expect(text).not.toContain(SECRET);
      expect(text).not.toMatch(/authorization/i);
    }
  });

  it('sends the API key and X-Propelauth-url on every request, over one keep-alive connection', async () => {
    await fetchUser();
    await fetchUser();
    const [first, second] = h.emulator.requestsTo(userPath);
    expect(first.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(first.headers['x-propelauth-url']).toBe(new URL(h.emulator.authUrl).hostname);
    expect(second.headers.connection).toBe('keep-alive');
  });

  it('closes its keep-alive connections when the module is destroyed (its own agents, not the process-wide one)', async () => {
    // A harness of its own: nothing else talks to this emulator (manual token metadata: no start-up fetch).
    const own = await startApiHarness();
    try {
      const ownUserId = own.emulator.createUser({ email: 'connections@acme.test' }).userId;
      await own.api.fetchUserMetadataByUserId(ownUserId);
      await own.api.fetchUserMetadataByUserId(ownUserId);
      expect(own.emulator.openConnections).toBe(1);
      await own.moduleRef.close();
      // The server sees the close a moment later: wait for that event, not for a time.
      await vi.waitFor(() => expect(own.emulator.openConnections).toBe(0));
    } finally {
      await own.emulator.stop();
    }
  });
});

describe('retry switches', () => {
  let h: ApiHarness;
  let userPath: string;
  beforeAll(async () => {
    h = await startApiHarness({ module: { api: { retryOnServerError: false, retryOnRateLimit: false } } });
    userPath = `/api/backend/v1/user/${h.emulator.createUser({ email: 'switch@acme.test' }).userId}`;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('retryOnServerError: false sends a GET once on 503', async () => {
    h.emulator.failNext({ path: userPath, status: 503 });
    await expect(h.api.fetchUserMetadataByUserId(userPath.split('/').pop()!)).rejects.toMatchObject({ status: 503 });
    expect(h.emulator.requestsTo(userPath)).toHaveLength(1);
  });

  it('retryOnRateLimit: false sends once on 429', async () => {
    h.emulator.clearRequests();
    h.emulator.failNext({ path: userPath, status: 429, headers: { 'Retry-After': '0' } });
    await expect(h.api.fetchUserMetadataByUserId(userPath.split('/').pop()!)).rejects.toBeInstanceOf(PropelAuthRateLimitedError);
    expect(h.emulator.requestsTo(userPath)).toHaveLength(1);
  });
});

describe('apiPath', () => {
  it('G65: encodes each parameter into one segment under the API prefix', () => {
    expect(apiPath`/user/${'a/b?c#d'}`).toBe('/api/backend/v1/user/a%2Fb%3Fc%23d');
    expect(apiPath`/user/${'../../admin'}/mfa`).toBe('/api/backend/v1/user/..%2F..%2Fadmin/mfa');
    expect(new URL(apiPath`/user/${'../../admin'}`, 'https://propelauth-api.com').pathname).toBe('/api/backend/v1/user/..%2F..%2Fadmin');
  });

  it.each([[''], ['.'], ['..']])('G65: refuses the navigation segment %j', (value) => {
    expect(() => apiPath`/user/${value}`).toThrow(TypeError);
  });
});
