import 'reflect-metadata';
import { Controller, Get, UseGuards } from '@nestjs/common';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OptionalUserGuard, PropelAuthModule, RequireUserGuard, TokenVerificationError, TokenVerifierService, CurrentUser, User } from '../../lib';
import { resolvePropelAuthOptions } from '../../lib/module/propelauth-options';
import { PropelAuthEmulator } from '../../lib/testing';
import { ADAPTERS, startApp, type RunningApp } from '../support/apps';
import { get } from '../support/http';
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { b64url, signRaw } from '../support/tokens';

/**
 * Property-based security tests (fast-check, fixed seed, bounded runs):
 * - random mutations of valid tokens are always refused with a TokenVerificationError;
 * - random and structured Authorization headers over HTTP on both adapters give a user
 *   only for an exact `Bearer <valid token>` header, never a 5xx, never echo the token;
 * - correctly signed tokens with random claims never leak a non-TokenVerificationError.
 * Every accepted forgery is recorded and the last test asserts there were none.
 */

const SEED = 20261204;
const TOKEN_MUTATION_RUNS = 2000;
const SIGNED_CLAIMS_RUNS = 300;
const HTTP_RUNS = 300;

/** Everything accepted that should not have been, over the whole file. */
const forgeries: Array<{ where: string; input: string }> = [];
const counters = { tokenMutations: 0, equalToValid: 0, signedClaims: 0, signedAccepted: 0, httpRequests: 0, httpAuthenticated: 0 };
/** Refusal reasons seen for mutated tokens (coverage information, printed at the end). */
const reasons: Record<string, number> = {};
const signedReasons: Record<string, number> = {};

// ---------------------------------------------------------------------------------------------
// Part 1: token mutations against the verifier
// ---------------------------------------------------------------------------------------------

const ISSUER = 'https://auth.example.com';

/**
 * RSA-2048 key pairs derived from a seed, so every token of Part 1 (RS256 PKCS#1 v1.5
 * signatures are deterministic) is byte-identical from run to run and a failure replays.
 * Test keys only: SHA-256 in counter mode as the byte source, Miller-Rabin for primality.
 */
function seededRsaKeyPair(seed: string): { privateKey: KeyObject; publicKeyPem: string } {
  let counter = 0;
  const randomBigInt = (bytes: number): bigint => {
    const chunks: Buffer[] = [];
    for (let n = 0; n < bytes; n += 32) chunks.push(createHash('sha256').update(`${seed}:${counter++}`).digest());
    return BigInt(`0x${Buffer.concat(chunks).subarray(0, bytes).toString('hex')}`);
  };
  const modPow = (base: bigint, exponent: bigint, modulus: bigint): bigint => {
    let result = 1n;
    base %= modulus;
    for (; exponent > 0n; exponent >>= 1n, base = (base * base) % modulus) if (exponent & 1n) result = (result * base) % modulus;
    return result;
  };
  const SMALL_PRIMES = [3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n, 67n, 71n, 73n, 79n, 83n, 89n, 97n];
  const isProbablePrime = (n: bigint): boolean => {
    if (SMALL_PRIMES.some((p) => n % p === 0n)) return false;
    let d = n - 1n;
    let r = 0;
    while ((d & 1n) === 0n) (d >>= 1n), r++;
    for (let round = 0; round < 16; round++) {
      const a = 2n + (randomBigInt(128) % (n - 4n));
      let x = modPow(a, d, n);
      if (x === 1n || x === n - 1n) continue;
      let composite = true;
      for (let i = 1; i < r && composite; i++) {
        x = (x * x) % n;
        if (x === n - 1n) composite = false;
      }
      if (composite) return false;
    }
    return true;
  };
  const e = 65537n;
  const prime = (): bigint => {
    for (;;) {
      // 1024 bits with the top two bits set (so p*q has 2048 bits), odd.
      const candidate = randomBigInt(128) | (3n << 1022n) | 1n;
      if ((candidate - 1n) % e !== 0n && isProbablePrime(candidate)) return candidate;
    }
  };
  const modInverse = (a: bigint, m: bigint): bigint => {
    let [oldR, r, oldS, s] = [a % m, m, 1n, 0n];
    while (r !== 0n) {
      const q = oldR / r;
      [oldR, r] = [r, oldR - q * r];
      [oldS, s] = [s, oldS - q * s];
    }
    return ((oldS % m) + m) % m;
  };
  let p = prime();
  let q = prime();
  if (p < q) [p, q] = [q, p];
  const d = modInverse(e, (p - 1n) * (q - 1n));
  const b64 = (n: bigint): string => {
    const hex = n.toString(16);
    return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
  };
  const jwk = { kty: 'RSA', n: b64(p * q), e: b64(e), d: b64(d), p: b64(p), q: b64(q), dp: b64(d % (p - 1n)), dq: b64(d % (q - 1n)), qi: b64(modInverse(q, p)) };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
}

const signer = seededRsaKeyPair(`propelauth-nestjs fuzz signer ${SEED}`);
const attacker = seededRsaKeyPair(`propelauth-nestjs fuzz attacker ${SEED}`);
/** Fixed times, valid now and for decades: the tokens do not depend on the clock. */
const IAT = 1_750_000_000;
const EXP = 4_000_000_000;

function makeVerifier(tokenCacheSize?: number): TokenVerifierService {
  return new TokenVerifierService(
    resolvePropelAuthOptions({
      authUrl: ISSUER,
      apiKey: 'test-api-key',
      manualTokenVerificationMetadata: { verifierKey: signer.publicKeyPem, issuer: ISSUER },
      tokenCacheSize,
    }),
  );
}

const ORG_A = '0f7e7a2c-1111-4a4a-9d9d-000000000001';
const ORG_B = '0f7e7a2c-2222-4a4a-9d9d-000000000002';
const orgEntry = (orgId: string, role: string) => ({
  org_id: orgId,
  org_name: `Org ${orgId.slice(-1)}`,
  url_safe_org_name: `org-${orgId.slice(-1)}`,
  user_role: role,
  inherited_user_roles_plus_current_role: [role, 'Member'],
  user_permissions: ['propelauth::can_invite'],
  org_role_structure: 'single_role_in_hierarchy',
  additional_roles: [],
});

function claimsFor(userId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: userId, user_id: userId, iat: IAT, exp: EXP, iss: ISSUER, email: `${userId}@example.com`, login_method: { login_method: 'password' }, ...extra };
}

const HEADER_KID1 = { alg: 'RS256', typ: 'JWT', kid: 'key-1' };
const HEADER_NO_KID = { alg: 'RS256', typ: 'JWT' };
const HEADER_KID2 = { typ: 'JWT', alg: 'RS256', kid: 'key-2' };

/** The valid tokens mutations start from: several users and three distinct headers (two share one). */
const VALID: Array<{ token: string; userId: string }> = [
  { userId: 'user-1', token: signRaw(HEADER_KID1, claimsFor('user-1', { org_id_to_org_member_info: { [ORG_A]: orgEntry(ORG_A, 'Owner') } }), signer.privateKey) },
  { userId: 'user-2', token: signRaw(HEADER_NO_KID, claimsFor('user-2', { org_member_info: orgEntry(ORG_B, 'Admin') }), signer.privateKey) },
  { userId: 'user-3', token: signRaw(HEADER_KID2, claimsFor('user-3', { org_id_to_org_member_info: {} }), signer.privateKey) },
  {
    userId: 'user-4',
    token: signRaw(HEADER_KID1, claimsFor('user-4', { org_id_to_org_member_info: { [ORG_A]: orgEntry(ORG_A, 'Member'), [ORG_B]: orgEntry(ORG_B, 'Admin') } }), signer.privateKey),
  },
];
const VALID_USER = new Map(VALID.map(({ token, userId }) => [token, userId]));

/** Segments may also be taken from tokens that are not valid: another key, expired, another issuer. */
const DONORS: string[] = [
  ...VALID.map((v) => v.token),
  signRaw(HEADER_KID1, claimsFor('admin', { org_id_to_org_member_info: { [ORG_A]: orgEntry(ORG_A, 'Owner') } }), attacker.privateKey),
  signRaw(HEADER_KID1, claimsFor('user-1', { exp: IAT + 1800 }), signer.privateKey),
  signRaw(HEADER_KID1, claimsFor('user-1', { iss: 'https://evil.example.com' }), signer.privateKey),
  signRaw({ alg: 'HS256', typ: 'JWT' }, claimsFor('user-1'), signer.privateKey),
];

type JsonEdit =
  | { op: 'set'; key: string; value: unknown }
  | { op: 'delete'; key: string }
  | { op: 'spaces' }
  | { op: 'duplicateKey'; key: string; value: unknown }
  | { op: 'raw'; text: string }
  | { op: 'wrap'; how: 'array' | 'string' | 'null' | 'number' };

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'replace'; at: number; char: string }
  | { kind: 'swapSegment'; donor: number; segment: number }
  | { kind: 'json'; segment: number; edit: JsonEdit }
  | { kind: 'pad'; text: string; where: 'end' | 'segment' }
  | { kind: 'case'; mode: 'upper' | 'lower' | 'swap'; from: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate'; segment: number; to: number }
  | { kind: 'reencode'; segment: number; encoding: 'base64' | 'base64pad' | 'base64urlpad' | 'latin1Hex' };

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INTERESTING_KEYS = [
  'alg', 'typ', 'kid', 'crit', 'b64', 'jku', 'jwk', 'x5u', 'cty', 'enc', 'zip',
  'user_id', 'sub', 'exp', 'iat', 'nbf', 'iss', 'aud', 'email', 'org_id_to_org_member_info', 'org_member_info',
  'login_method', 'properties', 'metadata', 'impersonator_user_id', '__proto__', 'constructor', 'toString', '',
];
const INTERESTING_VALUES: unknown[] = [
  'none', 'None', 'RS256', 'HS256', 'rs256', 'JWT', 'jwt', 'at+jwt', ['b64'], false, true, null, 0, -1, 1e308,
  4_000_000_000, '4000000000', ISSUER, `${ISSUER}/`, 'https://evil.example.com', 'admin', {}, [], { alg: 'none' },
];

const anyChar = fc.oneof(
  fc.constantFrom(...B64URL.split('')),
  fc.constantFrom('.', '=', '+', '/', ' ', '\t', '\n', '\u0000', '%', ',', 'é', '\u00ff', '\u0100', '\ud83d\ude00', '\ud800', '\u0130', '\u212a'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const jsonValue = fc.oneof(fc.constantFrom(...INTERESTING_VALUES), fc.jsonValue({ maxDepth: 2 }));
const jsonKey = fc.oneof(fc.constantFrom(...INTERESTING_KEYS), fc.string({ maxLength: 8 }));

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), key: jsonKey, value: jsonValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...INTERESTING_KEYS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('spaces' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicateKey' as const), key: fc.constantFrom(...INTERESTING_KEYS), value: jsonValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('raw' as const), text: fc.string({ unit: 'binary', maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), how: fc.constantFrom('array' as const, 'string' as const, 'null' as const, 'number' as const) }) },
);

const position = fc.nat({ max: 4000 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // Character level: anywhere in the token, dots included.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, text: fc.oneof(anyChar, fc.string({ maxLength: 4 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: position, char: anyChar }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('pad' as const), text: fc.constantFrom('=', '==', '===', '.', '..', ' ', '\n', '%3D', 'A', 'AA', 'AAA', 'AAAA'), where: fc.constantFrom('end' as const, 'segment' as const) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('case' as const), mode: fc.constantFrom('upper' as const, 'lower' as const, 'swap' as const), from: position, length: fc.integer({ min: 1, max: 2000 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
  // Structural: whole segments, and JSON edits that keep the original signature.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('swapSegment' as const), donor: fc.nat({ max: DONORS.length - 1 }), segment: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('json' as const), segment: fc.integer({ min: 0, max: 1 }), edit: jsonEdit }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), segment: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 0, max: 3 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reencode' as const),
      segment: fc.integer({ min: 0, max: 2 }),
      encoding: fc.constantFrom('base64' as const, 'base64pad' as const, 'base64urlpad' as const, 'latin1Hex' as const),
    }),
  },
);

/** Splits on the first two dots (what a verifier would do); a missing part is ''. */
function segmentsOf(token: string): string[] {
  const parts = token.split('.');
  return parts.length >= 3 ? [parts[0], parts[1], parts.slice(2).join('.')] : [...parts, '', ''].slice(0, 3);
}

function editJson(segment: string, edit: JsonEdit): string {
  const text = Buffer.from(segment, 'base64url').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const object = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  let out: string;
  switch (edit.op) {
    case 'set':
      // defineProperty so that "__proto__" becomes a real own key in the JSON text.
      Object.defineProperty(object, edit.key, { value: edit.value, enumerable: true, configurable: true, writable: true });
      out = JSON.stringify(object);
      break;
    case 'delete':
      delete object[edit.key];
      out = JSON.stringify(object);
      break;
    case 'spaces':
      out = JSON.stringify(object, null, 1);
      break;
    case 'duplicateKey':
      // A second occurrence of a key: JSON.parse keeps the last one.
      out = text.replace(/}\s*$/, `,${JSON.stringify(edit.key)}:${JSON.stringify(edit.value) ?? 'null'}}`);
      break;
    case 'raw':
      out = edit.text;
      break;
    case 'wrap':
      out = edit.how === 'array' ? `[${text}]` : edit.how === 'string' ? JSON.stringify(text) : edit.how === 'null' ? 'null' : '42';
      break;
  }
  return b64url(out);
}

function applyMutation(token: string, m: Mutation): string {
  const at = (n: number) => (token.length === 0 ? 0 : n % (token.length + 1));
  switch (m.kind) {
    case 'flip': {
      if (token.length === 0) return token;
      const i = m.at % token.length;
      return token.slice(0, i) + String.fromCharCode(token.charCodeAt(i) ^ (1 << m.bit)) + token.slice(i + 1);
    }
    case 'insert':
      return token.slice(0, at(m.at)) + m.text + token.slice(at(m.at));
    case 'delete':
      return token.slice(0, at(m.at)) + token.slice(at(m.at) + m.count);
    case 'replace': {
      if (token.length === 0) return m.char;
      const i = m.at % token.length;
      return token.slice(0, i) + m.char + token.slice(i + 1);
    }
    case 'swapSegment': {
      const parts = segmentsOf(token);
      parts[m.segment] = segmentsOf(DONORS[m.donor])[m.segment];
      return parts.join('.');
    }
    case 'json': {
      const parts = segmentsOf(token);
      parts[m.segment] = editJson(parts[m.segment], m.edit);
      return parts.join('.');
    }
    case 'pad': {
      if (m.where === 'end') return token + m.text;
      const parts = segmentsOf(token);
      parts[m.text.length % 3] += m.text;
      return parts.join('.');
    }
    case 'case': {
      const from = at(m.from);
      const middle = token.slice(from, from + m.length);
      const changed =
        m.mode === 'upper'
          ? middle.toUpperCase()
          : m.mode === 'lower'
            ? middle.toLowerCase()
            : [...middle].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
      return token.slice(0, from) + changed + token.slice(from + m.length);
    }
    case 'truncate':
      return token.slice(0, at(m.at));
    case 'duplicate': {
      const parts = segmentsOf(token);
      parts.splice(m.to, 0, parts[m.segment]);
      return parts.join('.');
    }
    case 'reencode': {
      const parts = segmentsOf(token);
      const bytes = Buffer.from(parts[m.segment], 'base64url');
      parts[m.segment] =
        m.encoding === 'base64'
          ? bytes.toString('base64').replace(/=+$/, '')
          : m.encoding === 'base64pad'
            ? bytes.toString('base64')
            : m.encoding === 'base64urlpad'
              ? bytes.toString('base64url') + '='.repeat((4 - (bytes.toString('base64url').length % 4)) % 4)
              : bytes.toString('hex');
      return parts.join('.');
    }
  }
}

/** A JSON object given as its entries, so that keys such as "__proto__" are written as they are. */
class OrderedObject {
  constructor(readonly entries: ReadonlyArray<readonly [string, unknown]>) {}
}

type Outcome = { accepted: true; userId: string } | { accepted: false; error: unknown };
function outcome(fn: () => User): Outcome {
  try {
    return { accepted: true, userId: fn().userId };
  } catch (error) {
    return { accepted: false, error };
  }
}

/** Why an outcome breaks the "refused with a TokenVerificationError" rule, or undefined. */
function refusalProblem(result: Outcome, input: string, where: string): string | undefined {
  if (result.accepted) {
    forgeries.push({ where, input });
    return `${where}: accepted as ${result.userId}`;
  }
  const error = result.error;
  if (!(error instanceof TokenVerificationError)) {
    return `${where}: threw ${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message}`;
  }
  if (where === 'uncached verifier') reasons[error.reason] = (reasons[error.reason] ?? 0) + 1;
  if (error.status !== 401) return `${where}: status ${error.status}`;
  if (input.length > 20 && error.message.includes(input)) return `${where}: the message contains the token`;
  return undefined;
}

describe('token mutations against TokenVerifierService', () => {
  const cached = makeVerifier();
  const uncached = makeVerifier(0);

  beforeAll(() => {
    for (const { token, userId } of VALID) {
      expect(cached.verifyAccessToken(token).userId).toBe(userId);
      expect(uncached.verifyAccessToken(token).userId).toBe(userId);
    }
  });

  it(`refuses every mutated token with a TokenVerificationError (${TOKEN_MUTATION_RUNS} runs, seed ${SEED})`, () => {
    const property = fc.property(fc.nat({ max: VALID.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (base, mutations) => {
      const original = VALID[base];
      const mutated = mutations.reduce(applyMutation, original.token);
      counters.tokenMutations++;
      if (VALID_USER.has(mutated)) {
        // The mutations cancelled out (or swapped in a whole valid token): it must be accepted as that token.
        counters.equalToValid++;
        expect(cached.verifyAccessToken(mutated).userId).toBe(VALID_USER.get(mutated));
        expect(uncached.verifyAccessToken(mutated).userId).toBe(VALID_USER.get(mutated));
        return;
      }
      const problems = [
        refusalProblem(outcome(() => cached.verifyAccessToken(mutated)), mutated, 'cached verifier'),
        refusalProblem(outcome(() => uncached.verifyAccessToken(mutated)), mutated, 'uncached verifier'),
        refusalProblem(outcome(() => cached.verifyAuthorizationHeader(`Bearer ${mutated}`)), mutated, 'verifyAuthorizationHeader'),
      ].filter((p) => p !== undefined);
      expect(problems, `mutated token ${JSON.stringify(mutated)}`).toEqual([]);
      // A refused look-alike must not disturb the cache: the original still verifies.
      expect(cached.verifyAccessToken(original.token).userId).toBe(original.userId);
    });
    fc.assert(property, { seed: SEED, numRuns: TOKEN_MUTATION_RUNS });
    expect(counters.tokenMutations).toBeGreaterThanOrEqual(TOKEN_MUTATION_RUNS);
  });

  it('refuses non-string and edge inputs with a TokenVerificationError', () => {
    const odd: unknown[] = [undefined, null, 0, 1, {}, [], ['a.b.c'], new String(VALID[0].token), Symbol.iterator, '', '.', '..', '...', 'a.b.c', 'A.A.A', 'AA.AA.AA'];
    for (const input of odd) {
      const result = outcome(() => uncached.verifyAccessToken(input as string));
      expect(refusalProblem(result, String(typeof input === 'symbol' ? 'symbol' : input), `odd input ${typeof input}`)).toBeUndefined();
    }
  });

  // Not a forgery test (only the issuer can sign): correctly signed tokens whose header and
  // claims are random must still give a User or a TokenVerificationError, never a TypeError or
  // a RangeError. Each field is mostly well formed, so that a good share is accepted.
  it(`signed tokens with random headers and claims give a User or a TokenVerificationError (${SIGNED_CLAIMS_RUNS} runs, seed ${SEED})`, () => {
    const mostly = <T,>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 30, arbitrary: good }, { weight: 1, arbitrary: jsonValue });
    const strings = fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 });
    const wireOrg = (orgId: fc.Arbitrary<unknown>) =>
      fc.record(
        {
          org_id: orgId,
          org_name: mostly(fc.string({ maxLength: 6 })),
          url_safe_org_name: mostly(fc.string({ maxLength: 6 })),
          user_role: mostly(fc.constantFrom('Owner', 'Admin', 'Member', '')),
          inherited_user_roles_plus_current_role: mostly(strings),
          user_permissions: mostly(strings),
          additional_roles: mostly(strings),
          org_role_structure: mostly(fc.constantFrom('single_role_in_hierarchy', 'multi_role')),
          org_metadata: mostly(fc.dictionary(jsonKey, jsonValue, { maxKeys: 3 })),
          legacy_org_id: mostly(fc.string({ maxLength: 4 })),
        },
        { requiredKeys: ['org_id', 'user_role'] },
      );
    const orgMap = fc
      .uniqueArray(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(ORG_A, ORG_B) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', '') }, { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 4 }) }), { maxLength: 3 })
      .chain((ids) => fc.tuple(...ids.map((id) => wireOrg(mostly(fc.constant(id))).map((org) => [id, org] as const))))
      .map((entries) => new OrderedObject(entries));
    const claimsArb = fc.record(
      {
        sub: mostly(fc.constant('user-x')),
        user_id: mostly(fc.oneof({ weight: 8, arbitrary: fc.constant('user-x') }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', '') })),
        email: mostly(fc.string({ maxLength: 8 })),
        first_name: mostly(fc.string({ maxLength: 5 })),
        last_name: mostly(fc.string({ maxLength: 5 })),
        username: mostly(fc.string({ maxLength: 5 })),
        properties: mostly(fc.dictionary(jsonKey, jsonValue, { maxKeys: 3 })),
        metadata: mostly(fc.dictionary(jsonKey, jsonValue, { maxKeys: 3 })),
        legacy_user_id: mostly(fc.string({ maxLength: 4 })),
        impersonator_user_id: mostly(fc.string({ maxLength: 4 })),
        login_method: mostly(
          fc.record({ login_method: mostly(fc.constantFrom('password', 'social_sso', 'saml_sso', 'magic_link', 'x')), provider: jsonValue, org_id: jsonValue }, { requiredKeys: ['login_method'] }),
        ),
        org_id_to_org_member_info: fc.oneof({ weight: 6, arbitrary: orgMap }, { weight: 1, arbitrary: jsonValue }),
        org_member_info: fc.oneof({ weight: 2, arbitrary: wireOrg(mostly(fc.constantFrom(ORG_A, ORG_A, ORG_A, ''))) }, { weight: 1, arbitrary: jsonValue }),
        exp: fc.oneof({ weight: 8, arbitrary: fc.constant(EXP) }, { weight: 1, arbitrary: fc.constantFrom(IAT, 1e308, -1, 0) }, { weight: 1, arbitrary: jsonValue }),
        nbf: mostly(fc.constant(IAT)),
        iat: mostly(fc.constant(IAT)),
        iss: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(ISSUER, `${ISSUER}/`, `${ISSUER}//`) }, { weight: 1, arbitrary: jsonValue }),
      },
      { requiredKeys: ['user_id', 'exp', 'iss'] },
    );
    const headerArb = fc.oneof(
      { weight: 6, arbitrary: fc.constant(HEADER_KID1) },
      {
        weight: 1,
        arbitrary: fc.record(
          { alg: mostly(fc.constantFrom('RS256', 'none', 'HS256', 'RS512')), typ: mostly(fc.constantFrom('JWT', 'jwt', 'at+jwt')), kid: jsonValue, crit: jsonValue, b64: jsonValue, jku: jsonValue, x5c: jsonValue },
          { requiredKeys: ['alg'] },
        ),
      },
    );
    /** JSON text built by hand, so that "__proto__" keys stay own keys of the signed JSON. */
    const toJson = (value: unknown): string => {
      if (value instanceof OrderedObject) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
      if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
      }
      return JSON.stringify(value) ?? 'null';
    };
    const verifier = makeVerifier();
    const property = fc.property(headerArb, claimsArb, (header, claims) => {
      counters.signedClaims++;
      const json = toJson(claims);
      const token = signRaw(toJson(header), json, signer.privateKey);
      const result = outcome(() => verifier.verifyAccessToken(token));
      if (result.accepted) {
        counters.signedAccepted++;
        const user = verifier.verifyAccessToken(token); // a cache hit now: the same frozen User
        expect(Object.isFrozen(user) && Object.isFrozen(user.orgIdToOrgMemberInfo)).toBe(true);
        expect(Object.getPrototypeOf(user.orgIdToOrgMemberInfo)).toBe(null);
        return;
      }
      const error = result.error;
      if (error instanceof TokenVerificationError) signedReasons[error.reason] = (signedReasons[error.reason] ?? 0) + 1;
      expect(error, `header ${toJson(header)} claims ${json}: ${(error as Error)?.name} ${(error as Error)?.message}`).toBeInstanceOf(TokenVerificationError);
      expect((error as TokenVerificationError).status).toBe(401);
    });
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).join();
    fc.assert(property, { seed: SEED, numRuns: SIGNED_CLAIMS_RUNS });
    // "__proto__" / "constructor" claims polluted nothing.
    expect(Object.getOwnPropertyNames(Object.prototype).join()).toBe(prototypeKeys);
    expect(({} as Record<string, unknown>).org_id).toBeUndefined();
  });

  it('a signed token with claims nested as deep as the size cap allows gives a User, not a RangeError', () => {
    const depth = 4000;
    const json = `{"user_id":"deep","exp":${EXP},"iss":"${ISSUER}","properties":{"a":${'['.repeat(depth)}${']'.repeat(depth)}},"metadata":{"b":${'{"c":'.repeat(300)}1${'}'.repeat(300)}}}`;
    const token = signRaw(HEADER_KID1, json, signer.privateKey);
    expect(token.length).toBeLessThanOrEqual(16 * 1024);
    const result = outcome(() => makeVerifier().verifyAccessToken(token));
    expect(result.accepted ? result.userId : (result.error as Error).name).toBe('deep');
  });
});

// ---------------------------------------------------------------------------------------------
// Part 2: Authorization header values over HTTP, both adapters
// ---------------------------------------------------------------------------------------------

@Controller('fuzz')
class FuzzController {
  @Get('required')
  @UseGuards(RequireUserGuard)
  required(@CurrentUser() user: User) {
    return { userId: user.userId };
  }

  @Get('optional')
  @UseGuards(OptionalUserGuard)
  optional(@CurrentUser() user?: User) {
    return { userId: user?.userId ?? null };
  }
}

/** What node:http lets a client send in a header value: HTAB, SP..~ and obs-text (0x80-0xff), no CR/LF/NUL. */
const headerChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\t', ' ', '.', ',', '=') },
);
const headerText = (maxLength: number) => fc.string({ unit: headerChar, maxLength });
const sendable = (value: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(value);

interface HeaderCase {
  /** The Authorization header values to send: none, one, or two (a repeated header). */
  values: string[];
  name: string;
  query: string;
}

/** Independent oracle: the user a request must authenticate as, or undefined. */
function expectedUser(value: string, users: Map<string, string>): string | undefined {
  // The HTTP parser drops leading and trailing optional whitespace (SP / HTAB) of a field value.
  const trimmed = value.replace(/^[\t ]+|[\t ]+$/g, '');
  const match = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([^ ].*)$/s.exec(trimmed);
  return match ? users.get(match[1]) : undefined;
}
function tokenInUrl(query: string): boolean {
  return query.startsWith('?') && new URLSearchParams(query.slice(1)).has('access_token');
}

describe.each(ADAPTERS)('Authorization header fuzzing over HTTP (%s)', (adapter) => {
  let emulator: PropelAuthEmulator;
  let running: RunningApp;
  const users = new Map<string, string>();
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
    running = await startApp(adapter, { imports: [PropelAuthModule.forRoot(emulator.moduleOptions())], controllers: [FuzzController] });
    for (const userId of ['fuzz-owner', 'fuzz-member', 'fuzz-active']) {
      tokens[userId] = emulator.mintAccessToken({
        userId,
        orgs: [{ orgId: ORG_A, role: userId === 'fuzz-owner' ? 'Owner' : 'Member' }, { orgId: ORG_B, role: 'Admin' }],
        activeOrgId: userId === 'fuzz-active' ? ORG_B : undefined,
      });
      users.set(tokens[userId], userId);
    }
    tokens.expired = emulator.mintAccessToken({ userId: 'fuzz-owner', expiresInSeconds: -10 });
    tokens.forged = signRaw({ alg: 'RS256', typ: 'JWT' }, { user_id: 'fuzz-owner', iss: emulator.authUrl, exp: 4_000_000_000 }, attacker.privateKey);
    tokens.otherIssuer = emulator.mintAccessToken({ userId: 'fuzz-owner', claims: { iss: 'https://evil.example.com' } });
  });

  afterAll(async () => {
    await running?.close();
    await emulator?.stop();
  });

  it(`gives a user only for an exact Bearer header with a valid token (${HTTP_RUNS} runs x 2 routes, seed ${SEED})`, async () => {
    const validTokens = () => [...users.keys()];
    const anyToken = fc.oneof(
      { weight: 4, arbitrary: fc.nat({ max: 2 }).map((i) => validTokens()[i]) },
      { weight: 1, arbitrary: fc.constantFrom('expired', 'forged', 'otherIssuer').map((k) => tokens[k]) },
      { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 2 }), mutation).map(([i, m]) => applyMutation(validTokens()[i], m)).filter(sendable) },
      { weight: 1, arbitrary: fc.array(fc.string({ unit: fc.constantFrom(...B64URL.split('')), minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }).map((p) => p.join('.')) },
      { weight: 1, arbitrary: headerText(60) },
    );
    const scheme = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('Bearer', 'bearer', 'BEARER', 'BeArEr', 'bEARER') },
      { weight: 2, arbitrary: fc.constantFrom('', 'Bearer:', 'Bearer=', 'Bearer,', 'Basic', 'Token', 'JWT', 'Bearerx', 'Bear', 'Beare', 'Bearer\u00a0', 'B\u00e9arer', 'Bearer Bearer', 'DPoP') },
      { weight: 1, arbitrary: headerText(8) },
    );
    const spacing = fc.oneof({ weight: 4, arbitrary: fc.constant(' ') }, { weight: 2, arbitrary: fc.constantFrom('', '  ', '   ', '\t', ' \t', '\t ', ' , ', '\u00a0', '%20') });
    const affix = fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(' ', '  ', '\t', ',', '.', '=', ';', ', Bearer x', ' x', '"') }, { weight: 1, arbitrary: headerText(6) });
    const structured = fc.tuple(affix, scheme, spacing, anyToken, affix).map(([prefix, s, sp, t, suffix]) => prefix + s + sp + t + suffix);
    const unstructured = fc.oneof(headerText(80), fc.string({ unit: 'binary', maxLength: 40 }).filter(sendable), fc.string({ unit: 'grapheme-ascii', maxLength: 40 }));
    const value = fc.oneof({ weight: 5, arbitrary: structured }, { weight: 2, arbitrary: unstructured });
    const headerCase: fc.Arbitrary<HeaderCase> = fc.record({
      values: fc.oneof({ weight: 1, arbitrary: fc.constant<string[]>([]) }, { weight: 10, arbitrary: value.map((v) => [v]) }, { weight: 1, arbitrary: fc.array(value, { minLength: 2, maxLength: 2 }) }),
      name: fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION', 'AuThOrIzAtIoN'),
      query: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('?x=1', '?access_token=abc', '?a=1&access_token=', '?note=access_token', '?access_token', '?access_token_hint=1') }),
    });

    const property = fc.asyncProperty(headerCase, async ({ values, name, query }) => {
      const headers = values.map((v): [string, string] => [name, v]);
      // Node joins nothing for Authorization: with two headers the request is refused whatever they hold.
      const user = values.length === 1 ? expectedUser(values[0], users) : undefined;
      const ambiguous = tokenInUrl(query) && values.length > 0;
      const secrets = [...users.keys(), tokens.expired, tokens.forged].map((t) => t.slice(-40));
      for (const value of values) {
        const sent = value.replace(/^[\t ]+|[\t ]+$/g, '');
        if (sent.length >= 20) secrets.push(sent);
      }
      for (const route of ['required', 'optional'] as const) {
        counters.httpRequests++;
        const response = await get(`${running.url}/fuzz/${route}${query}`, headers);
        const context = `${adapter} ${route} ${JSON.stringify({ values, name, query })}: ${response.status} ${response.text}`;
        expect(response.status, context).toBeLessThan(500);
        for (const secret of secrets) {
          expect(response.text.includes(secret), `${context}: the body contains a token`).toBe(false);
          expect(String(response.headers['www-authenticate'] ?? '').includes(secret), `${context}: WWW-Authenticate contains a token`).toBe(false);
        }
        const expectedStatus = ambiguous ? 400 : user !== undefined || route === 'optional' ? 200 : 401;
        if (response.status === 200 && response.json?.userId && response.json.userId !== user) {
          forgeries.push({ where: `${adapter} ${route}`, input: JSON.stringify(values) });
        }
        expect(response.status, context).toBe(expectedStatus);
        if (expectedStatus === 200) expect(response.json, context).toEqual({ userId: user ?? null });
        if (user !== undefined && route === 'required') counters.httpAuthenticated++;
      }
    });
    // Hand-written cases first (fast-check runs them before the generated ones), for the edges
    // of the oracle: scheme case, several spaces, optional whitespace the HTTP parser drops.
    const [t] = validTokens();
    const one = (value: string, query = ''): [HeaderCase] => [{ values: [value], name: 'Authorization', query }];
    const examples: Array<[HeaderCase]> = [
      one(`Bearer ${t}`),
      one(`bEaReR    ${t}`),
      one(` \tBearer ${t}\t `),
      one(`Bearer\t${t}`),
      one(`Bearer ${t} x`),
      one(`Bearer ${t},`),
      one(`Bearer ${t}`, '?access_token=x'),
      one(`Bearer ${tokens.expired}`),
      one(''),
      [{ values: [`Bearer ${t}`, `Bearer ${t}`], name: 'authorization', query: '' }],
      [{ values: [], name: 'Authorization', query: '?access_token=x' }],
    ];
    await fc.assert(property, { seed: SEED, numRuns: HTTP_RUNS, examples });
  });
});

describe('overall', () => {
  it('accepted zero forgeries across all properties', () => {
    expect(forgeries).toEqual([]);
    expect(counters.tokenMutations).toBeGreaterThanOrEqual(TOKEN_MUTATION_RUNS);
    console.log(`fuzz counters: ${JSON.stringify(counters)}, refusal reasons: ${JSON.stringify(reasons)}, signed-claims refusals: ${JSON.stringify(signedReasons)}, forgeries: ${forgeries.length}`);
  });
});
