import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { PropelAuthModule, TokenVerifierService } from 'propelauth-nestjs';
import { benchKeys, benchToken, ISSUER } from './fixtures';

export interface MemoryResult {
  verifications: number;
  distinctTokens: number;
  tokenCacheSize: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  heapUsedBeforeMiB: number;
  heapUsedAfterMiB: number;
}

const MiB = 1024 * 1024;

/**
 * Memory after many verifications with the default cache: distinct tokens cycled
 * through it, every verification a miss that inserts and evicts. (Signing a
 * million distinct RS256 tokens would take longer than the rest of the run, so the
 * pool is smaller than the count of verifications but far larger than the cache.)
 */
export async function benchMemory(options: { verifications: number; distinctTokens: number; log: (line: string) => void }): Promise<MemoryResult> {
  const keys = benchKeys();
  options.log(`  signing ${options.distinctTokens} distinct tokens`);
  const pool = Array.from({ length: options.distinctTokens }, (_, i) => benchToken(keys, i));
  const context = await NestFactory.createApplicationContext(
    PropelAuthModule.forRoot({ authUrl: ISSUER, apiKey: 'bench', manualTokenVerificationMetadata: { verifierKey: keys.publicKeyPem, issuer: ISSUER } }),
    { logger: false },
  );
  const verifier = context.get(TokenVerifierService);
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < options.verifications; i++) {
    verifier.verifyAccessToken(pool[i % pool.length]);
    if (i % 200_000 === 0 && i > 0) options.log(`  ${i} verifications`);
  }
  gc();
  const after = process.memoryUsage();
  await context.close();
  return {
    verifications: options.verifications,
    distinctTokens: options.distinctTokens,
    tokenCacheSize: 1000,
    rssBeforeMiB: before.rss / MiB,
    rssAfterMiB: after.rss / MiB,
    heapUsedBeforeMiB: before.heapUsed / MiB,
    heapUsedAfterMiB: after.heapUsed / MiB,
  };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
