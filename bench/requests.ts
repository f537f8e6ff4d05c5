import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { benchKeys, benchToken, ORG_ID, type BenchKeys } from './fixtures';
import { median, orderFor } from './stats';

const TASKSET = '/usr/bin/taskset';

export const REQUEST_VARIANTS = ['unguarded', 'noop-guard', 'require-user', 'require-user+org-role', 'passport-jwt'] as const;
export type Adapter = 'express' | 'fastify';

export interface RequestResult {
  adapter: Adapter;
  variant: string;
  medianRequestsPerSecond: number;
  ratioToUnguarded: number;
  medianServerCpuMicrosPerRequest: number;
  /** Requests served per server CPU-second, relative to the unguarded route (median of per-round ratios). */
  cpuRatioToUnguarded: number;
  /** The per-round ratios (requests per second), for the spread. */
  roundRatios: number[];
}

interface Server {
  child: ChildProcess;
  origin: string;
}

const helloUrl = (server: Server) => `${server.origin}/hello/${ORG_ID}`;

interface Run {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
}

/** Per-variant samples over rounds; each round's ratios are taken against that round's unguarded run. */
class RoundSeries {
  private readonly rps = new Map<string, number[]>();
  private readonly ratios = new Map<string, number[]>();
  private readonly cpu = new Map<string, number[]>();
  private readonly cpuRatios = new Map<string, number[]>();

  constructor(variants: readonly string[]) {
    for (const series of [this.rps, this.ratios, this.cpu, this.cpuRatios]) for (const variant of variants) series.set(variant, []);
  }

  addRound(measured: Map<string, Run>): void {
    const base = measured.get('unguarded')!;
    for (const [variant, run] of measured) {
      this.rps.get(variant)!.push(run.requestsPerSecond);
      this.ratios.get(variant)!.push(run.requestsPerSecond / base.requestsPerSecond);
      this.cpu.get(variant)!.push(run.cpuMicrosPerRequest);
      this.cpuRatios.get(variant)!.push(base.cpuMicrosPerRequest / run.cpuMicrosPerRequest);
    }
  }

  summary(variant: string) {
    return {
      medianRequestsPerSecond: Math.round(median(this.rps.get(variant)!)),
      ratioToUnguarded: median(this.ratios.get(variant)!),
      medianServerCpuMicrosPerRequest: Math.round(median(this.cpu.get(variant)!)),
      cpuRatioToUnguarded: median(this.cpuRatios.get(variant)!),
      roundRatios: this.ratios.get(variant)!.map((ratio) => Math.round(ratio * 1000) / 1000),
    };
  }
}

/**
 * Whole requests on a minimal Nest app, each variant in its own server process
 * (pinned to CPU 0 when `taskset` exists) driven by autocannon from this
 * process (pinned to CPU 1) over loopback with a fixed pool of tokens; variants
 * alternate between rounds. Two ratios per variant: requests per second (what the
 * issue's target is stated in; on a shared 2-vCPU box it carries the load
 * generator's noise too) and requests per server CPU-second (the capacity the
 * guard leaves; steadier, since it does not depend on how fast autocannon ran).
 */
export async function benchRequests(options: {
  adapters: Adapter[];
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  log: (line: string) => void;
}): Promise<RequestResult[]> {
  const keys = benchKeys();
  const tokens = Array.from({ length: 20 }, (_, i) => benchToken(keys, i));
  const results: RequestResult[] = [];
  // The server runs on CPU 0; the load generator (this process) on CPU 1, so they do not take turns on one core.
  const pinned = pinSelf('1');
  try {
    for (const adapter of options.adapters) {
      const series = new RoundSeries(REQUEST_VARIANTS);
      for (let round = 0; round < options.rounds; round++) {
        const measured = new Map<string, Run>();
        for (const variant of orderFor(round, [...REQUEST_VARIANTS])) {
          const server = await startServer(adapter, variant, keys);
          try {
            await checkServer(helloUrl(server), variant, tokens[0]);
            await load(helloUrl(server), tokens, options.connections, options.warmupSeconds);
            measured.set(variant, await measure(server, helloUrl(server), tokens, options.connections, options.seconds, `${adapter}/${variant}`));
          } finally {
            server.child.kill();
          }
        }
        series.addRound(measured);
        options.log(`  ${adapter} requests round ${round + 1}/${options.rounds} done`);
      }
      for (const variant of REQUEST_VARIANTS) results.push({ adapter, variant, ...series.summary(variant) });
    }
  } finally {
    if (pinned) pinSelf('0-1');
  }
  return results;
}

/** Pins this process (all its threads) to the given CPUs; false where taskset is not installed. */
function pinSelf(cpus: string): boolean {
  if (!existsSync(TASKSET)) return false;
  execFileSync(TASKSET, ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
  return true;
}

function startServer(adapter: Adapter, variant: string, keys: BenchKeys): Promise<Server> {
  const script = join(__dirname, 'server.js');
  const pin = existsSync(TASKSET) ? { execPath: TASKSET, execArgv: ['-c', '0', process.execPath] } : {};
  const child = fork(script, [adapter, variant], { ...pin, env: { ...process.env, BENCH_PUBLIC_KEY_PEM: keys.publicKeyPem }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${adapter}/${variant} server did not start`)), 20_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve({ child, origin: `http://127.0.0.1:${message.port}` });
    });
    child.once('exit', (code) => reject(new Error(`${adapter}/${variant} server exited with ${code}`)));
  });
}

export const SAME_PROCESS_VARIANTS = ['unguarded', 'noop-guard', 'require-user', 'require-user+org-role'] as const;

/** The path segment of a variant's route in the all-routes server (server.ts). */
const routeOf = (variant: string) => variant.replace('+', '-and-');

export interface SameProcessResult extends RequestResult {
  /** Median time inside the server per request, requests of every route interleaved one by one over one connection. */
  interleavedMedianMicros: number;
  /** `interleavedMedianMicros` minus the unguarded route's: what the route's guard adds to a request. */
  addedMicros: number;
  /**
   * The capacity the route keeps, from those: C / (C + added), where C is the
   * unguarded route's server CPU per request under load.
   */
  interleavedRatio: number;
}

/**
 * The guard's own cost, without the luck of separate processes (JIT and memory
 * placement made the same variant vary by up to 30 µs per request between server
 * processes): one server holds every route but passport's, warmed up alike, and
 * short loads alternate between its routes, many rounds.
 */
export async function benchRoutesInOneProcess(options: {
  adapters: Adapter[];
  rounds: number;
  seconds: number;
  interleavedSeconds: number;
  connections: number;
  log: (line: string) => void;
}): Promise<SameProcessResult[]> {
  const keys = benchKeys();
  const tokens = Array.from({ length: 20 }, (_, i) => benchToken(keys, i));
  const results: SameProcessResult[] = [];
  const pinned = pinSelf('1');
  try {
    for (const adapter of options.adapters) {
      const server = await startServer(adapter, 'all-routes', keys);
      const urlOf = (variant: string) => `${server.origin}/${routeOf(variant)}/${ORG_ID}`;
      const series = new RoundSeries(SAME_PROCESS_VARIANTS);
      let timings: Record<string, { count: number; medianMicros: number }> = {};
      try {
        for (const variant of SAME_PROCESS_VARIANTS) {
          await checkServer(urlOf(variant), variant, tokens[0]);
          await load(urlOf(variant), tokens, options.connections, 1);
        }
        for (let round = 0; round < options.rounds; round++) {
          const measured = new Map<string, Run>();
          for (const variant of orderFor(round, [...SAME_PROCESS_VARIANTS])) {
            measured.set(variant, await measure(server, urlOf(variant), tokens, options.connections, options.seconds, `${adapter}/${variant}`));
          }
          series.addRound(measured);
        }
        options.log(`  ${adapter}: ${options.rounds} same-process rounds done`);
        // Then every route at once, one request after another over one connection, so
        // drift in the machine's speed hits them all alike.
        const interleaved = SAME_PROCESS_VARIANTS.flatMap((variant) => tokens.slice(0, 5).map((token) => ({ variant, token })));
        const mixed = (seconds: number) => loadMixed(interleaved.map(({ variant, token }) => ({ path: new URL(urlOf(variant)).pathname, token })), server.origin, 1, seconds);
        await mixed(1);
        await serverTimings(server, 'reset');
        const run = await mixed(options.interleavedSeconds);
        if (run.non2xx > 0 || run.errors > 0) throw new Error(`${adapter}/interleaved: ${run.non2xx} non-2xx answers, ${run.errors} errors`);
        timings = (await serverTimings(server, 'get')) as Record<string, { count: number; medianMicros: number }>;
        options.log(`  ${adapter}: interleaved run done (${run.requests.total} requests)`);
      } finally {
        server.child.kill();
      }
      const timingOf = (variant: string) => timings[routeOf(variant)]?.medianMicros ?? Number.NaN;
      const unguardedCpu = series.summary('unguarded').medianServerCpuMicrosPerRequest;
      for (const variant of SAME_PROCESS_VARIANTS) {
        const added = timingOf(variant) - timingOf('unguarded');
        results.push({
          adapter,
          variant,
          ...series.summary(variant),
          interleavedMedianMicros: Math.round(timingOf(variant) * 10) / 10,
          addedMicros: Math.round(added * 10) / 10,
          interleavedRatio: unguardedCpu / (unguardedCpu + added),
        });
      }
    }
  } finally {
    if (pinned) pinSelf('0-1');
  }
  return results;
}

/** One measured load: requests per second, and the server's CPU time per request. */
async function measure(server: Server, url: string, tokens: string[], connections: number, seconds: number, label: string): Promise<Run> {
  const cpuBefore = await serverCpu(server);
  const result = await load(url, tokens, connections, seconds);
  const cpuAfter = await serverCpu(server);
  const requests = result.requests.total;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx answers, ${result.errors} errors under load`);
  return { requestsPerSecond: requests / seconds, cpuMicrosPerRequest: (cpuAfter - cpuBefore) / requests };
}

/** Before measuring: the guarded variants must answer 200 with a token and 401 without one. */
async function checkServer(url: string, variant: string, token: string): Promise<void> {
  const withToken = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (withToken.status !== 200) throw new Error(`${variant}: ${withToken.status} with a valid token`);
  if (variant !== 'unguarded' && variant !== 'noop-guard') {
    const without = await fetch(url);
    const forged = await fetch(url, { headers: { Authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
    if (without.status !== 401 || forged.status !== 401) throw new Error(`${variant}: ${without.status}/${forged.status} without a token / with a forged one`);
  }
}

/** GET one URL with the tokens in turn. */
function load(url: string, tokens: string[], connections: number, seconds: number): Promise<autocannon.Result> {
  const { origin, pathname } = new URL(url);
  return loadMixed(tokens.map((token) => ({ path: pathname, token })), origin, connections, seconds);
}

/** Requests to several paths, in turn, each connection cycling through the list. */
function loadMixed(requests: Array<{ path: string; token: string }>, origin: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: origin, connections, duration: seconds, requests: requests.map(({ path, token }) => ({ method: 'GET', path, headers: { authorization: `Bearer ${token}` } })) },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

function serverTimings(server: Server, what: 'reset' | 'get'): Promise<unknown> {
  return new Promise((resolve) => {
    server.child.once('message', (message: { timings?: unknown; reset?: boolean }) => resolve(message.timings ?? message.reset));
    server.child.send({ timings: what });
  });
}

function serverCpu(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('message', (message: { cpuMicros: number }) => resolve(message.cpuMicros));
    server.child.send({ cpu: true });
  });
}
