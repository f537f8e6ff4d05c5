import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchGuardCpu } from './guard';
import { benchMemory } from './memory';
import { benchRequests, benchRoutesInOneProcess, type Adapter } from './requests';
import { table } from './stats';
import { benchVerification } from './verification';

/**
 * `npm run bench`: every figure is a median over rounds that alternate the
 * contenders, and every verdict is a ratio measured side by side in this run.
 * Knobs: BENCH_ROUNDS (default 3), BENCH_SECONDS per request run (5),
 * BENCH_VERIFICATIONS for the memory run (1000000), BENCH_ADAPTERS (express,fastify),
 * BENCH_SAME_ROUNDS for the same-process comparison (8, of 2 s each),
 * BENCH_ONLY (verification,guard-cpu,requests,same-process,memory: the parts to run).
 */
async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const verifications = Number(process.env.BENCH_VERIFICATIONS ?? 1_000_000);
  const adapters = (process.env.BENCH_ADAPTERS ?? 'express,fastify').split(',') as Adapter[];
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
  log(`propelauth-nestjs benchmark on ${machine}`);

  const only = new Set((process.env.BENCH_ONLY ?? 'verification,guard-cpu,requests,same-process,memory').split(','));
  const sameRounds = Number(process.env.BENCH_SAME_ROUNDS ?? 8);
  log('1. verification, per core');
  const verification = only.has('verification') ? await benchVerification({ rounds: Math.max(rounds, 5), msPerVariant: 1000, log }) : [];
  log("1b. the guard's own CPU, without a server");
  const guardCpu = only.has('guard-cpu') ? await benchGuardCpu({ rounds: Math.max(rounds, 5), msPerVariant: 1000, log }) : [];
  log('2. whole requests');
  const requests = only.has('requests') ? await benchRequests({ adapters, rounds, seconds, warmupSeconds: 1, connections: 10, log }) : [];
  log('3. the guard alone: every route in one server process');
  const sameProcess = only.has('same-process') ? await benchRoutesInOneProcess({ adapters, rounds: sameRounds, seconds: 2, interleavedSeconds: 10, connections: 10, log }) : [];
  log('4. memory');
  const memory = only.has('memory') ? await benchMemory({ verifications, distinctTokens: 10_000, log }) : undefined;

  const results = { date: new Date().toISOString(), machine, rounds, seconds, verification, guardCpu, requests, sameProcess, memory };
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${results.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (verification.length > 0) {
    out(`\nVerification (ops/s per core; ratio to raw crypto.verify, median of per-round ratios)\n`);
    out(table(verification.map((v) => ({ variant: v.variant, 'ops/s': v.medianOpsPerSecond, ratio: v.ratioToRawCryptoVerify }))));
  }
  if (guardCpu.length > 0) {
    out(`\nThe guard's own CPU per request: canActivate on a fresh request and context per call, warm, no server (a lower bound: what it costs the framework around it is not in it)\n`);
    out(table(guardCpu.map((g) => ({ variant: g.variant, 'µs per call': g.microsPerCall.toFixed(2), 'added µs': g.addedMicros.toFixed(2) }))));
  }
  if (requests.length > 0) {
    out(`\nRequests (10 connections, ${seconds} s per run, ${rounds} rounds; ratios to the unguarded route of the same adapter: requests per second, and requests per server CPU-second)\n`);
    out(table(requests.map((r) => ({ adapter: r.adapter, variant: r.variant, 'req/s': r.medianRequestsPerSecond, 'req/s ratio': r.ratioToUnguarded, 'server CPU µs/req': r.medianServerCpuMicrosPerRequest, 'per-CPU ratio': r.cpuRatioToUnguarded }))));
  }
  if (sameProcess.length > 0) {
    out(`\nThe guard alone: every route in one server process, 10 connections, ${sameRounds} rounds of 2 s per route (ratios to the unguarded route of that process)\n`);
    out(table(sameProcess.map((r) => ({ adapter: r.adapter, variant: r.variant, 'req/s': r.medianRequestsPerSecond, 'req/s ratio': r.ratioToUnguarded, 'round ratios min-max': `${Math.min(...r.roundRatios).toFixed(2)}-${Math.max(...r.roundRatios).toFixed(2)}`, 'server CPU µs/req': r.medianServerCpuMicrosPerRequest, 'per-CPU ratio': r.cpuRatioToUnguarded }))));
    out(`\nThe same routes interleaved request by request over one connection for 10 s: median time inside the server, what the guard adds, and the capacity that leaves (C / (C + added), C = the unguarded route's CPU per request above)\n`);
    out(table(sameProcess.map((r) => ({ adapter: r.adapter, variant: r.variant, 'µs in server': r.interleavedMedianMicros, 'added µs': r.addedMicros, 'capacity ratio': r.interleavedRatio }))));
  }
  if (memory) {
    out(`\nMemory: ${memory.verifications} verifications of ${memory.distinctTokens} distinct tokens through a ${memory.tokenCacheSize}-entry cache`);
    out(`  RSS ${memory.rssBeforeMiB.toFixed(1)} -> ${memory.rssAfterMiB.toFixed(1)} MiB, heap used ${memory.heapUsedBeforeMiB.toFixed(1)} -> ${memory.heapUsedAfterMiB.toFixed(1)} MiB`);
  }
  out(`\nResults written to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
