import 'reflect-metadata';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { importSPKI, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import { PropelAuthModule, TokenVerifierService } from 'propelauth-nestjs';
import { benchKeys, benchToken, ISSUER } from './fixtures';
import { alternatingRounds, median, opsPerSecond, opsPerSecondAsync } from './stats';

/** What a verifier that only checks alg, exp and iss costs: the reference point for the checks and the model on top. */
function minimalVerify(token: string, key: KeyObject): Record<string, unknown> {
  const [header, payload, signature] = token.split('.');
  if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'RS256') throw new Error('alg');
  if (!verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) throw new Error('signature');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  if (typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000 || claims.iss !== ISSUER) throw new Error('claims');
  return claims;
}

export interface VerificationResult {
  variant: string;
  medianOpsPerSecond: number;
  ratioToRawCryptoVerify: number;
}

/**
 * Token verification per core, side by side: ours on a repeated token (the
 * cache) and on distinct tokens (every one a miss), against Node's crypto.verify
 * with a pre-parsed KeyObject (the signature alone: the physical limit),
 * jsonwebtoken given a PEM string, and jose.
 */
export async function benchVerification(options: { rounds: number; msPerVariant: number; log: (line: string) => void }): Promise<VerificationResult[]> {
  const keys = benchKeys();
  const pool = Array.from({ length: 2000 }, (_, i) => benchToken(keys, i));
  const repeatedBytes = Buffer.from(pool[0], 'latin1');
  const keyObject = createPublicKey(keys.publicKeyPem);
  const joseKey = await importSPKI(keys.publicKeyPem, 'RS256');

  const context = await NestFactory.createApplicationContext(
    PropelAuthModule.forRoot({
      authUrl: ISSUER,
      apiKey: 'bench',
      manualTokenVerificationMetadata: { verifierKey: keys.publicKeyPem, issuer: ISSUER },
    }),
    { logger: false },
  );
  const verifier = context.get(TokenVerifierService);
  let cursor = 0;
  const next = () => pool[(cursor = (cursor + 1) % pool.length)];
  // The raw baseline verifies the same bytes the others do: the signature of each token.
  const split = pool.map((token) => {
    const dot = token.lastIndexOf('.');
    return { data: Buffer.from(token.slice(0, dot)), signature: Buffer.from(token.slice(dot + 1), 'base64url') };
  });

  const variants: Array<{ name: string; run: () => number | Promise<number> }> = [
    { name: 'raw crypto.verify (KeyObject, signature only)', run: () => opsPerSecond(() => verify('sha256', split[(cursor = (cursor + 1) % split.length)].data, keyObject, split[cursor].signature), options.msPerVariant) },
    // A new string each call, as each request's header is: the lookup pays for hashing it.
    { name: 'ours, repeated token (cache hit)', run: () => opsPerSecond(() => verifier.verifyAccessToken(repeatedBytes.toString('latin1')), options.msPerVariant) },
    // 2000 tokens cycled through a 1000-entry LRU: every call misses, verifies and evicts.
    { name: 'ours, distinct tokens (cache miss)', run: () => opsPerSecond(() => verifier.verifyAccessToken(next()), options.msPerVariant) },
    // The floor for any verifier that parses the claims: a hand-rolled one with no model, no cache, and only alg/exp/iss checked.
    { name: 'minimal hand-rolled verifier (split, decode, verify, JSON.parse, alg/exp/iss)', run: () => opsPerSecond(() => minimalVerify(next(), keyObject), options.msPerVariant) },
    { name: 'jsonwebtoken.verify (PEM string)', run: () => opsPerSecond(() => jwt.verify(next(), keys.publicKeyPem, { algorithms: ['RS256'], issuer: ISSUER }), options.msPerVariant) },
    { name: 'jsonwebtoken.verify (KeyObject, its best setup)', run: () => opsPerSecond(() => jwt.verify(next(), keyObject, { algorithms: ['RS256'], issuer: ISSUER }), options.msPerVariant) },
    { name: 'jose.jwtVerify (awaited one at a time)', run: () => opsPerSecondAsync(() => jwtVerify(next(), joseKey, { algorithms: ['RS256'], issuer: ISSUER }), options.msPerVariant) },
  ];

  const series = await alternatingRounds(variants, options.rounds, (ops, raw) => ops / raw, (round) => options.log(`  verification round ${round + 1}/${options.rounds} done`));
  await context.close();
  return variants.map((variant) => ({
    variant: variant.name,
    medianOpsPerSecond: Math.round(median(series.get(variant.name)!.samples)),
    ratioToRawCryptoVerify: median(series.get(variant.name)!.compared),
  }));
}
