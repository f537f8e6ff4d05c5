import 'reflect-metadata';
import { Controller, Get, Post, Req, UseGuards } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CurrentOrg,
  CurrentUser,
  OrgAccessDeniedError,
  PropelAuthModule,
  RequireOrgMember,
  RequireOrgRole,
  RequirePermission,
  RequireUserGuard,
  TokenVerificationError,
  TokenVerifierService,
  User,
  type OrgAccessRequirement,
  type OrgMemberInfo,
  type TokenErrorReason,
} from '../../lib';
import { resolvePropelAuthOptions } from '../../lib/module/propelauth-options';
import { PropelAuthEmulator } from '../../lib/testing';
import { IAT_FUTURE_ALLOWANCE_SECONDS, MAX_TOKEN_LENGTH } from '../../lib/verification/access-token';
import { ADAPTERS, startApp, type RunningApp } from '../support/apps';
import { bearer, get, type HttpResult } from '../support/http';
import { b64url, nowSeconds, rejection, rsaKeyPair, signHs256WithPublicKey, signRaw } from '../support/tokens';

// The attack-case checklist of shared/reference/jwt-perf-security.md §5, groups A–E: one named
// test per case (so a removed protection fails by number), which is why this file is long.
// Every case is one test, named after its number. Each checks the verifier (TokenVerifierService,
// asserting the exact refusal reason) and, where a token or header is involved, a real app on
// the adapter of the enclosing describe (status, WWW-Authenticate, and a body without the token).
// #20 (Wycheproof) is in wycheproof.spec.ts.

const ISSUER = 'https://auth.example.com';
const API_KEY = 'test-api-key';
const ORG = '0f7e7a2c-1111-4a4a-9d9d-000000000001';
const signer = rsaKeyPair();
const attacker = rsaKeyPair();
const HEADER = { alg: 'RS256', typ: 'JWT', kid: 'key-1' };
const INVALID_TOKEN = 'Bearer error="invalid_token"';
const INVALID_REQUEST = 'Bearer error="invalid_request"';
/** A fixed clock for the time-claim cases (2030-03-17), in ms and in s. */
const FIXED_NOW_MS = 1_900_000_000_000;
const T = FIXED_NOW_MS / 1000;
/** Names that a plain bracket lookup would find on any object. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];
const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// ---------------------------------------------------------------------------------------------
// Tokens

function ownerOrg(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    org_id: ORG,
    org_name: 'Acme',
    url_safe_org_name: 'acme',
    user_role: 'Owner',
    inherited_user_roles_plus_current_role: ['Owner', 'Admin', 'Member'],
    user_permissions: ['can_view_billing'],
    ...overrides,
  };
}

/** PropelAuth-shaped claims; `undefined` removes a claim. `iat` is the (possibly fake) clock's now. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowSeconds();
  const base: Record<string, unknown> = {
    sub: 'user-1',
    user_id: 'user-1',
    iat,
    exp: iat + 1800,
    iss: ISSUER,
    email: 'a@example.com',
    org_id_to_org_member_info: { [ORG]: ownerOrg() },
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[key];
    else base[key] = value;
  }
  return base;
}

/** Claims as JSON text with `extra` raw members appended (duplicates, `__proto__`, …). */
function claimsJson(extra: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(claims(overrides)).replace(/}$/, `,${extra}}`);
}

const token = (overrides?: Record<string, unknown>, header: Record<string, unknown> | string = HEADER) =>
  signRaw(header, claims(overrides), signer.privateKey);
const forged = (overrides?: Record<string, unknown>, header: Record<string, unknown> | string = HEADER) =>
  signRaw(header, claims(overrides), attacker.privateKey);

/** An HS256 (or other HMAC) token keyed with `secret`: the RS→HS confusion forgery. */
function hmacToken(secret: string | Buffer, payload: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  if (typeof secret === 'string' && header.alg === 'HS256' && header.typ === 'JWT' && Object.keys(header).length === 2) {
    return signHs256WithPublicKey(payload, secret);
  }
  const digest = header.alg === 'HS384' ? 'sha384' : header.alg === 'HS512' ? 'sha512' : 'sha256';
  const h = b64url(JSON.stringify(header));
  const p = b64url(JSON.stringify(payload));
  return `${h}.${p}.${b64url(createHmac(digest, secret).update(`${h}.${p}`).digest())}`;
}

function segments(value: string): [string, string, string] {
  const [h, p, s] = value.split('.');
  return [h, p, s];
}

/** The segment with the unused low bits of its last character set: decodes to the same bytes. */
function nonCanonical(segment: string): string {
  expect(segment.length % 4).not.toBe(0);
  const changed = segment.slice(0, -1) + B64URL_ALPHABET[B64URL_ALPHABET.indexOf(segment[segment.length - 1]) | 1];
  expect(changed).not.toBe(segment);
  expect(Buffer.from(changed, 'base64url')).toEqual(Buffer.from(segment, 'base64url'));
  return changed;
}

/**
 * A token whose three segments all have unused bits in their last character
 * (no segment length a multiple of 4), so each can be made non-canonical.
 */
function tokenWithUnusedBits(): string {
  for (let kid = 1; kid <= 3; kid++) {
    for (let pad = 0; pad <= 3; pad++) {
      const header = { ...HEADER, kid: 'k'.repeat(kid) };
      const value = token({ pad: 'p'.repeat(pad) }, header);
      if (segments(value).every((segment) => segment.length % 4 !== 0)) return value;
    }
  }
  throw new Error('no token with unused bits in every segment');
}

/**
 * A token of at most `maxLength` characters (and within 8 of it) whose header
 * segment is one deeply nested JSON value.
 */
function deeplyNestedHeaderToken(maxLength: number, shape: 'nested-in-object' | 'top-level-array' | 'unbalanced'): string {
  const payload = JSON.stringify(claims());
  const budget = maxLength - b64url(payload).length - 342 - 2; // 342: a 2048-bit signature
  const bytes = Math.floor((budget * 3) / 4);
  const prefix = '{"alg":"RS256","typ":"JWT","x":';
  let json: string;
  if (shape === 'nested-in-object') {
    const depth = Math.floor((bytes - prefix.length - 1) / 2);
    json = `${prefix}${'['.repeat(depth)}${']'.repeat(depth)}}`;
  } else if (shape === 'top-level-array') {
    const depth = Math.floor(bytes / 2);
    json = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  } else {
    json = `${prefix}${'['.repeat(bytes - prefix.length)}`;
  }
  const value = signRaw(json, payload, attacker.privateKey);
  expect(value.length).toBeLessThanOrEqual(maxLength);
  expect(value.length).toBeGreaterThan(maxLength - 8);
  return value;
}

/** A correctly signed token of exactly `length` characters (a `properties.blob` claim fills it). */
function signedTokenOfLength(length: number): string {
  for (let kid = 1; kid <= 4; kid++) {
    const header = { ...HEADER, kid: 'k'.repeat(kid) };
    const base = token({ properties: { blob: '' } }, header).length;
    for (let n = Math.floor(((length - base) * 3) / 4) - 3; n <= Math.floor(((length - base) * 3) / 4) + 3; n++) {
      if (n < 0) continue;
      const value = token({ properties: { blob: 'x'.repeat(n) } }, header);
      if (value.length === length) return value;
    }
  }
  throw new Error(`could not build a token of exactly ${length} characters`);
}

// ---------------------------------------------------------------------------------------------
// The verifier

function verifier(extra: { clockToleranceSeconds?: number; issuer?: string; verifierKey?: string; tokenCacheSize?: number } = {}): TokenVerifierService {
  return new TokenVerifierService(
    resolvePropelAuthOptions({
      authUrl: ISSUER,
      apiKey: API_KEY,
      manualTokenVerificationMetadata: { verifierKey: extra.verifierKey ?? signer.publicKeyPem, issuer: extra.issuer ?? ISSUER },
      clockToleranceSeconds: extra.clockToleranceSeconds,
      tokenCacheSize: extra.tokenCacheSize,
    }),
  );
}

/** The verifier refuses the raw token with exactly this reason, a 401, and a message without the token. */
function refused(value: string, reason: TokenErrorReason, service = verifier()): void {
  const error = rejection(() => service.verifyAccessToken(value));
  expect(error.reason, `reason for ${JSON.stringify(String(value).slice(0, 80))}`).toBe(reason);
  expect(error.status).toBe(401);
  if (typeof value === 'string' && value.length > 8) expect(error.message).not.toContain(value);
}

function accepted(value: string, service = verifier()): User {
  const user = service.verifyAccessToken(value);
  expect(user).toBeInstanceOf(User);
  return user;
}

/** The verifier refuses the Authorization header value with exactly this reason. */
function headerRefused(header: unknown, reason: TokenErrorReason, service = verifier()): void {
  const error = rejection(() => service.verifyAuthorizationHeader(header as string));
  expect(error.reason, `reason for header ${JSON.stringify(String(header).slice(0, 80))}`).toBe(reason);
  expect(error.status).toBe(401);
}

function orgDenied(header: string, org: { orgId?: string; orgName?: string }, requirement?: OrgAccessRequirement, service = verifier()): void {
  expect(() => service.verifyAuthorizationHeaderForOrg(header, org, requirement), `${JSON.stringify(org)} ${JSON.stringify(requirement)}`).toThrow(
    OrgAccessDeniedError,
  );
}

function prototypeSnapshot(): string[] {
  return [Object.prototype, Array.prototype, Function.prototype].map((proto) => Reflect.ownKeys(proto).map(String).sort().join(','));
}

function expectPrototypesUntouched(before: string[]): void {
  expect(prototypeSnapshot()).toEqual(before);
  const plain = {} as Record<string, unknown>;
  for (const name of ['isAdmin', 'polluted', 'alg', 'crit']) expect(plain[name], name).toBeUndefined();
}

// ---------------------------------------------------------------------------------------------
// The app

@Controller('api')
class ChecklistController {
  @Get('whoami')
  @UseGuards(RequireUserGuard)
  whoami(@CurrentUser() user: User) {
    const loose = user as unknown as Record<string, unknown>;
    return { userId: user.userId, isAdmin: loose.isAdmin ?? null, propertyIsAdmin: user.getUserProperty('isAdmin') ?? null };
  }

  @Post('whoami')
  @UseGuards(RequireUserGuard)
  whoamiByPost(@CurrentUser() user: User) {
    return { userId: user.userId };
  }

  /** Unguarded: whether the framework's query parser hands the app an access_token parameter. */
  @Get('query-probe')
  queryProbe(@Req() request: { query?: Record<string, unknown> }) {
    return { accessTokenInQuery: typeof request.query?.access_token === 'string' };
  }

  @Get('org/:orgId')
  @UseGuards(RequireUserGuard)
  @RequireOrgMember()
  org(@CurrentOrg() org: OrgMemberInfo) {
    return { orgId: org.orgId };
  }

  @Get('org/:orgId/billing')
  @UseGuards(RequireUserGuard)
  @RequirePermission('can_view_billing')
  billing() {
    return { ok: 'billing' };
  }

  @Get('org/:orgId/permission-constructor')
  @UseGuards(RequireUserGuard)
  @RequirePermission('constructor')
  permissionConstructor() {
    return { ok: 'unreachable' };
  }

  @Get('org/:orgId/permission-proto')
  @UseGuards(RequireUserGuard)
  @RequirePermission('__proto__')
  permissionProto() {
    return { ok: 'unreachable' };
  }

  @Get('org/:orgId/permission-to-string')
  @UseGuards(RequireUserGuard)
  @RequirePermission(['can_view_billing', 'toString'])
  permissionToString() {
    return { ok: 'unreachable' };
  }

  @Get('org/:orgId/role-constructor')
  @UseGuards(RequireUserGuard)
  @RequireOrgRole('constructor')
  roleConstructor() {
    return { ok: 'unreachable' };
  }

  @Get('org/:orgId/role-proto')
  @UseGuards(RequireUserGuard)
  @RequireOrgRole('__proto__')
  roleProto() {
    return { ok: 'unreachable' };
  }

  @Get('org/:orgId/exactly-has-own-property')
  @UseGuards(RequireUserGuard)
  @RequireOrgRole('hasOwnProperty', { exact: true })
  exactlyHasOwnProperty() {
    return { ok: 'unreachable' };
  }

  @Get('org-by-name/:orgName')
  @UseGuards(RequireUserGuard)
  @RequireOrgMember({ orgNameExtractor: (request: { params: Record<string, string> }) => request.params.orgName })
  orgByName(@CurrentOrg() org: OrgMemberInfo) {
    return { orgId: org.orgId };
  }
}

const moduleFor = (extra: { clockToleranceSeconds?: number } = {}) =>
  PropelAuthModule.forRoot({
    authUrl: ISSUER,
    apiKey: API_KEY,
    manualTokenVerificationMetadata: { verifierKey: signer.publicKeyPem, issuer: ISSUER },
    ...extra,
  });

/** The first status line of a raw HTTP/1.1 exchange, or why there was none. */
function rawStatus(url: string, request: string): Promise<number | string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let data = '';
    let settled = false;
    const settle = (outcome: number | string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(5000, () => settle('timeout'));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      if (status) settle(Number(status[1]));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => settle(`socket error ${error.code ?? error.message}`));
    socket.on('close', () => settle(data ? `closed after ${JSON.stringify(data.slice(0, 40))}` : 'closed without an answer'));
    socket.write(request);
  });
}

/** Not a success and not a server error: a 4xx, or a connection the server closed. */
function expectNeither200Nor5xx(outcome: number | string): void {
  if (typeof outcome === 'number') {
    expect(outcome).not.toBe(200);
    expect(outcome).toBeGreaterThanOrEqual(400);
    expect(outcome).toBeLessThan(500);
  } else {
    expect(outcome).toMatch(/socket error|closed|hang up/);
  }
}

// A server that counts every connection and request: a header URL must never be followed.
let trap: Server;
let trapUrl = '';
let trapConnections = 0;
let trapRequests = 0;
let emulator: PropelAuthEmulator;

beforeAll(async () => {
  trap = createServer((_request, response) => {
    trapRequests++;
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify({ keys: [{ ...attacker.publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' }] }));
  });
  trap.on('connection', () => trapConnections++);
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
  emulator = await new PropelAuthEmulator().start();
});

afterAll(async () => {
  await new Promise<void>((resolve) => (trap ? trap.close(() => resolve()) : resolve()));
  await emulator?.stop();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe.each(ADAPTERS)('JWT attack-case checklist, verifier and HTTP (%s)', (adapter) => {
  let running: RunningApp;
  let tolerant: RunningApp;
  let emulated: RunningApp;

  beforeAll(async () => {
    running = await startApp(adapter, { imports: [moduleFor()], controllers: [ChecklistController] });
    tolerant = await startApp(adapter, { imports: [moduleFor({ clockToleranceSeconds: 5 })], controllers: [ChecklistController] });
    emulated = await startApp(adapter, { imports: [PropelAuthModule.forRoot(emulator.moduleOptions())], controllers: [ChecklistController] });
  });

  afterAll(async () => {
    await running?.close();
    await tolerant?.close();
    await emulated?.close();
  });

  const call = (path: string, headers: Array<[string, string]> = [], app = running) => get(`${app.url}${path}`, headers);

  /** A 401 with the expected challenge, Nest's plain body, and nothing of the token. */
  function expect401(response: HttpResult, secret: string, challenge = INVALID_TOKEN, label = secret): void {
    const what = JSON.stringify(label.slice(0, 80));
    expect(response.status, `status for ${what}`).toBe(401);
    expect(response.headers['www-authenticate'], `WWW-Authenticate for ${what}`).toBe(challenge);
    expect(response.json, `body for ${what}`).toEqual({ statusCode: 401, message: 'Unauthorized' });
    expectNoEcho(response, secret);
  }

  function expectNoEcho(response: HttpResult, secret: string): void {
    if (secret.length > 8) {
      expect(response.text).not.toContain(secret);
      expect(response.text).not.toContain(secret.slice(-40));
    }
  }

  /** Each token, sent as `Authorization: Bearer <token>`, is answered 401 invalid_token. */
  async function httpRefuses(values: string[], options: { path?: string; app?: RunningApp } = {}): Promise<void> {
    for (const value of values) expect401(await call(options.path ?? '/api/whoami', bearer(value), options.app), value);
  }

  /** Each Authorization header value is answered 401 with the challenge. */
  async function httpRefusesHeaders(values: string[], challenge = INVALID_TOKEN, secret?: string): Promise<void> {
    for (const value of values) expect401(await call('/api/whoami', [['Authorization', value]]), secret ?? value, challenge, value);
  }

  async function httpAccepts(value: string, userId = 'user-1', app = running): Promise<HttpResult> {
    const response = await call('/api/whoami', bearer(value), app);
    expect(response.status, response.text).toBe(200);
    expect(response.json.userId).toBe(userId);
    return response;
  }

  /** Runs `fn` with only Date faked (the servers' own timers keep running). */
  async function atFixedTime(fn: () => Promise<void>, nowMs = FIXED_NOW_MS): Promise<void> {
    vi.useFakeTimers({ now: nowMs, toFake: ['Date'] });
    try {
      await fn();
    } finally {
      vi.useRealTimers();
    }
  }

  it('control: a valid RS256 token is accepted by the verifier and over HTTP', async () => {
    expect(accepted(token()).userId).toBe('user-1');
    await httpAccepts(token());
  });

  // -------------------------------------------------------------------------------------------
  describe('A. Header and algorithm', () => {
    it('A1: alg "none" with an empty signature (h.p.) is refused', async () => {
      const h = b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
      const p = b64url(JSON.stringify(claims()));
      refused(`${h}.${p}.`, 'malformed_token');
      refused(`${h}.${p}`, 'malformed_token');
      refused(`${h}.${p}.${b64url('x')}`, 'unsupported_algorithm');
      refused(token({}, { alg: 'none', typ: 'JWT' }), 'unsupported_algorithm'); // an RS256 signature under alg none
      await httpRefuses([`${h}.${p}.`, `${h}.${p}.${b64url('x')}`, token({}, { alg: 'none', typ: 'JWT' })]);
    });

    it('A2: alg "None", "NONE" and "nOnE" are refused', async () => {
      for (const alg of ['None', 'NONE', 'nOnE']) {
        const h = b64url(JSON.stringify({ alg, typ: 'JWT' }));
        const p = b64url(JSON.stringify(claims()));
        refused(`${h}.${p}.`, 'malformed_token');
        refused(token({}, { alg, typ: 'JWT' }), 'unsupported_algorithm');
        await httpRefuses([`${h}.${p}.`, token({}, { alg, typ: 'JWT' })]);
      }
    });

    it('A3: HS256 keyed with the SPKI PEM text is refused (the PEM exactly as fetched from the provider)', async () => {
      // The emulator app fetched its verifier key from the emulator's metadata endpoint at start-up.
      const metadata = emulator.tokenVerificationMetadata();
      const fromProvider = hmacToken(emulator.verifierKeyPem, claims({ iss: emulator.authUrl }));
      const [h, p, s] = segments(fromProvider);
      expect(Buffer.from(s, 'base64url')).toEqual(createHmac('sha256', metadata.verifierKey).update(`${h}.${p}`).digest()); // a correct HMAC
      refused(fromProvider, 'unsupported_algorithm', verifier({ verifierKey: metadata.verifierKey, issuer: metadata.issuer }));
      await httpRefuses([fromProvider], { app: emulated });
      const manual = hmacToken(signer.publicKeyPem, claims());
      refused(manual, 'unsupported_algorithm');
      await httpRefuses([manual]);
    });

    it('A4: HS256 keyed with every other form of the public key is refused (PKCS#1 PEM, whitespace/CRLF, BOM and zero-width prefixes, comment prefix, no trailing newline, DER, JWK)', async () => {
      const pem = signer.publicKeyPem;
      const jwk = signer.publicKey.export({ format: 'jwk' });
      const variants: Array<[string, string | Buffer]> = [
        ['the SPKI PEM', pem],
        ['the PKCS#1 PEM (BEGIN RSA PUBLIC KEY)', signer.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()],
        ['the PEM after a space', ` ${pem}`],
        ['the PEM after spaces, a tab and newlines', ` \t\n\n${pem}`],
        ['the PEM after a CRLF', `\r\n${pem}`],
        ['the PEM with CRLF line ends', pem.replace(/\n/g, '\r\n')],
        ['the PEM after a BOM', `\uFEFF${pem}`],
        ['the PEM after a zero-width space', `\u200B${pem}`],
        ['the PEM after a zero-width joiner', `\u200D${pem}`],
        ['the PEM after a NUL control character', `\u0000${pem}`],
        ['the PEM after a comment line', `# PropelAuth verifier key\n${pem}`],
        ['the PEM inside an HTTP response wrapper', `HTTP/1.1 200 OK\r\nContent-Type: application/x-pem-file\r\n\r\n${pem}`],
        ['the PEM inside a PGP-style wrapper', `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${pem}`],
        ['the PEM without its trailing newline', pem.trimEnd()],
        ['the PKCS#1 PEM without its trailing newline', signer.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString().trimEnd()],
        ['the SPKI DER bytes', signer.publicKey.export({ type: 'spki', format: 'der' })],
        ['the PKCS#1 DER bytes', signer.publicKey.export({ type: 'pkcs1', format: 'der' })],
        ['the JWK JSON', JSON.stringify(jwk)],
        ['the JWKS JSON', JSON.stringify({ keys: [{ ...jwk, kid: 'key-1', alg: 'RS256', use: 'sig' }] })],
        ['the modulus n (base64url)', String(jwk.n)],
        ['an empty key', ''],
      ];
      const forgeries: string[] = [];
      for (const [, secret] of variants) {
        for (const header of [{ alg: 'HS256', typ: 'JWT' }, { alg: 'HS256' }, { alg: 'HS384', typ: 'JWT' }, { alg: 'HS512', typ: 'JWT' }]) {
          forgeries.push(hmacToken(secret, claims(), header));
        }
      }
      for (const forgery of forgeries) refused(forgery, 'unsupported_algorithm');
      await httpRefuses(forgeries);
      expect(forgeries).toHaveLength(variants.length * 4);
    });

    it('A5: valid RS256 signature bytes under an alg of RS384, RS512, PS256, ES256 or EdDSA are refused (allowlist is exactly RS256)', async () => {
      const values: string[] = [];
      for (const alg of ['RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA', 'HS256']) {
        values.push(token({}, { ...HEADER, alg })); // signed with SHA-256 RSASSA-PKCS1-v1_5: valid RS256 bytes
      }
      values.push(signRaw({ ...HEADER, alg: 'RS384' }, claims(), signer.privateKey, 'sha384'));
      values.push(signRaw({ ...HEADER, alg: 'RS512' }, claims(), signer.privateKey, 'sha512'));
      for (const value of values) refused(value, 'unsupported_algorithm');
      await httpRefuses(values);
    });

    it('A6: alg missing, null, ["RS256"], "RS256 ", "rs256" (and other near-misses) is refused', async () => {
      const headers: Array<Record<string, unknown>> = [
        { typ: 'JWT' },
        { alg: null, typ: 'JWT' },
        { alg: ['RS256'], typ: 'JWT' },
        { alg: 'RS256 ', typ: 'JWT' },
        { alg: ' RS256', typ: 'JWT' },
        { alg: 'rs256', typ: 'JWT' },
        { alg: 'Rs256', typ: 'JWT' },
        { alg: 'RS256\u0000', typ: 'JWT' },
        { alg: '', typ: 'JWT' },
        { alg: 256, typ: 'JWT' },
        { alg: { name: 'RS256' }, typ: 'JWT' },
        { alg: true, typ: 'JWT' },
      ];
      const values = headers.map((header) => token({}, header));
      for (const value of values) refused(value, 'unsupported_algorithm');
      await httpRefuses(values);
    });

    it('A7: crit ["x"] (unknown extension), crit [] and a non-array crit are refused', async () => {
      const values = [
        token({}, { ...HEADER, crit: ['x'], x: 1 }),
        token({}, { ...HEADER, crit: ['exp'] }),
        token({}, { ...HEADER, crit: [] }),
        token({}, { ...HEADER, crit: 'x' }),
        token({}, { ...HEADER, crit: { x: true } }),
        token({}, { ...HEADER, crit: null }),
      ];
      for (const value of values) refused(value, 'unsupported_header');
      await httpRefuses(values);
    });

    it('A8: b64:false with crit ["b64"] (RFC 7797) is refused, as is any b64 member', async () => {
      const values = [
        token({}, { ...HEADER, b64: false, crit: ['b64'] }),
        token({}, { ...HEADER, b64: false }),
        token({}, { ...HEADER, b64: true }),
      ];
      for (const value of values) refused(value, 'unsupported_header');
      await httpRefuses(values);
    });

    it('A9: jku or x5u pointing at an attacker URL (token signed by the attacker key) is refused, with zero outbound requests', async () => {
      const fetchSpy = vi.spyOn(globalThis, 'fetch');
      const before = { connections: trapConnections, requests: trapRequests };
      const values = [
        forged({}, { ...HEADER, jku: `${trapUrl}/.well-known/jwks.json` }),
        forged({}, { ...HEADER, x5u: `${trapUrl}/cert.pem` }),
        forged({}, { ...HEADER, jku: `${trapUrl}/jwks`, x5u: `${trapUrl}/x5u`, kid: `${trapUrl}/kid` }),
      ];
      for (const value of values) refused(value, 'invalid_signature');
      await httpRefuses(values);
      await new Promise((resolve) => setTimeout(resolve, 100)); // room for any late, asynchronous fetch
      expect(fetchSpy).not.toHaveBeenCalled();
      expect({ connections: trapConnections, requests: trapRequests }).toEqual(before);
      expect(trapRequests).toBe(0);
    });

    it('A10: a jwk or x5c header embedding the attacker public key, signed with that key, is refused', async () => {
      const jwk = attacker.publicKey.export({ format: 'jwk' });
      const der = attacker.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
      const values = [
        forged({}, { ...HEADER, jwk }),
        forged({}, { ...HEADER, jwk: { ...jwk, kid: 'key-1', alg: 'RS256' } }),
        forged({}, { ...HEADER, x5c: [der] }),
        forged({}, { ...HEADER, jwk, x5c: [der], x5t: 'AAAA', 'x5t#S256': 'AAAA' }),
      ];
      for (const value of values) refused(value, 'invalid_signature');
      await httpRefuses(values);
    });

    it('A11: hostile kid values (path traversal, SQL, URL, 10 KB, non-string) are refused by the signature, with no lookup', async () => {
      const before = trapConnections;
      const kids: unknown[] = ['../../../../dev/null', "' OR 1=1--", `${trapUrl}/keys`, 'x'.repeat(10 * 1024), 123, null, {}, ['key-1'], ''];
      const values = kids.map((kid) => forged({}, { ...HEADER, kid }));
      for (const value of values) refused(value, 'invalid_signature');
      // The classic kid trick: HS256 keyed with the (empty) contents of /dev/null.
      const devNull = hmacToken('', claims(), { alg: 'HS256', typ: 'JWT', kid: '../../../../dev/null' });
      refused(devNull, 'unsupported_algorithm');
      await httpRefuses([...values, devNull]);
      // kid never selects a key: the one start-up key verifies, whatever the kid says.
      expect(accepted(token({}, { ...HEADER, kid: '../../../../dev/null' })).userId).toBe('user-1');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(trapConnections).toBe(before);
    });

    it('A12: typ absent or "JWT" in any case is accepted; any other typ is refused (unsupported_header)', async () => {
      const acceptedHeaders: Array<Record<string, unknown>> = [{ alg: 'RS256' }, { alg: 'RS256', typ: 'JWT' }, { alg: 'RS256', typ: 'jwt' }, { alg: 'RS256', typ: 'Jwt' }, { alg: 'RS256', typ: 'jWt' }];
      for (const header of acceptedHeaders) {
        expect(accepted(token({}, header)).userId).toBe('user-1');
        await httpAccepts(token({}, header));
      }
      const refusedTyps: unknown[] = ['at+jwt', 'at+JWT', 'JOSE', 'JWS', 'JWE', '', 'JWT ', ' JWT', 'application/jwt', 'ǰwt', 123, null, true, ['JWT'], { typ: 'JWT' }];
      const values = refusedTyps.map((typ) => token({}, { alg: 'RS256', typ }));
      for (const value of values) refused(value, 'unsupported_header');
      await httpRefuses(values);
    });

    it('A13: a header that is null, [], "x" or 123, or that carries __proto__/constructor members, is refused; Object.prototype is unchanged', async () => {
      const before = prototypeSnapshot();
      const notObjects = ['null', '[]', '"x"', '123', 'true', '[{"alg":"RS256"}]'].map((header) => signRaw(header, claims(), signer.privateKey));
      for (const value of notObjects) refused(value, 'malformed_token');
      // Prototype-named members, with a forged signature: refused by the signature, nothing polluted.
      const withMembers = [
        '{"alg":"RS256","typ":"JWT","__proto__":{"isAdmin":true,"alg":"none","polluted":1}}',
        '{"alg":"RS256","typ":"JWT","constructor":{"prototype":{"isAdmin":true,"polluted":1}}}',
        '{"alg":"RS256","typ":"JWT","__proto__":{"crit":["x"]},"constructor":{"prototype":{"polluted":1}}}',
      ].map((header) => signRaw(header, claims(), attacker.privateKey));
      for (const value of withMembers) refused(value, 'invalid_signature');
      // alg only under __proto__ is no alg at all, even correctly signed.
      const inheritedAlg = signRaw('{"__proto__":{"alg":"RS256"},"typ":"JWT"}', claims(), signer.privateKey);
      refused(inheritedAlg, 'unsupported_algorithm');
      await httpRefuses([...notObjects, ...withMembers, inheritedAlg]);
      expectPrototypesUntouched(before);
    });

    it('A14: a header of deeply nested JSON, up to the size cap, is refused and the call returns', async () => {
      const atCap = deeplyNestedHeaderToken(MAX_TOKEN_LENGTH, 'nested-in-object');
      refused(atCap, 'invalid_signature'); // parses (alg RS256, depth ~6,000), then the forged signature fails
      refused(deeplyNestedHeaderToken(MAX_TOKEN_LENGTH, 'top-level-array'), 'malformed_token');
      refused(deeplyNestedHeaderToken(MAX_TOKEN_LENGTH, 'unbalanced'), 'malformed_token');
      // Over HTTP, within Node's 16 KiB limit for all request headers.
      const overHttp = (['nested-in-object', 'top-level-array', 'unbalanced'] as const).map((shape) => deeplyNestedHeaderToken(15_000, shape));
      await httpRefuses(overHttp);
      await httpAccepts(token()); // the app is still alive
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('B. Signature', () => {
    it('B15: a changed payload (user_id, or an org role raised to Owner) with the original signature is refused', async () => {
      const original = token({ user_id: 'member-1', org_id_to_org_member_info: { [ORG]: ownerOrg({ user_role: 'Member', inherited_user_roles_plus_current_role: ['Member'], user_permissions: [] }) } });
      const [h, p, s] = segments(original);
      const text = Buffer.from(p, 'base64url').toString('utf8');
      const changed = [
        text.replace('"user_id":"member-1"', '"user_id":"admin"'),
        text.replace('"user_role":"Member"', '"user_role":"Owner"'),
        text.replace('"inherited_user_roles_plus_current_role":["Member"]', '"inherited_user_roles_plus_current_role":["Owner","Admin","Member"]'),
        text.replace(/"exp":\d+/, '"exp":4000000000'),
      ];
      const values = changed.map((payload) => {
        expect(payload).not.toBe(text);
        return `${h}.${b64url(payload)}.${s}`;
      });
      for (const value of values) refused(value, 'invalid_signature');
      await httpRefuses(values);
      await httpRefuses(values, { path: `/api/org/${ORG}/billing` });
    });

    it('B16: a changed header (a kid added or changed, typ dropped) with the original signature is refused', async () => {
      const original = token({}, { alg: 'RS256', typ: 'JWT' });
      const [, p, s] = segments(original);
      const values = [{ alg: 'RS256', typ: 'JWT', kid: 'key-2' }, { ...HEADER, kid: 'key-1' }, { alg: 'RS256' }, { typ: 'JWT', alg: 'RS256' }].map(
        (header) => `${b64url(JSON.stringify(header))}.${p}.${s}`,
      );
      for (const value of values) refused(value, 'invalid_signature');
      await httpRefuses(values);
    });

    it('B17: a signature made with a different RSA-2048 key is refused', async () => {
      const value = forged();
      refused(value, 'invalid_signature');
      await httpRefuses([value]);
    });

    it('B18: a signature segment transplanted from another valid token is refused', async () => {
      const [h, p] = segments(token({ user_id: 'victim' }));
      const values = [token({ user_id: 'attacker' }), token({}, { ...HEADER, kid: 'other' }), token({ exp: nowSeconds() + 60 })].map(
        (other) => `${h}.${p}.${segments(other)[2]}`,
      );
      for (const value of values) refused(value, 'invalid_signature');
      await httpRefuses(values);
    });

    it('B19: a signature truncated, with one bit flipped, empty, 255 or 257 bytes, all zeros, or equal to n is refused', async () => {
      const [h, p, s] = segments(token());
      const bytes = Buffer.from(s, 'base64url');
      expect(bytes).toHaveLength(256);
      const flipped = Buffer.from(bytes);
      flipped[100] ^= 0x01;
      const lastBitFlipped = Buffer.from(bytes);
      lastBitFlipped[255] ^= 0x80;
      const n = Buffer.from(String(signer.publicKey.export({ format: 'jwk' }).n), 'base64url');
      expect(n).toHaveLength(256);
      const signatures: Buffer[] = [
        bytes.subarray(0, 128),
        bytes.subarray(0, 255),
        Buffer.concat([bytes, Buffer.from([0])]),
        Buffer.concat([Buffer.from([0]), bytes]),
        flipped,
        lastBitFlipped,
        Buffer.alloc(256),
        Buffer.alloc(256, 0xff),
        n,
        Buffer.from([1]),
      ];
      const values = signatures.map((signature) => `${h}.${p}.${b64url(signature)}`);
      for (const value of values) refused(value, 'invalid_signature');
      refused(`${h}.${p}.`, 'malformed_token'); // empty
      await httpRefuses([...values, `${h}.${p}.`]);
    });

    // #20: wycheproof.spec.ts

    it('B21: a non-canonical base64url segment (unused low bits set) is refused, even after the canonical token was cached', async () => {
      const valid = tokenWithUnusedBits();
      const service = verifier();
      expect(accepted(valid, service).userId).toBe('user-1'); // now in the verified-token cache
      const [h, p, s] = segments(valid);
      const values = [`${nonCanonical(h)}.${p}.${s}`, `${h}.${nonCanonical(p)}.${s}`, `${h}.${p}.${nonCanonical(s)}`];
      for (const value of values) {
        refused(value, 'malformed_token', service);
        refused(value, 'malformed_token');
      }
      await httpAccepts(valid);
      await httpRefuses(values);
    });

    it('B22: "=" padding on any segment is refused', async () => {
      const [h, p, s] = segments(token());
      const values = [
        `${h}=.${p}.${s}`,
        `${h}.${p}=.${s}`,
        `${h}.${p}.${s}=`,
        `${h}.${p}.${s}==`,
        `${h}==.${p}==.${s}==`,
        `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}`, // standard padding
      ];
      expect(values[5].endsWith('=')).toBe(true);
      for (const value of values) refused(value, 'malformed_token');
      await httpRefuses([...values, `${h}.${p}.${s}%3D`]);
      refused(`${h}.${p}.${s}%3D`, 'malformed_token');
    });

    it('B23: a token with 1, 2, 4 or 5 segments (JWE compact) is refused', async () => {
      const [h, p, s] = segments(token());
      const values = [h, `${h}.${p}`, `${h}.${p}.${s}.${s}`, `${h}.${p}.${s}.`, `${h}.${p}.${s}.${p}.${s}`, `${h}..${p}.${s}`, `.${h}.${p}.${s}`];
      for (const value of values) refused(value, 'malformed_token');
      await httpRefuses(values);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('C. Encoding and parsing', () => {
    it('C24: standard-base64 characters "+" or "/" in any segment are refused', async () => {
      const valid = token();
      const [h, p, s] = segments(valid);
      const standard = valid.replace(/-/g, '+').replace(/_/g, '/');
      expect(standard).not.toBe(valid);
      const values = [`+${h.slice(1)}.${p}.${s}`, `${h}.${p.slice(0, 5)}/${p.slice(6)}.${s}`, `${h}.${p}.${s.slice(0, 10)}+${s.slice(11)}`, `${h}.${p}.${s.slice(0, 10)}/${s.slice(11)}`, standard];
      for (const value of values) refused(value, 'malformed_token');
      await httpRefuses(values);
    });

    it('C25: a space, tab or newline anywhere in the token, or percent-encoded dots, is refused', async () => {
      const valid = token();
      const dot = valid.indexOf('.');
      const verifierOnly = [` ${valid}`, `${valid} `, `${valid}\n`, `\n${valid}`, `${valid}\r\n`, `\t${valid}`];
      const inside = [
        `${valid.slice(0, dot + 1)} ${valid.slice(dot + 1)}`,
        `${valid.slice(0, 20)}\t${valid.slice(20)}`,
        `${valid.slice(0, 20)}\n${valid.slice(20)}`,
        `${valid.slice(0, 20)}\u00a0${valid.slice(20)}`,
        `${valid.slice(0, 20)}\u000b${valid.slice(20)}`,
        valid.replace(/\./g, '%2E'),
        valid.replace('.', '%2e'),
        valid.replace('.', '%252E'),
      ];
      for (const value of [...verifierOnly, ...inside]) refused(value, 'malformed_token');
      // Over HTTP: whatever Node lets a client send (no CR/LF or other control characters but tab).
      const sendable = inside.filter((value) => !/[\n\u000b]/.test(value));
      expect(sendable).toHaveLength(6);
      await httpRefuses(sendable);
    });

    it('C25 (also): a character beyond latin1 whose low byte is a base64url letter is refused in every segment, even after the real token was cached', () => {
      // U+0141 truncates to 0x41 ("A") in a latin1 or base64 decoder: a look-alike spelling of the same bytes.
      const valid = token();
      const service = verifier();
      expect(accepted(valid, service).userId).toBe('user-1');
      const [h, p, s] = segments(valid);
      const lookAlike = (segment: string): string => {
        const index = segment.search(/[A-Za-z0-9]/);
        return `${segment.slice(0, index)}${String.fromCharCode(0x100 + segment.charCodeAt(index))}${segment.slice(index + 1)}`;
      };
      const values = [`${lookAlike(h)}.${p}.${s}`, `${h}.${lookAlike(p)}.${s}`, `${h}.${p}.${lookAlike(s)}`];
      for (const value of values) {
        expect(Buffer.from(value, 'latin1').toString('latin1')).toBe(valid);
        refused(value, 'malformed_token', service);
        refused(value, 'malformed_token');
      }
    });

    it('C26: a header or payload that is not JSON, or JSON followed by trailing garbage, is refused', async () => {
      const payloads = ['not json', `${JSON.stringify(claims())}x`, `${JSON.stringify(claims())} {}`, JSON.stringify(claims()).slice(0, -1), "{'user_id':'u'}", '{"user_id":"user-1",}'];
      const headers = ['not json', '{"alg":"RS256","typ":"JWT"}x', '{"alg":"RS256"', "{'alg':'RS256'}", '{"alg":"RS256",}'];
      const values = [
        ...payloads.map((payload) => signRaw(HEADER, payload, signer.privateKey)),
        ...headers.map((header) => signRaw(header, claims(), signer.privateKey)),
      ];
      for (const value of values) refused(value, 'malformed_token');
      await httpRefuses(values);
    });

    it('C27: a correctly signed payload that is JSON but not an object (array, string, number, null, true) is refused', async () => {
      const values = ['[]', `[${JSON.stringify(claims())}]`, '"x"', '123', 'null', 'true', 'false'].map((payload) => signRaw(HEADER, payload, signer.privateKey));
      for (const value of values) refused(value, 'malformed_token');
      await httpRefuses(values);
    });

    it('C28: payload or header bytes that are invalid UTF-8 are refused', async () => {
      const withBytes = (json: string, marker: string, bytes: number[]): Buffer => {
        const buffer = Buffer.from(json);
        const index = buffer.indexOf(marker);
        expect(index).toBeGreaterThan(-1);
        return Buffer.concat([buffer.subarray(0, index), Buffer.from(bytes), buffer.subarray(index + marker.length)]);
      };
      const json = JSON.stringify(claims({ first_name: 'XX' }));
      const invalid = [
        [0xc3, 0x28], // a broken two-byte sequence
        [0xc0, 0xaf], // an overlong "/"
        [0xed, 0xa0, 0x80], // a UTF-16 surrogate
        [0xff],
        [0xe2, 0x82], // a truncated three-byte sequence
        [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
      ];
      const values = invalid.map((bytes) => signRaw(HEADER, withBytes(json, 'XX', bytes), signer.privateKey));
      const headerBytes = withBytes('{"alg":"RS256","typ":"JWT","kid":"XX"}', 'XX', [0xc3, 0x28]);
      const badHeader = `${b64url(headerBytes)}.${b64url(JSON.stringify(claims()))}.${b64url(Buffer.alloc(256))}`;
      for (const value of [...values, badHeader]) refused(value, 'malformed_token');
      await httpRefuses([...values, badHeader]);
    });

    it('C29: duplicate member names are last-wins (JSON.parse), pinned: {"iss":"evil","iss":"<good>"} is accepted and {"iss":"<good>","iss":"evil"} refused', async () => {
      const evilThenGood = signRaw(HEADER, claimsJson(`"iss":"https://evil.example.com","iss":"${ISSUER}"`, { iss: undefined }), signer.privateKey);
      const goodThenEvil = signRaw(HEADER, claimsJson(`"iss":"${ISSUER}","iss":"https://evil.example.com"`, { iss: undefined }), signer.privateKey);
      expect(accepted(evilThenGood).userId).toBe('user-1');
      refused(goodThenEvil, 'invalid_issuer');
      const twoUsers = signRaw(HEADER, claimsJson('"user_id":"first","user_id":"second"', { user_id: undefined }), signer.privateKey);
      expect(accepted(twoUsers).userId).toBe('second');
      const algNoneThenRs = signRaw('{"alg":"none","alg":"RS256","typ":"JWT"}', claims(), signer.privateKey);
      const algRsThenNone = signRaw('{"alg":"RS256","alg":"none","typ":"JWT"}', claims(), signer.privateKey);
      expect(accepted(algNoneThenRs).userId).toBe('user-1');
      refused(algRsThenNone, 'unsupported_algorithm');
      await httpAccepts(evilThenGood);
      await httpAccepts(twoUsers, 'second');
      await httpAccepts(algNoneThenRs);
      await httpRefuses([goodThenEvil, algRsThenNone]);
    });

    it('C30: signed __proto__, constructor and prototype claims give the user no inherited extras; Object.prototype is untouched', async () => {
      const before = prototypeSnapshot();
      const json = claimsJson(
        [
          '"__proto__":{"isAdmin":true,"polluted":1}',
          '"constructor":{"prototype":{"isAdmin":true,"polluted":1}}',
          '"prototype":{"isAdmin":true}',
          '"properties":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}}}',
          '"metadata":{"__proto__":{"isAdmin":true}}',
        ].join(','),
        { org_id_to_org_member_info: undefined, properties: undefined },
      ).replace(
        /}$/,
        `,"org_id_to_org_member_info":{"${ORG}":{"org_id":"${ORG}","org_name":"Acme","user_role":"Owner","user_permissions":["can_view_billing"],"org_metadata":{"__proto__":{"isAdmin":true}},"__proto__":{"isAdmin":true}}}}`,
      );
      const value = signRaw(HEADER, json, signer.privateKey);
      const user = accepted(value);
      const loose = user as unknown as Record<string, unknown>;
      expect(Object.getPrototypeOf(user)).toBe(User.prototype);
      expect(loose.isAdmin).toBeUndefined();
      expect(loose.polluted).toBeUndefined();
      expect((user.properties as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(user.getUserProperty('isAdmin')).toBeUndefined();
      expect((user.metadata as Record<string, unknown>).isAdmin).toBeUndefined();
      for (const name of PROTOTYPE_NAMES) expect(user.getOrg(name), name).toBeUndefined();
      const org = user.getOrg(ORG)!;
      expect((org as unknown as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(org.orgMetadata.isAdmin).toBeUndefined();
      expect({ ...user }).not.toHaveProperty('isAdmin');
      const response = await httpAccepts(value);
      expect(response.json).toEqual({ userId: 'user-1', isAdmin: null, propertyIsAdmin: null });
      for (const name of ['__proto__', 'constructor', 'prototype']) {
        const denied = await call(`/api/org/${name}`, bearer(value));
        expect(denied.status, name).toBe(403);
      }
      expect((await call(`/api/org/${ORG}`, bearer(value))).status).toBe(200);
      expectPrototypesUntouched(before);
    });

    it(`C31: a token longer than MAX_TOKEN_LENGTH (${MAX_TOKEN_LENGTH}) is refused with token_too_large before any decoding`, async () => {
      const parse = vi.spyOn(JSON, 'parse');
      const garbage = 'a'.repeat(1_000_000);
      refused(garbage, 'token_too_large');
      refused('!'.repeat(MAX_TOKEN_LENGTH + 1), 'token_too_large'); // the size comes before the charset
      refused(`${'a'.repeat(MAX_TOKEN_LENGTH)}.`, 'token_too_large');
      const justOver = signedTokenOfLength(MAX_TOKEN_LENGTH + 1);
      refused(justOver, 'token_too_large');
      expect(parse).not.toHaveBeenCalled();
      accepted(token({ user_id: 'spy-control' })); // control: the spy does see the verifier's parsing
      expect(parse).toHaveBeenCalled();
      parse.mockRestore();
      // The boundary: a correctly signed token of exactly the cap is verified.
      const atCap = signedTokenOfLength(MAX_TOKEN_LENGTH);
      expect(accepted(atCap).userId).toBe('user-1');
      // Over HTTP such tokens exceed Node's 16 KiB header limit: never a 200 or a 5xx.
      for (const value of [justOver, `${'a'.repeat(20_000)}`]) {
        expectNeither200Nor5xx(await call('/api/whoami', bearer(value)).then((r) => r.status, (e: Error) => `socket error ${e.message}`));
      }
    });

    it('C32: "", ".", "..", "null", "undefined" are refused', async () => {
      const values = ['', '.', '..', '...', 'null', 'undefined', 'NaN', '{}', 'a.b.c'];
      for (const value of values) refused(value, 'malformed_token');
      refused(null as unknown as string, 'malformed_token');
      refused(undefined as unknown as string, 'malformed_token');
      refused(42 as unknown as string, 'malformed_token');
      await httpRefusesHeaders(values.filter((value) => value !== '').map((value) => `Bearer ${value}`));
      await httpRefusesHeaders(['Bearer ']); // Node strips the trailing space: "Bearer" alone
      expect401(await call('/api/whoami', [['Authorization', '']]), '', 'Bearer'); // an empty header is no header
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('D. Claims', () => {
    it('D33: exp = now-1 and exp = now are refused (on or after exp); exp = now+60 is accepted (fake timers)', async () => {
      vi.useFakeTimers({ now: FIXED_NOW_MS });
      const at = (exp: number) => token({ iat: T - 600, exp });
      refused(at(T - 1), 'expired');
      refused(at(T), 'expired');
      refused(at(T - 0.001), 'expired');
      expect(accepted(at(T + 60)).userId).toBe('user-1');
      expect(accepted(at(T + 0.5)).userId).toBe('user-1');
      vi.setSystemTime(FIXED_NOW_MS + 60_000);
      refused(at(T + 60), 'expired');
      vi.useRealTimers();

      await atFixedTime(async () => {
        await httpRefuses([at(T - 1), at(T)]);
        await httpAccepts(at(T + 60));
        vi.setSystemTime(FIXED_NOW_MS + 60_000); // the cached verification must not outlive exp
        await httpRefuses([at(T + 60)]);
      });
    });

    it('D34: exp inside clockToleranceSeconds (5 s) is accepted, on or just outside it is refused; the default tolerance is 0', async () => {
      vi.useFakeTimers({ now: FIXED_NOW_MS });
      const at = (exp: number) => token({ iat: T - 600, exp });
      const lenient = verifier({ clockToleranceSeconds: 5 });
      expect(accepted(at(T - 4), lenient).userId).toBe('user-1');
      refused(at(T - 5), 'expired', lenient);
      refused(at(T - 6), 'expired', lenient);
      refused(at(T - 1), 'expired'); // default 0
      vi.useRealTimers();
      expect(resolvePropelAuthOptions({ authUrl: ISSUER, apiKey: API_KEY }).clockToleranceSeconds).toBe(0);

      await atFixedTime(async () => {
        await httpAccepts(at(T - 4), 'user-1', tolerant);
        await httpRefuses([at(T - 5), at(T - 6)], { app: tolerant });
        await httpRefuses([at(T - 4)]);
      });
    });

    it('D35: a token without exp is refused (missing_exp)', async () => {
      const value = token({ exp: undefined });
      refused(value, 'missing_exp');
      await httpRefuses([value]);
    });

    it('D36: exp as "9999999999", null, true or 1e400 (Infinity) is refused', async () => {
      const values = ['"9999999999"', 'null', 'true', '1e400', '-1e400', '[]', '{}', '[9999999999]'].map((exp) =>
        signRaw(HEADER, claimsJson(`"exp":${exp}`, { exp: undefined }), signer.privateKey),
      );
      for (const value of values) refused(value, 'invalid_claims');
      await httpRefuses(values);
    });

    it('D37: nbf = now+600 is refused, nbf inside the tolerance accepted, nbf not a number refused (fake timers)', async () => {
      vi.useFakeTimers({ now: FIXED_NOW_MS });
      const at = (nbf: unknown) => token({ iat: T - 10, exp: T + 1800, nbf });
      const lenient = verifier({ clockToleranceSeconds: 5 });
      refused(at(T + 600), 'not_yet_valid');
      refused(at(T + 1), 'not_yet_valid');
      expect(accepted(at(T)).userId).toBe('user-1');
      expect(accepted(at(T + 3), lenient).userId).toBe('user-1');
      expect(accepted(at(T + 5), lenient).userId).toBe('user-1');
      refused(at(T + 6), 'not_yet_valid', lenient);
      const notNumbers = ['soon', null, true, [T], String(T)].map(at);
      notNumbers.push(signRaw(HEADER, claimsJson('"nbf":1e400', { iat: T - 10, exp: T + 1800 }), signer.privateKey));
      for (const value of notNumbers) refused(value, 'invalid_claims');
      vi.useRealTimers();

      await atFixedTime(async () => {
        await httpRefuses([at(T + 600), at(T + 1), ...notNumbers]);
        await httpAccepts(at(T));
        await httpAccepts(at(T + 3), 'user-1', tolerant);
        await httpRefuses([at(T + 6)], { app: tolerant });
      });
    });

    it(`D38: iat = now+3600 is refused (issued_in_future: more than ${IAT_FUTURE_ALLOWANCE_SECONDS} s + tolerance ahead); iat not a number is refused; iat absent is accepted (fake timers)`, async () => {
      vi.useFakeTimers({ now: FIXED_NOW_MS });
      const at = (iat: unknown) => token({ iat, exp: T + 7200 });
      const lenient = verifier({ clockToleranceSeconds: 5 });
      refused(at(T + 3600), 'issued_in_future');
      refused(at(T + IAT_FUTURE_ALLOWANCE_SECONDS + 1), 'issued_in_future');
      expect(accepted(at(T + IAT_FUTURE_ALLOWANCE_SECONDS)).userId).toBe('user-1');
      expect(accepted(at(T + IAT_FUTURE_ALLOWANCE_SECONDS + 5), lenient).userId).toBe('user-1');
      refused(at(T + IAT_FUTURE_ALLOWANCE_SECONDS + 6), 'issued_in_future', lenient);
      expect(accepted(at(undefined)).userId).toBe('user-1');
      const notNumbers = ['0', null, true, [T], {}].map(at);
      notNumbers.push(signRaw(HEADER, claimsJson('"iat":1e400', { iat: undefined, exp: T + 7200 }), signer.privateKey));
      for (const value of notNumbers) refused(value, 'invalid_claims');
      vi.useRealTimers();

      await atFixedTime(async () => {
        await httpRefuses([at(T + 3600), at(T + IAT_FUTURE_ALLOWANCE_SECONDS + 1), ...notNumbers]);
        await httpAccepts(at(T + IAT_FUTURE_ALLOWANCE_SECONDS));
        await httpAccepts(at(undefined));
        await httpAccepts(at(T + IAT_FUTURE_ALLOWANCE_SECONDS + 5), 'user-1', tolerant);
      });
    });

    it('D39: iss must equal the issuer exactly (wrong, missing, case, scheme, port, path, array, null refused); a trailing slash is ACCEPTED (documented policy, unlike checklist #39)', async () => {
      const wrong: unknown[] = [
        'https://evil.example.com',
        'https://AUTH.example.com',
        'https://auth.example.COM',
        'HTTPS://auth.example.com',
        'http://auth.example.com',
        'https://auth.example.com:443',
        'https://auth.example.com:8443',
        'https://auth.example.com/path',
        'https://auth.example.com.evil.com',
        'https://evil.com/https://auth.example.com',
        'https://auth.example.com@evil.com',
        'https://authXexample.com', // would match if the issuer were used as a RegExp
        'https://auth.example.com?',
        'https://auth.example.com#',
        ' https://auth.example.com',
        'https://auth.example.com ',
        'https://auth.example.com\\',
        'auth.example.com',
        '',
        [ISSUER],
        null,
        123,
        { iss: ISSUER },
      ];
      const values = [...wrong.map((iss) => token({ iss })), token({ iss: undefined })];
      for (const value of values) refused(value, 'invalid_issuer');
      await httpRefuses(values);
      // Policy: trailing slashes are stripped on both sides before the exact comparison.
      for (const iss of [`${ISSUER}/`, `${ISSUER}//`]) {
        expect(accepted(token({ iss })).userId).toBe('user-1');
        await httpAccepts(token({ iss }));
      }
      expect(accepted(token(), verifier({ issuer: `${ISSUER}/` })).userId).toBe('user-1');
    });

    it.skip('D40: skipped, does not apply: PropelAuth access tokens carry no aud and the library has no audience option to configure', () => {});

    it('D41: user_id missing, empty or not a string is refused; sub is not read (the identity is user_id)', async () => {
      const values = [undefined, '', 42, null, true, ['user-1'], { id: 'user-1' }].map((userId) => token({ user_id: userId }));
      for (const value of values) refused(value, 'invalid_claims');
      await httpRefuses(values);
      // Documented: the user is user_id; sub is neither required nor compared.
      expect(accepted(token({ sub: 'admin' })).userId).toBe('user-1');
      expect(accepted(token({ sub: undefined })).userId).toBe('user-1');
      await httpAccepts(token({ sub: 'admin' }));
    });

    it("D42: a token signed by another project's key, or carrying another environment's issuer, is refused", async () => {
      const otherKey = forged();
      const otherEnvironment = token({ iss: 'https://auth.staging.example.com' });
      refused(otherKey, 'invalid_signature');
      refused(otherEnvironment, 'invalid_issuer');
      // Two real projects: the emulator's tokens are refused by this app, and this app's by the emulator's.
      const fromEmulator = emulator.mintAccessToken({ userId: 'user-1' });
      refused(fromEmulator, 'invalid_signature');
      const metadata = emulator.tokenVerificationMetadata();
      const emulatorVerifier = verifier({ verifierKey: metadata.verifierKey, issuer: metadata.issuer });
      expect(accepted(fromEmulator, emulatorVerifier).userId).toBe('user-1');
      refused(token({ iss: emulator.authUrl }), 'invalid_signature', emulatorVerifier);
      await httpRefuses([otherKey, otherEnvironment, fromEmulator]);
      await httpRefuses([token({ iss: emulator.authUrl }), token()], { app: emulated });
      await httpAccepts(fromEmulator, 'user-1', emulated);
    });

    it('D43: an attacker-chosen org id, org name, role or permission named after Object.prototype members (__proto__, constructor, toString, …) is a 403', async () => {
      const value = token();
      const header = `Bearer ${value}`;
      const service = verifier();
      expect(service.verifyAuthorizationHeaderForOrg(header, { orgId: ORG }, { permission: 'can_view_billing' }).orgMemberInfo.orgId).toBe(ORG);
      for (const name of PROTOTYPE_NAMES) {
        orgDenied(header, { orgId: name }, undefined, service);
        orgDenied(header, { orgName: name }, undefined, service);
        orgDenied(header, { orgId: ORG }, { permission: name }, service);
        orgDenied(header, { orgId: ORG }, { permissions: ['can_view_billing', name] }, service);
        orgDenied(header, { orgId: ORG }, { minimumRole: name }, service);
        orgDenied(header, { orgId: ORG }, { exactRole: name }, service);
      }
      const expect403 = async (path: string) => {
        const response = await call(path, bearer(value));
        expect(response.status, path).toBe(403);
        expect(response.json).toEqual({ statusCode: 403, message: 'Forbidden' });
        expectNoEcho(response, value);
      };
      for (const name of PROTOTYPE_NAMES) {
        await expect403(`/api/org/${name}`);
        await expect403(`/api/org-by-name/${name}`);
        await expect403(`/api/org/${name}/billing`);
      }
      for (const route of ['permission-constructor', 'permission-proto', 'permission-to-string', 'role-constructor', 'role-proto', 'exactly-has-own-property']) {
        await expect403(`/api/org/${ORG}/${route}`);
      }
      expect((await call(`/api/org/${ORG}`, bearer(value))).json).toEqual({ orgId: ORG });
      expect((await call(`/api/org-by-name/acme`, bearer(value))).json).toEqual({ orgId: ORG });
      expect((await call(`/api/org/${ORG}/billing`, bearer(value))).status).toBe(200);
    });

    it('D44: an org map that is null, an array or a string, or user_permissions that is not an array, is a 401 or 403, never a 500', async () => {
      const malformed: Array<Record<string, unknown>> = [
        { org_id_to_org_member_info: [] },
        { org_id_to_org_member_info: [ownerOrg()] },
        { org_id_to_org_member_info: 'x' },
        { org_id_to_org_member_info: 42 },
        { org_id_to_org_member_info: true },
        { org_id_to_org_member_info: { [ORG]: null } },
        { org_id_to_org_member_info: { [ORG]: [] } },
        { org_id_to_org_member_info: { [ORG]: 'Owner' } },
        { org_id_to_org_member_info: { [ORG]: ownerOrg({ user_permissions: 'can_view_billing' }) } },
        { org_id_to_org_member_info: { [ORG]: ownerOrg({ user_permissions: { can_view_billing: true } }) } },
        { org_id_to_org_member_info: { [ORG]: ownerOrg({ user_permissions: [1] }) } },
        { org_id_to_org_member_info: { [ORG]: ownerOrg({ inherited_user_roles_plus_current_role: 'Owner' }) } },
        { org_id_to_org_member_info: { [ORG]: ownerOrg({ user_role: ['Owner'] }) } },
        { org_id_to_org_member_info: { other: ownerOrg() } }, // filed under another org id
        { org_member_info: [] },
        { org_member_info: 'x' },
        { org_member_info: ownerOrg({ user_permissions: 'all' }) },
      ];
      const refusedTokens = malformed.map((overrides) => token(overrides));
      for (const value of refusedTokens) refused(value, 'invalid_claims');
      for (const value of refusedTokens) {
        for (const path of [`/api/org/${ORG}`, `/api/org/${ORG}/billing`, '/api/whoami']) expect401(await call(path, bearer(value)), value);
      }
      // A null map (or null permissions) is no orgs (no permissions): the user is valid, the org route a 403.
      for (const [overrides, path] of [
        [{ org_id_to_org_member_info: null }, `/api/org/${ORG}`],
        [{ org_id_to_org_member_info: undefined }, `/api/org/${ORG}`],
        [{ org_id_to_org_member_info: { [ORG]: ownerOrg({ user_permissions: null }) } }, `/api/org/${ORG}/billing`],
      ] as const) {
        const value = token(overrides);
        const user = accepted(value);
        expect(user.getOrg(ORG)?.userPermissions ?? []).not.toContain('can_view_billing');
        await httpAccepts(value);
        const response = await call(path, bearer(value));
        expect(response.status, path).toBe(403);
      }
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('E. Extracting the token over HTTP', () => {
    it('E45: "Authorization: Bearer <t>" is accepted', async () => {
      const value = token();
      expect(verifier().verifyAuthorizationHeader(`Bearer ${value}`).userId).toBe('user-1');
      const response = await httpAccepts(value);
      expectNoEcho(response, value);
    });

    it('E46: "bearer <t>" and "BEARER <t>" are accepted (the scheme is case-insensitive)', async () => {
      const value = token();
      for (const scheme of ['bearer', 'BEARER', 'BeArEr', 'bEARER']) {
        expect(verifier().verifyAuthorizationHeader(`${scheme} ${value}`).userId).toBe('user-1');
        const response = await call('/api/whoami', [['Authorization', `${scheme} ${value}`]]);
        expect(response.status, scheme).toBe(200);
      }
    });

    it('E47: "Bearer" then one or more spaces is accepted (RFC 6750 1*SP); a tab, "Bearer:<t>" or whitespace inside the token is refused', async () => {
      const value = token();
      const service = verifier();
      for (const spaces of [' ', '  ', '   ', ' '.repeat(20)]) {
        expect(service.verifyAuthorizationHeader(`Bearer${spaces}${value}`).userId).toBe('user-1');
        expect((await call('/api/whoami', [['Authorization', `Bearer${spaces}${value}`]])).status).toBe(200);
      }
      const dot = value.indexOf('.');
      const refusedValues = [
        `Bearer\t${value}`,
        `Bearer \t${value}`,
        `Bearer:${value}`,
        `Bearer: ${value}`,
        `Bearer=${value}`,
        `Bearer\u00a0${value}`,
        `Bearer ${value.slice(0, dot + 1)} ${value.slice(dot + 1)}`,
        `Bearer ${value.slice(0, 30)}\t${value.slice(30)}`,
      ];
      for (const header of refusedValues) headerRefused(header, 'malformed_authorization_header', service);
      // At the verifier level only: over HTTP, Node strips leading and trailing OWS (RFC 9110 §5.5).
      for (const header of [` Bearer ${value}`, `Bearer ${value} `, `\tBearer ${value}`, `Bearer ${value}\t`]) {
        headerRefused(header, 'malformed_authorization_header', service);
      }
      headerRefused(`Bearer ${value}\r\n`, 'malformed_token', service); // CR LF reach the token's charset check
      await httpRefusesHeaders(refusedValues, INVALID_TOKEN, value);
      expect((await call('/api/whoami', [['Authorization', `  Bearer ${value}  `]])).status).toBe(200); // OWS gone before the guard
    });

    it('E48: "Basic <t>", "Token <t>", a bare <t>, "Bearer" and "Bearer " are refused', async () => {
      const value = token();
      const values = [`Basic ${value}`, `Token ${value}`, `DPoP ${value}`, `JWT ${value}`, value, 'Bearer', 'Bearer ', `Bearer${value}`, `Bearers ${value}`, `XBearer ${value}`, 'Basic dXNlcjpwYXNz'];
      for (const header of values) headerRefused(header, 'malformed_authorization_header');
      await httpRefusesHeaders(values, INVALID_TOKEN, value);
    });

    it('E49: two Authorization headers are refused (401), whichever comes first', async () => {
      const value = token();
      const other = token({ user_id: 'user-2' });
      headerRefused([`Bearer ${value}`, `Bearer ${other}`], 'malformed_authorization_header');
      const pairs: Array<Array<[string, string]>> = [
        [['Authorization', `Bearer ${value}`], ['Authorization', `Bearer ${other}`]],
        [['Authorization', `Bearer ${value}`], ['Authorization', `Bearer ${value}`]],
        [['Authorization', `Bearer ${value}`], ['Authorization', 'Bearer junk']],
        [['Authorization', 'Bearer junk'], ['Authorization', `Bearer ${value}`]],
        [['Authorization', 'Basic dXNlcjpwYXNz'], ['Authorization', `Bearer ${value}`]],
        [['Authorization', `Bearer ${value}`], ['AUTHORIZATION', `Bearer ${other}`]],
        [['authorization', `Bearer ${value}`], ['Authorization', '']],
      ];
      for (const headers of pairs) expect401(await call('/api/whoami', headers), value, INVALID_TOKEN, headers.map(([, v]) => v.slice(0, 12)).join(' + '));
    });

    it('E50: "Bearer <t1>, Bearer <t2>" in one header is refused', async () => {
      const value = token();
      const other = token({ user_id: 'user-2' });
      const values = [`Bearer ${value}, Bearer ${other}`, `Bearer ${value},Bearer ${other}`, `Bearer ${value},${other}`, `Bearer ${value}, ${other}`, `Bearer ${value},`, `Bearer ${value} Bearer ${other}`];
      for (const header of values) headerRefused(header, 'malformed_authorization_header');
      await httpRefusesHeaders(values, INVALID_TOKEN, value);
    });

    it('E51: ?access_token=<t> alone is a 401 (invalid_request); with a header as well a 400; a form-body access_token is not read', async () => {
      const value = token();
      expect(new TokenVerificationError('token_in_url', 'x').status).toBe(401);
      expect(new TokenVerificationError('ambiguous_token', 'x').status).toBe(400);
      for (const query of [`?access_token=${value}`, `?a=1&access_token=${value}`, '?access_token=', `?access_token=${value}&access_token=${value}`]) {
        expect401(await call(`/api/whoami${query}`), value, INVALID_REQUEST, query.slice(0, 20));
        const both = await call(`/api/whoami${query}`, bearer(value));
        expect(both.status, query).toBe(400);
        expect(both.headers['www-authenticate']).toBe(INVALID_REQUEST);
        expect(both.json).toEqual({ statusCode: 400, message: 'Bad Request' });
        expectNoEcho(both, value);
      }
      expect((await call('/api/whoami?access_token_hint=1', bearer(value))).status).toBe(200);
      // A form body is never read for a token: no header, no user.
      const form = await new Promise<number | string>((resolve) => {
        const body = `access_token=${value}`;
        const url = new URL(`${running.url}/api/whoami`);
        rawStatus(url.href, `POST /api/whoami HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`).then(resolve);
      });
      expect(form).toBe(401);
      const formJson = await new Promise<number | string>((resolve) => {
        const body = JSON.stringify({ access_token: value });
        const url = new URL(`${running.url}/api/whoami`);
        rawStatus(url.href, `POST /api/whoami HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`).then(resolve);
      });
      expect(formJson).toBe(401);
    });

    it('E51 (percent-encoded name): ?access%5Ftoken=<t>, which decodes to access_token, is refused like ?access_token=<t>', async () => {
      const value = token();
      for (const query of [`?access%5Ftoken=${value}`, `?%61ccess_token=${value}`, `?access%5ftoken=${value}`]) {
        // Express's and Fastify's query parsers decode the name: the app sees request.query.access_token.
        expect((await call(`/api/query-probe${query}`)).json).toEqual({ accessTokenInQuery: true });
        expect401(await call(`/api/whoami${query}`), value, INVALID_REQUEST, query.slice(0, 20));
        const both = await call(`/api/whoami${query}`, bearer(value));
        expect(both.status, `${query.slice(0, 20)} with a header`).toBe(400);
      }
    });

    it('E52: an Authorization header with an obs-fold continuation line is never a 200 (nor a 5xx)', async () => {
      const value = token();
      expect(verifier().verifyAccessToken(value).userId).toBe('user-1');
      headerRefused(`Bearer\r\n ${value}`, 'malformed_authorization_header');
      headerRefused(`Bearer ${value.slice(0, 40)}\r\n ${value.slice(40)}`, 'malformed_authorization_header');
      const host = new URL(running.url).host;
      const requests = [
        `GET /api/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer\r\n ${value}\r\nConnection: close\r\n\r\n`,
        `GET /api/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${value.slice(0, 40)}\r\n\t${value.slice(40)}\r\nConnection: close\r\n\r\n`,
        `GET /api/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${value}\r\n x\r\nConnection: close\r\n\r\n`,
        `GET /api/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization:\r\n Bearer ${value}\r\nConnection: close\r\n\r\n`,
      ];
      // Control: the same raw request without the fold is a 200.
      expect(await rawStatus(running.url, `GET /api/whoami HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${value}\r\nConnection: close\r\n\r\n`)).toBe(200);
      for (const request of requests) expectNeither200Nor5xx(await rawStatus(running.url, request));
    });

    it('E53: a 15 KB junk Authorization value is a 401; a 20 KB one is never a 200 (Node: 431 or a closed connection)', async () => {
      const junk15 = 'x'.repeat(15 * 1024);
      const dotted15 = `${'A'.repeat(5000)}.${'A'.repeat(5000)}.${'A'.repeat(5000)}`;
      refused(junk15, 'malformed_token');
      refused(dotted15, 'malformed_token');
      const junk20 = 'x'.repeat(20 * 1024);
      refused(junk20, 'token_too_large');
      await httpRefuses([junk15, dotted15]);
      for (const value of [junk20, `${'A'.repeat(7000)}.${'A'.repeat(7000)}.${'A'.repeat(7000)}`]) {
        expectNeither200Nor5xx(await call('/api/whoami', bearer(value)).then((r) => r.status, (e: NodeJS.ErrnoException) => `socket error ${e.code ?? e.message}`));
      }
      await httpAccepts(token()); // still serving
    });
  });
});
