import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { benchKeys, benchToken, ORG_ID, type BenchKeys } from './fixtures';
import { median, orderFor } from './stats';

export const REQUEST_VARIANTS = ['unguarded', 'noop-guard', 'require-user', 'require-user+org-role', 'passport-jwt'] as const;
export type Adapter = 'express' | 'fastify';

export interface RequestResult {
  adapter: Adapter;
  variant: string;
  medianRequestsPerSecond: number;
  ratioToUnguarded: number;
  medianServerCpuMicrosPerRequest: number;
}

interface Server {
  child: ChildProcess;
  url: string;
}

/**
 * Whole requests on a minimal Nest app, each variant in its own server process
 * (pinned to CPU 0 when `taskset` exists) driven by autocannon from this
 * process over loopback with a fixed pool of tokens; variants alternate between rounds.
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
  for (const adapter of options.adapters) {
    const rps = new Map<string, number[]>(REQUEST_VARIANTS.map((v) => [v, []]));
    const ratios = new Map<string, number[]>(REQUEST_VARIANTS.map((v) => [v, []]));
    const cpu = new Map<string, number[]>(REQUEST_VARIANTS.map((v) => [v, []]));
    for (let round = 0; round < options.rounds; round++) {
      const measured = new Map<string, number>();
      for (const variant of orderFor(round, [...REQUEST_VARIANTS])) {
        const server = await startServer(adapter, variant, keys);
        try {
          await checkServer(server, variant, tokens[0]);
          await load(server.url, tokens, options.connections, options.warmupSeconds);
          const cpuBefore = await serverCpu(server);
          const result = await load(server.url, tokens, options.connections, options.seconds);
          const cpuAfter = await serverCpu(server);
          const requests = result.requests.total;
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${adapter}/${variant}: ${result.non2xx} non-2xx answers, ${result.errors} errors under load`);
          measured.set(variant, requests / options.seconds);
          cpu.get(variant)!.push((cpuAfter - cpuBefore) / requests);
        } finally {
          server.child.kill();
        }
      }
      for (const [variant, value] of measured) {
        rps.get(variant)!.push(value);
        ratios.get(variant)!.push(value / measured.get('unguarded')!);
      }
      options.log(`  ${adapter} requests round ${round + 1}/${options.rounds} done`);
    }
    for (const variant of REQUEST_VARIANTS) {
      results.push({
        adapter,
        variant,
        medianRequestsPerSecond: Math.round(median(rps.get(variant)!)),
        ratioToUnguarded: median(ratios.get(variant)!),
        medianServerCpuMicrosPerRequest: Math.round(median(cpu.get(variant)!)),
      });
    }
  }
  return results;
}

function startServer(adapter: Adapter, variant: string, keys: BenchKeys): Promise<Server> {
  const script = join(__dirname, 'server.js');
  const pin = existsSync('/usr/bin/taskset') ? { execPath: '/usr/bin/taskset', execArgv: ['-c', '0', process.execPath] } : {};
  const child = fork(script, [adapter, variant], { ...pin, env: { ...process.env, BENCH_PUBLIC_KEY_PEM: keys.publicKeyPem }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${adapter}/${variant} server did not start`)), 20_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve({ child, url: `http://127.0.0.1:${message.port}/hello/${ORG_ID}` });
    });
    child.once('exit', (code) => reject(new Error(`${adapter}/${variant} server exited with ${code}`)));
  });
}

/** Before measuring: the guarded variants must answer 200 with a token and 401 without one. */
async function checkServer(server: Server, variant: string, token: string): Promise<void> {
  const withToken = await fetch(server.url, { headers: { Authorization: `Bearer ${token}` } });
  if (withToken.status !== 200) throw new Error(`${variant}: ${withToken.status} with a valid token`);
  if (variant !== 'unguarded' && variant !== 'noop-guard') {
    const without = await fetch(server.url);
    const forged = await fetch(server.url, { headers: { Authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
    if (without.status !== 401 || forged.status !== 401) throw new Error(`${variant}: ${without.status}/${forged.status} without a token / with a forged one`);
  }
}

function load(url: string, tokens: string[], connections: number, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections, duration: seconds, requests: tokens.map((token) => ({ method: 'GET', headers: { authorization: `Bearer ${token}` } })) },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

function serverCpu(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('message', (message: { cpuMicros: number }) => resolve(message.cpuMicros));
    server.child.send({ cpu: true });
  });
}
