import 'reflect-metadata';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PropelAuthNotReadyError, TokenVerifierService, type TokenErrorReason } from '../../lib';
import { resolvePropelAuthOptions } from '../../lib/module/propelauth-options';
import { MAX_TOKEN_LENGTH } from '../../lib/verification/access-token';
import { decodePart, nowSeconds, rejection, rsaKeyPair, signHs256WithPublicKey, signRaw } from '../support/tokens';

const ISSUER = 'https://auth.example.com';
const signer = rsaKeyPair();
const attacker = rsaKeyPair();

function verifier(extra: { clockToleranceSeconds?: number; issuer?: string } = {}): TokenVerifierService {
  return new TokenVerifierService(
    resolvePropelAuthOptions({
      authUrl: ISSUER,
      apiKey: 'test-api-key',
      manualTokenVerificationMetadata: { verifierKey: signer.publicKeyPem, issuer: extra.issuer ?? ISSUER },
      clockToleranceSeconds: extra.clockToleranceSeconds,
    }),
  );
}

const HEADER = { alg: 'RS256', typ: 'JWT', kid: 'key-1' };
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowSeconds();
  const base: Record<string, unknown> = { sub: 'user-1', user_id: 'user-1', iat, exp: iat + 1800, iss: ISSUER, email: 'a@example.com', org_id_to_org_member_info: {} };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[key];
    else base[key] = value;
  }
  return base;
}
const token = (overrides?: Record<string, unknown>, header: Record<string, unknown> = HEADER) => signRaw(header, claims(overrides), signer.privateKey);

function expectRefused(value: string, reason: TokenErrorReason, service = verifier()): void {
  const error = rejection(() => service.verifyAccessToken(value));
  expect(error.reason).toBe(reason);
  expect(error.status).toBe(401);
  if (value.length > 20) expect(error.message).not.toContain(value);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('TokenVerifierService.verifyAccessToken', () => {
  it('accepts a valid RS256 token and returns the user', () => {
    const user = verifier().verifyAccessToken(token());
    expect(user.userId).toBe('user-1');
    expect(user.email).toBe('a@example.com');
  });

  describe('time claims', () => {
    it('refuses an expired token, and one whose exp is exactly now', () => {
      expectRefused(token({ exp: nowSeconds() - 5 }), 'expired');
      vi.useFakeTimers({ now: 1_800_000_000_000 });
      expectRefused(token({ exp: 1_800_000_000, iat: 1_799_999_000 }), 'expired');
    });

    it('applies clockToleranceSeconds to exp and nbf', () => {
      const expiredFiveSecondsAgo = token({ exp: nowSeconds() - 5 });
      expect(verifier({ clockToleranceSeconds: 10 }).verifyAccessToken(expiredFiveSecondsAgo).userId).toBe('user-1');
      expectRefused(expiredFiveSecondsAgo, 'expired', verifier({ clockToleranceSeconds: 3 }));
      const notBeforeInFiveSeconds = token({ nbf: nowSeconds() + 5 });
      expect(verifier({ clockToleranceSeconds: 10 }).verifyAccessToken(notBeforeInFiveSeconds).userId).toBe('user-1');
      expectRefused(notBeforeInFiveSeconds, 'not_yet_valid');
    });

    it('refuses a token without exp (all of jsonwebtoken, jose and fast-jwt accept one)', () => {
      expectRefused(token({ exp: undefined }), 'missing_exp');
    });

    it.each([['"9999999999"'], ['null'], ['true'], ['1e400']])('refuses exp = %s', (exp) => {
      const json = JSON.stringify(claims({ exp: undefined })).replace(/}$/, `,"exp":${exp}}`);
      expectRefused(signRaw(HEADER, json, signer.privateKey), 'invalid_claims');
    });

    it('refuses nbf in the future or not a number', () => {
      expectRefused(token({ nbf: nowSeconds() + 600 }), 'not_yet_valid');
      expectRefused(token({ nbf: 'soon' }), 'invalid_claims');
    });

    it('refuses iat more than a minute in the future, or not a number; accepts small drift', () => {
      expectRefused(token({ iat: nowSeconds() + 3600 }), 'issued_in_future');
      expectRefused(token({ iat: '0' }), 'invalid_claims');
      expect(verifier().verifyAccessToken(token({ iat: nowSeconds() + 30 })).userId).toBe('user-1');
    });
  });

  describe('issuer', () => {
    it.each([['https://evil.example.com'], ['https://auth.example.com:8443'], ['http://auth.example.com'], ['https://AUTH.example.com']])(
      'refuses iss %s',
      (iss) => expectRefused(token({ iss }), 'invalid_issuer'),
    );

    it('refuses a missing, array or null iss', () => {
      expectRefused(token({ iss: undefined }), 'invalid_issuer');
      expectRefused(token({ iss: [ISSUER] }), 'invalid_issuer');
      expectRefused(token({ iss: null }), 'invalid_issuer');
    });

    it('normalises a trailing slash on either side', () => {
      expect(verifier().verifyAccessToken(token({ iss: `${ISSUER}/` })).userId).toBe('user-1');
      expect(verifier({ issuer: `${ISSUER}/` }).verifyAccessToken(token()).userId).toBe('user-1');
    });
  });

  describe('signature and algorithm', () => {
    it('refuses a token signed by another key', () => {
      expectRefused(signRaw(HEADER, claims(), attacker.privateKey), 'invalid_signature');
    });

    it('refuses a tampered payload and a tampered header', () => {
      const [h, , s] = token().split('.');
      const raised = Buffer.from(JSON.stringify(claims({ user_id: 'admin' }))).toString('base64url');
      expectRefused(`${h}.${raised}.${s}`, 'invalid_signature');
      const [, p] = token().split('.');
      const otherHeader = Buffer.from(JSON.stringify({ ...HEADER, kid: 'key-2' })).toString('base64url');
      expectRefused(`${otherHeader}.${p}.${s}`, 'invalid_signature');
    });

    it('refuses a transplanted or truncated signature', () => {
      const [h, p] = token().split('.');
      const other = token({ user_id: 'user-2' }).split('.')[2];
      expectRefused(`${h}.${p}.${other}`, 'invalid_signature');
      const s = token().split('.')[2];
      expectRefused(`${h}.${p}.${s.slice(0, 40)}`, 'invalid_signature');
    });

    it.each([['none'], ['None'], ['NONE'], ['nOnE']])('refuses alg %s with an empty or real signature', (alg) => {
      const unsigned = `${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
      expectRefused(unsigned, 'malformed_token');
      expectRefused(token({}, { alg, typ: 'JWT' }), 'unsupported_algorithm');
    });

    it('refuses HS256 keyed with the public key PEM (algorithm confusion)', () => {
      expectRefused(signHs256WithPublicKey(claims(), signer.publicKeyPem), 'unsupported_algorithm');
    });

    it.each([['RS384'], ['RS512'], ['PS256'], ['ES256'], ['EdDSA'], ['rs256'], ['RS256 ']])('refuses alg %s', (alg) => {
      expectRefused(token({}, { ...HEADER, alg }), 'unsupported_algorithm');
    });

    it('refuses an RS512 token signed with the right key', () => {
      expectRefused(signRaw({ ...HEADER, alg: 'RS512' }, claims(), signer.privateKey, 'sha512'), 'unsupported_algorithm');
    });

    it('refuses a missing, null or array alg', () => {
      expectRefused(token({}, { typ: 'JWT' }), 'unsupported_algorithm');
      expectRefused(token({}, { alg: null }), 'unsupported_algorithm');
      expectRefused(token({}, { alg: ['RS256'] }), 'unsupported_algorithm');
    });

    it('refuses crit and b64 headers, and a typ other than JWT', () => {
      expectRefused(token({}, { ...HEADER, crit: ['exp2'], exp2: 1 }), 'unsupported_header');
      expectRefused(token({}, { ...HEADER, crit: [] }), 'unsupported_header');
      expectRefused(token({}, { ...HEADER, b64: false, crit: ['b64'] }), 'unsupported_header');
      expectRefused(token({}, { ...HEADER, typ: 'at+jwt' }), 'unsupported_header');
      expect(verifier().verifyAccessToken(token({}, { ...HEADER, typ: 'jwt' })).userId).toBe('user-1');
      expect(verifier().verifyAccessToken(token({}, { alg: 'RS256' })).userId).toBe('user-1');
    });

    it('never follows jku, x5u, jwk or x5c: an attacker key named there does not verify', () => {
      const jwk = attacker.publicKey.export({ format: 'jwk' });
      for (const extra of [{ jku: 'http://127.0.0.1:1/keys' }, { x5u: 'http://127.0.0.1:1/cert' }, { jwk }, { x5c: ['MIIB'] }]) {
        expectRefused(signRaw({ ...HEADER, ...extra }, claims(), attacker.privateKey), 'invalid_signature');
      }
    });
  });

  describe('encoding', () => {
    it.each([[''], ['.'], ['..'], ['null'], ['undefined'], ['garbage'], ['a.b'], ['a.b.c.d'], ['a.b.c.d.e']])('refuses %j', (value) => {
      expectRefused(value, 'malformed_token');
    });

    it('refuses padding, standard-base64 characters and whitespace', () => {
      const valid = token();
      expectRefused(`${valid}=`, 'malformed_token');
      expectRefused(`${valid}==`, 'malformed_token');
      expectRefused(`${valid.slice(0, 10)}+${valid.slice(11)}`, 'malformed_token');
      expectRefused(`${valid.slice(0, 10)}/${valid.slice(11)}`, 'malformed_token');
      expectRefused(` ${valid}`, 'malformed_token');
      expectRefused(valid.replace('.', '. '), 'malformed_token');
      expectRefused(valid.replace('.', '%2E'), 'malformed_token');
    });

    it('refuses a non-canonical base64url signature (unused low bits set)', () => {
      const valid = token();
      const last = valid[valid.length - 1];
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      // A 256-byte signature is 342 characters: the last one carries 4 unused bits.
      const flipped = alphabet[alphabet.indexOf(last) | 1];
      expect(Buffer.from(valid.slice(0, -1) + flipped, 'base64url')).toEqual(Buffer.from(valid, 'base64url'));
      expectRefused(valid.slice(0, -1) + flipped, 'malformed_token');
    });

    it('refuses a header or payload that is not a JSON object', () => {
      for (const payload of ['[]', '"x"', '123', 'null', 'true', '{"a":1}x', 'not json']) {
        expectRefused(signRaw(HEADER, payload, signer.privateKey), 'malformed_token');
      }
      for (const header of ['null', '[]', '"x"', '123', '{']) {
        expectRefused(signRaw(header, claims(), signer.privateKey), 'malformed_token');
      }
    });

    it('refuses a payload that is not valid UTF-8', () => {
      const json = Buffer.from(JSON.stringify(claims({ first_name: 'XX' })));
      const index = json.indexOf('XX');
      json[index] = 0xc3;
      json[index + 1] = 0x28; // an invalid two-byte sequence
      expectRefused(signRaw(HEADER, json, signer.privateKey), 'malformed_token');
    });

    it(`refuses a token longer than ${MAX_TOKEN_LENGTH} characters before any decoding`, () => {
      const huge = token({ properties: { blob: 'x'.repeat(MAX_TOKEN_LENGTH) } });
      expectRefused(huge, 'token_too_large');
      expectRefused('a'.repeat(1_000_000), 'token_too_large');
    });
  });

  describe('claims', () => {
    it.each([[undefined], [''], [42], [null]])('refuses user_id %j', (userId) => {
      expectRefused(token({ user_id: userId }), 'invalid_claims');
    });

    it.each([
      ['an array org map', { org_id_to_org_member_info: [] }],
      ['a string org map', { org_id_to_org_member_info: 'x' }],
      ['a null org entry', { org_id_to_org_member_info: { o1: null } }],
      ['an org entry without a role', { org_id_to_org_member_info: { o1: { org_id: 'o1' } } }],
      ['permissions that are not an array', { org_id_to_org_member_info: { o1: { org_id: 'o1', user_role: 'Owner', user_permissions: 'all' } } }],
      ['an org filed under another id', { org_id_to_org_member_info: { o1: { org_id: 'o2', user_role: 'Owner' } } }],
      ['an unknown role structure', { org_id_to_org_member_info: { o1: { org_id: 'o1', user_role: 'Owner', org_role_structure: 'flat' } } }],
      ['a non-string email', { email: 7 }],
      ['properties that are an array', { properties: [1] }],
    ])('refuses %s', (_name, overrides) => {
      expectRefused(token(overrides), 'invalid_claims');
    });

    it('keeps signed __proto__ and constructor claims inert', () => {
      const json = JSON.stringify(claims()).replace(/}$/, ',"__proto__":{"isAdmin":true},"constructor":{"x":1},"properties":{"__proto__":{"isAdmin":true}}}');
      const user = verifier().verifyAccessToken(signRaw(HEADER, json, signer.privateKey)) as unknown as Record<string, unknown>;
      expect(user.isAdmin).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect((user as any).getUserProperty('isAdmin')).toBeUndefined();
      expect((user as any).getOrg('constructor')).toBeUndefined();
      expect((user as any).getOrg('__proto__')).toBeUndefined();
    });

    it('returns a deeply frozen User, so one can be shared between requests', () => {
      const user = verifier().verifyAccessToken(token({ properties: { nested: { a: 1 } }, org_id_to_org_member_info: { o1: { org_id: 'o1', user_role: 'Owner', user_permissions: ['p'] } } }));
      expect(Object.isFrozen(user)).toBe(true);
      expect(Object.isFrozen(user.properties.nested)).toBe(true);
      expect(Object.isFrozen(user.getOrg('o1')!.userPermissions)).toBe(true);
      expect(() => {
        (user as { email: string }).email = 'evil@example.com';
      }).toThrow(TypeError);
    });
  });
});

describe('TokenVerifierService.expiryOf', () => {
  it('gives the exp of a verified token from the cache, without decoding the payload again', () => {
    const service = verifier();
    const exp = nowSeconds() + 1234;
    const value = token({ exp });
    service.verifyAccessToken(value);
    const decode = vi.spyOn(Buffer, 'from');
    try {
      expect(service.expiryOf(value)).toBe(exp);
      expect(decode).not.toHaveBeenCalled();
    } finally {
      decode.mockRestore();
    }
  });

  it('reads the payload when the cache is off, and gives undefined for what is not a token with an exp', () => {
    const service = new TokenVerifierService(
      resolvePropelAuthOptions({ authUrl: ISSUER, apiKey: 'test-api-key', manualTokenVerificationMetadata: { verifierKey: signer.publicKeyPem, issuer: ISSUER }, tokenCacheSize: 0 }),
    );
    const exp = nowSeconds() + 99;
    const value = token({ exp });
    service.verifyAccessToken(value);
    expect(service.expiryOf(value)).toBe(exp);
    for (const junk of ['', 'a.b', 'not-a-token', `${value.split('.')[0]}.!!!.x`, token({ exp: 'soon' })]) expect(service.expiryOf(junk)).toBeUndefined();
  });
});

describe('TokenVerifierService.verifyAuthorizationHeader', () => {
  const valid = token();

  it.each([[`Bearer ${valid}`], [`bearer ${valid}`], [`BEARER ${valid}`], [`Bearer  ${valid}`]])('accepts %#: scheme in any case, one or more spaces', (header) => {
    expect(verifier().verifyAuthorizationHeader(header).userId).toBe('user-1');
  });

  it('refuses a missing header', () => {
    expect(rejection(() => verifier().verifyAuthorizationHeader(undefined)).reason).toBe('missing_authorization_header');
    expect(rejection(() => verifier().verifyAuthorizationHeader('')).reason).toBe('missing_authorization_header');
  });

  it.each([
    ['a bare token', valid],
    ['Basic', `Basic ${valid}`],
    ['Token', `Token ${valid}`],
    ['no token', 'Bearer'],
    ['an empty token', 'Bearer '],
    ['a tab', `Bearer\t${valid}`],
    ['a colon', `Bearer:${valid}`],
    ['two tokens', `Bearer ${valid}, Bearer ${valid}`],
    ['a leading space', ` Bearer ${valid}`],
    ['a trailing space', `Bearer ${valid} `],
  ])('refuses %s', (_name, header) => {
    const error = rejection(() => verifier().verifyAuthorizationHeader(header));
    expect(error.reason).toBe('malformed_authorization_header');
    expect(error.message).not.toContain(valid);
  });
});

describe('before the verifier key is loaded', () => {
  it('throws PropelAuthNotReadyError (a 503 in the guards), not a token error', () => {
    const service = new TokenVerifierService(resolvePropelAuthOptions({ authUrl: ISSUER, apiKey: 'k' }));
    expect(service.isReady()).toBe(false);
    expect(() => service.verifyAccessToken(token())).toThrow(PropelAuthNotReadyError);
  });
});

it('test tokens carry the PropelAuth header shape', () => {
  expect(decodePart(token(), 0)).toEqual(HEADER);
});
