import 'reflect-metadata';
import type { KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenVerifierService } from '../../lib';
import { resolvePropelAuthOptions } from '../../lib/module/propelauth-options';
import { reasonOf, rsaKeyPair, signRaw } from '../support/tokens';

const ISSUER = 'https://auth.example.com';
const signer = rsaKeyPair();
const NOW = 1_800_000_000;

/** The real service; `rotate` reaches the protected key setter the way a subclass would. */
class RotatableVerifier extends TokenVerifierService {
  rotate(key: KeyObject): void {
    this.setVerifierKey(key);
  }
}

function verifier(options: { tokenCacheSize?: number; clockToleranceSeconds?: number } = {}): RotatableVerifier {
  return new RotatableVerifier(
    resolvePropelAuthOptions({
      authUrl: ISSUER,
      apiKey: 'k',
      manualTokenVerificationMetadata: { verifierKey: signer.publicKeyPem, issuer: ISSUER },
      ...options,
    }),
  );
}

const token = (claims: Record<string, unknown> = {}) =>
  signRaw({ alg: 'RS256', typ: 'JWT' }, { user_id: 'u1', iss: ISSUER, iat: NOW, exp: NOW + 60, ...claims }, signer.privateKey);

describe('F58: the verified-token cache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const at = (seconds: number) => vi.useFakeTimers({ now: seconds * 1000 });

  it('answers a repeated token from the cache: the very same frozen User', () => {
    at(NOW);
    const service = verifier();
    const value = token();
    const first = service.verifyAccessToken(value);
    expect(service.verifyAccessToken(value)).toBe(first);
  });

  it('re-checks exp against the clock on every hit', () => {
    at(NOW);
    const service = verifier();
    const value = token();
    service.verifyAccessToken(value);
    at(NOW + 59);
    expect(reasonOf(() => service.verifyAccessToken(value))).toBe('accepted');
    at(NOW + 60);
    expect(reasonOf(() => service.verifyAccessToken(value))).toBe('expired');
  });

  it('applies the clock tolerance on hits as on misses', () => {
    at(NOW);
    const service = verifier({ clockToleranceSeconds: 10 });
    const value = token();
    service.verifyAccessToken(value);
    at(NOW + 65);
    expect(reasonOf(() => service.verifyAccessToken(value))).toBe('accepted');
    at(NOW + 70);
    expect(reasonOf(() => service.verifyAccessToken(value))).toBe('expired');
  });

  it('never caches a failure as a success, nor a failure at all', () => {
    at(NOW);
    const service = verifier();
    const notYet = token({ nbf: NOW + 30 });
    expect(reasonOf(() => service.verifyAccessToken(notYet))).toBe('not_yet_valid');
    expect(reasonOf(() => service.verifyAccessToken(notYet))).toBe('not_yet_valid');
    at(NOW + 30);
    expect(reasonOf(() => service.verifyAccessToken(notYet))).toBe('accepted');
  });

  it('never lets a token that differs by one byte hit', () => {
    at(NOW);
    const service = verifier();
    const value = token();
    service.verifyAccessToken(value);
    const index = value.lastIndexOf('.') + 5;
    const flipped = value.slice(0, index) + (value[index] === 'A' ? 'B' : 'A') + value.slice(index + 1);
    expect(reasonOf(() => service.verifyAccessToken(flipped))).toBe('invalid_signature');
    expect(reasonOf(() => service.verifyAccessToken(`${value}A`))).not.toBe('accepted');
  });

  it('is bounded: beyond tokenCacheSize the least recently used token is evicted', () => {
    at(NOW);
    const service = verifier({ tokenCacheSize: 2 });
    const [a, b, c] = [token({ user_id: 'a' }), token({ user_id: 'b' }), token({ user_id: 'c' })];
    const userA = service.verifyAccessToken(a);
    const userB = service.verifyAccessToken(b);
    expect(service.verifyAccessToken(a)).toBe(userA); // a is now the most recent
    service.verifyAccessToken(c); // evicts b
    expect(service.verifyAccessToken(a)).toBe(userA);
    expect(service.verifyAccessToken(b)).not.toBe(userB);
  });

  it('is off with tokenCacheSize: 0', () => {
    at(NOW);
    const service = verifier({ tokenCacheSize: 0 });
    const value = token();
    expect(service.verifyAccessToken(value)).not.toBe(service.verifyAccessToken(value));
  });

  it('is cleared when the verifier key changes', () => {
    at(NOW);
    const service = verifier();
    const value = token();
    service.verifyAccessToken(value);
    service.rotate(rsaKeyPair().publicKey);
    expect(reasonOf(() => service.verifyAccessToken(value))).toBe('invalid_signature');
  });
});
