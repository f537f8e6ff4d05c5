import 'reflect-metadata';
import { Controller, Get, UseGuards } from '@nestjs/common';
import autocannon from 'autocannon';
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurrentUser, PropelAuthModule, RequireUserGuard, type User } from '../../lib';
import { PropelAuthEmulator } from '../../lib/testing';
import { ADAPTERS, startApp, type RunningApp } from '../support/apps';
import { rsaKeyPair, signRaw } from '../support/tokens';

/**
 * Load test: a real app on 127.0.0.1 per adapter, driven by autocannon in this process and
 * bounded by a request COUNT (never by time). The request pool mixes valid tokens of several
 * users with expired, forged, tampered and garbage credentials and no header at all; every
 * pool entry carries its expected status and checks each of its responses in `onResponse`.
 * Then RSS must stay bounded between a warm-up run and the measured run (after a full GC).
 */

const WARMUP_REQUESTS = 1_000;
const MEASURED_REQUESTS = 3_000;
const CONNECTIONS = 10;
const MiB = 1024 * 1024;
const RSS_GROWTH_LIMIT = 64 * MiB;
/** The JS heap is a steadier signal than RSS (about 1 MiB of growth is usual here). */
const HEAP_GROWTH_LIMIT = 32 * MiB;

/** A full GC: `--expose-gc` if given, else the flag set at run time and `gc` read from a fresh context. */
let gcSource = 'none';
const fullGc: (() => void) | undefined = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') {
    gcSource = '--expose-gc';
    return exposed;
  }
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc !== 'function') return undefined;
    gcSource = 'v8.setFlagsFromString';
    return gc as () => void;
  } catch {
    return undefined;
  }
})();

function memoryAfterGc(): NodeJS.MemoryUsage {
  // Twice: the first pass may only queue weak callbacks and finalizers freed by the second.
  fullGc?.();
  fullGc?.();
  return process.memoryUsage();
}

@Controller('load')
class LoadController {
  @Get('whoami')
  @UseGuards(RequireUserGuard)
  whoami(@CurrentUser() user: User) {
    return { userId: user.userId };
  }
}

type Kind = 'valid' | 'expired' | 'forged' | 'tampered' | 'unique-forgery' | 'garbage' | 'no-header';

interface PoolEntry {
  kind: Kind;
  /** The Authorization header value; undefined: none sent. For 'unique-forgery' a fresh one per request. */
  header?: string;
  expectedStatus: 200 | 401;
  /** For a valid token: the user the body must name. */
  userId?: string;
}

interface Tally {
  responses: number;
  byKind: Record<string, { count: number; statuses: Record<number, number> }>;
  mismatches: string[];
}

describe.each(ADAPTERS)('load with a mixed request pool (%s)', (adapter) => {
  let emulator: PropelAuthEmulator;
  let running: RunningApp;
  const pool: PoolEntry[] = [];
  /** Pieces of secret material the bodies must never contain. */
  const secrets: string[] = [];
  let uniqueForgeryBase = '';
  let uniqueForgeryCount = 0;

  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
    running = await startApp(adapter, { imports: [PropelAuthModule.forRoot(emulator.moduleOptions())], controllers: [LoadController] });
    const org = { orgId: '0f7e7a2c-1111-4a4a-9d9d-000000000001', orgName: 'Acme', role: 'Admin' };
    const attacker = rsaKeyPair();
    const valid = Array.from({ length: 8 }, (_, i) => ({ userId: `load-user-${i}`, token: emulator.mintAccessToken({ userId: `load-user-${i}`, orgs: [org] }) }));
    const expired = [0, 1].map((i) => emulator.mintAccessToken({ userId: `load-user-${i}`, orgs: [org], expiresInSeconds: -30 - i }));
    const forged = [0, 1].map((i) =>
      signRaw({ alg: 'RS256', typ: 'JWT' }, { user_id: `load-user-${i}`, iss: emulator.authUrl, exp: 4_000_000_000, org_id_to_org_member_info: {} }, attacker.privateKey),
    );
    const [h, p, s] = valid[0].token.split('.');
    const raised = Buffer.from(Buffer.from(p, 'base64url').toString('utf8').replace('"Admin"', '"Owner"')).toString('base64url');
    const tampered = `${h}.${raised}.${s}`;
    expect(tampered).not.toBe(valid[0].token);
    // A fresh, well-formed but wrong signature per request: refusals must not accumulate anything.
    uniqueForgeryBase = `${h}.${p}.`;
    secrets.push(...valid.map((v) => v.token.slice(-40)), ...forged.map((t) => t.slice(-40)), raised.slice(-40));

    const entries: PoolEntry[] = [
      ...valid.map((v) => ({ kind: 'valid' as const, header: `Bearer ${v.token}`, expectedStatus: 200 as const, userId: v.userId })),
      { kind: 'valid', header: `bearer   ${valid[1].token}`, expectedStatus: 200, userId: valid[1].userId },
      ...expired.map((t) => ({ kind: 'expired' as const, header: `Bearer ${t}`, expectedStatus: 401 as const })),
      ...forged.map((t) => ({ kind: 'forged' as const, header: `Bearer ${t}`, expectedStatus: 401 as const })),
      { kind: 'tampered', header: `Bearer ${tampered}`, expectedStatus: 401 },
      { kind: 'unique-forgery', expectedStatus: 401 },
      { kind: 'unique-forgery', expectedStatus: 401 },
      { kind: 'garbage', header: 'Bearer not-a-jwt', expectedStatus: 401 },
      { kind: 'garbage', header: 'Basic dXNlcjpwYXNz', expectedStatus: 401 },
      { kind: 'garbage', header: valid[2].token, expectedStatus: 401 },
      { kind: 'garbage', header: `Bearer ${valid[3].token}, Bearer ${valid[4].token}`, expectedStatus: 401 },
      { kind: 'garbage', header: `Bearer ${'A'.repeat(200)}.${'B'.repeat(200)}.${'C'.repeat(200)}`, expectedStatus: 401 },
      { kind: 'garbage', header: `Bearer ${valid[5].token}=`, expectedStatus: 401 },
      { kind: 'garbage', header: 'Bearer', expectedStatus: 401 },
      { kind: 'no-header', expectedStatus: 401 },
      { kind: 'no-header', expectedStatus: 401 },
    ];
    // A fixed interleaving, so valid and refused requests alternate on every connection.
    const order = entries.map((_, i) => i).sort((a, b) => ((a * 7) % entries.length) - ((b * 7) % entries.length));
    pool.push(...order.map((i) => entries[i]));
  });

  afterAll(async () => {
    await running?.close();
    await emulator?.stop();
  });

  function uniqueForgery(): string {
    // 256 bytes (an RSA-2048 signature's length), different for every request, never valid.
    const n = uniqueForgeryCount++;
    const bytes = Buffer.concat(Array.from({ length: 8 }, (_, i) => createHash('sha256').update(`forgery:${n}:${i}`).digest()));
    return `Bearer ${uniqueForgeryBase}${bytes.toString('base64url')}`;
  }

  async function run(amount: number): Promise<{ result: autocannon.Result; tally: Tally }> {
    const tally: Tally = { responses: 0, byKind: {}, mismatches: [] };
    const requests: autocannon.Request[] = pool.map((entry) => {
      const headers: Record<string, string> = entry.header === undefined ? {} : { authorization: entry.header };
      return {
        method: 'GET',
        path: '/load/whoami',
        headers,
        ...(entry.kind === 'unique-forgery' ? { setupRequest: (request: autocannon.Request) => ({ ...request, headers: { authorization: uniqueForgery() } }) } : {}),
        onResponse: (status: number, body: string) => {
          tally.responses++;
          const kind = (tally.byKind[entry.kind] ??= { count: 0, statuses: {} });
          kind.count++;
          kind.statuses[status] = (kind.statuses[status] ?? 0) + 1;
          let problem: string | undefined;
          if (status !== entry.expectedStatus) problem = `status ${status}, expected ${entry.expectedStatus}`;
          else if (entry.expectedStatus === 200 && body !== JSON.stringify({ userId: entry.userId })) problem = `body ${body}`;
          else if (secrets.some((secret) => body.includes(secret))) problem = 'the body contains a token';
          if (problem !== undefined && tally.mismatches.length < 20) tally.mismatches.push(`${entry.kind} ${JSON.stringify(entry.header?.slice(0, 60) ?? null)}: ${problem}`);
        },
      };
    });
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      autocannon({ url: running.url, connections: CONNECTIONS, amount, requests, timeout: 30 }, (error, res) => (error ? reject(error) : resolve(res)));
    });
    return { result, tally };
  }

  function expectClean(label: string, amount: number, { result, tally }: { result: autocannon.Result; tally: Tally }): void {
    const summary = `${adapter} ${label}: ${JSON.stringify({ responses: tally.responses, statusCodeStats: result.statusCodeStats, errors: result.errors, timeouts: result.timeouts, byKind: tally.byKind })}`;
    expect(tally.mismatches, summary).toEqual([]);
    expect(result.errors, summary).toBe(0);
    expect(result.timeouts, summary).toBe(0);
    expect(result['5xx'], summary).toBe(0);
    expect(result.resets, summary).toBe(0);
    expect(tally.responses, summary).toBe(amount);
    expect(result['2xx'] + result['4xx'], summary).toBe(amount);
    // Every kind of the pool was exercised, and each answered only its expected status.
    for (const entry of pool) {
      const seen = tally.byKind[entry.kind];
      expect(seen?.count, `${summary}: ${entry.kind} never sent`).toBeGreaterThan(0);
      expect(Object.keys(seen.statuses), summary).toEqual([String(entry.expectedStatus)]);
    }
    console.log(summary);
  }

  it(`answers ${MEASURED_REQUESTS} mixed requests with the expected statuses, no 5xx, no errors, bounded RSS`, async () => {
    expectClean('warm-up', WARMUP_REQUESTS, await run(WARMUP_REQUESTS));
    const before = memoryAfterGc();
    const uniqueBefore = uniqueForgeryCount;
    const measured = await run(MEASURED_REQUESTS);
    const after = memoryAfterGc();
    const [rssBefore, rssAfter] = [before.rss, after.rss];
    expectClean('measured', MEASURED_REQUESTS, measured);
    expect(uniqueForgeryCount - uniqueBefore).toBeGreaterThan(0);
    const growth = rssAfter - rssBefore;
    console.log(
      `${adapter} RSS after warm-up ${(rssBefore / MiB).toFixed(1)} MiB, after ${MEASURED_REQUESTS} requests ${(rssAfter / MiB).toFixed(1)} MiB, growth ${(growth / MiB).toFixed(1)} MiB; ` +
        `heapUsed ${(before.heapUsed / MiB).toFixed(1)} -> ${(after.heapUsed / MiB).toFixed(1)} MiB; gc: ${gcSource}` +
        (fullGc ? '' : ' (no gc available: RSS bound not asserted)'),
    );
    if (fullGc) {
      expect(growth).toBeLessThan(RSS_GROWTH_LIMIT);
      expect(after.heapUsed - before.heapUsed).toBeLessThan(HEAP_GROWTH_LIMIT);
    }
  });
});
