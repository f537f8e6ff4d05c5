import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import { TokenVerificationError } from '../../lib/errors';

export const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** An RSA-2048 key pair made for a test run; never used outside tests. */
export function rsaKeyPair(): { privateKey: KeyObject; publicKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/**
 * Signs any header and payload, so tests can build tokens no well-behaved signer
 * would produce. A string payload/header is used as the exact JSON text.
 */
export function signRaw(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string | Buffer,
  privateKey: KeyObject,
  digest: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): string {
  const h = b64url(typeof header === 'string' ? header : JSON.stringify(header));
  const p = b64url(typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload));
  const signature = sign(digest, Buffer.from(`${h}.${p}`), privateKey);
  return `${h}.${p}.${b64url(signature)}`;
}

/** The classic RS256 -> HS256 confusion: an HMAC keyed with the public key's PEM text. */
export function signHs256WithPublicKey(payload: Record<string, unknown>, publicKeyPem: string): string {
  const h = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = b64url(JSON.stringify(payload));
  const mac = createHmac('sha256', publicKeyPem).update(`${h}.${p}`).digest();
  return `${h}.${p}.${b64url(mac)}`;
}

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8'));
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The TokenVerificationError that `fn` throws; fails the test if it throws something else or nothing. */
export function rejection(fn: () => unknown): TokenVerificationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenVerificationError);
    return error as TokenVerificationError;
  }
  throw new Error('expected the token to be refused');
}

/**
 * What `call` comes to, for tests that compare outcomes: `'accepted'`, the reason of the
 * TokenVerificationError it throws (or its promise rejects with), or `error:<name>` for
 * any other error. Asynchronous when `call` returns a promise.
 */
export function reasonOf(call: () => Promise<unknown>): Promise<string>;
export function reasonOf(call: () => unknown): string;
export function reasonOf(call: () => unknown): string | Promise<string> {
  const outcome = (error: unknown): string => (error instanceof TokenVerificationError ? error.reason : `error:${(error as Error)?.name}`);
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return outcome(error);
  }
  return result instanceof Promise ? result.then(() => 'accepted', outcome) : 'accepted';
}
