import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { TokenVerificationError, type TokenErrorReason } from '../errors';

/**
 * Longest token accepted, in characters, checked before any decoding. Measured:
 * 1.8 KB for a user in one org, about 0.9 KB more per org (Owner, 9 permissions),
 * so about 17 orgs fit; Node's default limit for all request headers is 16 KiB too.
 */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** A future `iat` is tolerated by this much beyond `clockToleranceSeconds` (issuer clock drift). */
export const IAT_FUTURE_ALLOWANCE_SECONDS = 60;

export interface AccessTokenCheck {
  /** The verifier key for the token's `kid` (undefined when the token names none), or undefined if there is none. */
  keyFor: (kid: string | undefined) => KeyObject | undefined;
  /** Expected issuer, already without a trailing slash. */
  issuer: string;
  clockToleranceSeconds: number;
  /** Current time in seconds since the epoch. */
  nowSeconds: number;
}

// Header segments (exact base64url text) that passed checkHeader, with their kid: they depend
// on nothing but their own bytes, so a header seen before need not be decoded and parsed again.
const acceptedHeaders = new Map<string, string | undefined>();
const MAX_ACCEPTED_HEADERS = 64;

const SCRATCH_INPUT = Buffer.allocUnsafe(MAX_TOKEN_LENGTH);
const SCRATCH_SIGNATURE = Buffer.allocUnsafe(MAX_TOKEN_LENGTH);

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

// base64url alphabet value of each character code, for the canonical-encoding check.
const B64URL_VALUE = new Int16Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => (B64URL_VALUE[c.charCodeAt(0)] = i));

/**
 * Verifies a compact RS256 JWT and returns its payload.
 *
 * Order matters: cheap shape checks first (size, charset, three unpadded
 * segments), then the header, then the signature, and only a correctly signed
 * payload is parsed and its claims checked.
 */
export function verifyAccessTokenClaims(token: unknown, check: AccessTokenCheck): Record<string, unknown> {
  if (typeof token !== 'string' || token.length === 0) {
    throw fail('malformed_token', 'The access token is empty');
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw fail('token_too_large', `The access token is longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  if (!JWT_SHAPE.test(token)) {
    throw fail('malformed_token', 'The access token is not a compact JWS (three base64url segments)');
  }
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  const headerPart = token.slice(0, firstDot);
  const payloadPart = token.slice(firstDot + 1, secondDot);
  const signaturePart = token.slice(secondDot + 1);
  if (!isCanonicalBase64Url(headerPart) || !isCanonicalBase64Url(payloadPart) || !isCanonicalBase64Url(signaturePart)) {
    throw fail('malformed_token', 'The access token has a non-canonical base64url segment');
  }

  let kid: string | undefined;
  if (acceptedHeaders.has(headerPart)) {
    kid = acceptedHeaders.get(headerPart);
  } else {
    kid = checkHeader(decodeJsonObject(headerPart, 'header'));
    // Every token of a project carries the same few headers: remember the ones that passed.
    if (acceptedHeaders.size >= MAX_ACCEPTED_HEADERS) acceptedHeaders.clear();
    acceptedHeaders.set(headerPart, kid);
  }
  // kid only ever selects among keys already loaded; it is never fetched, read or followed.
  const key = check.keyFor(kid);
  if (key === undefined) {
    throw fail('unknown_key', 'The access token names a signing key (kid) that is not known');
  }

  // Written into scratch buffers rather than new ones: crypto.verify is synchronous,
  // so nothing else can use them meanwhile, and a miss allocates two buffers less.
  const signingLength = SCRATCH_INPUT.write(token, 0, secondDot, 'latin1');
  const signatureLength = SCRATCH_SIGNATURE.write(signaturePart, 'base64url');
  if (!verifyRs256Signature(SCRATCH_INPUT.subarray(0, signingLength), SCRATCH_SIGNATURE.subarray(0, signatureLength), key)) {
    throw fail('invalid_signature', 'The access token signature is invalid');
  }

  const claims = decodeJsonObject(payloadPart, 'payload');
  checkTimeClaims(claims, check);
  const iss = claims.iss;
  if (!Object.hasOwn(claims, 'iss') || typeof iss !== 'string' || iss.replace(/\/+$/, '') !== check.issuer) {
    throw fail('invalid_issuer', 'The access token was issued by another issuer');
  }
  return claims;
}

/** Checks the JWS header; returns its `kid` when it is a string. */
function checkHeader(header: Record<string, unknown>): string | undefined {
  if (!Object.hasOwn(header, 'alg') || header.alg !== 'RS256') {
    throw fail('unsupported_algorithm', 'The access token is not signed with RS256');
  }
  if (Object.hasOwn(header, 'crit') || Object.hasOwn(header, 'b64')) {
    throw fail('unsupported_header', 'The access token header has critical extensions this verifier does not support');
  }
  if (Object.hasOwn(header, 'typ') && (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT')) {
    throw fail('unsupported_header', 'The access token header has a typ other than JWT');
  }
  // jku, x5u, jwk and x5c are never followed: keys only come from the start-up load (or a refresh of it).
  return Object.hasOwn(header, 'kid') && typeof header.kid === 'string' ? header.kid : undefined;
}

/** The `kid` of a token's header, or undefined (never throws; for deciding on a key refresh only). */
export function tokenKeyId(token: unknown): string | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const headerPart = token.slice(0, token.indexOf('.'));
  if (acceptedHeaders.has(headerPart)) return acceptedHeaders.get(headerPart);
  try {
    const header = decodeJsonObject(headerPart, 'header');
    return Object.hasOwn(header, 'kid') && typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** The exact signature check the verifier uses: RSASSA-PKCS1-v1_5 with SHA-256. */
export function verifyRs256Signature(signingInput: Buffer, signature: Buffer, key: KeyObject): boolean {
  try {
    return cryptoVerify('sha256', signingInput, key, signature);
  } catch {
    return false;
  }
}

function checkTimeClaims(claims: Record<string, unknown>, check: AccessTokenCheck): void {
  const { nowSeconds: now, clockToleranceSeconds: tolerance } = check;
  if (!Object.hasOwn(claims, 'exp')) {
    throw fail('missing_exp', 'The access token has no exp claim');
  }
  const exp = claims.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw fail('invalid_claims', 'The access token exp claim is not a finite number');
  }
  // RFC 7519: the token must not be accepted on or after exp.
  if (now >= exp + tolerance) {
    throw fail('expired', 'The access token has expired');
  }
  if (Object.hasOwn(claims, 'nbf')) {
    const nbf = claims.nbf;
    if (typeof nbf !== 'number' || !Number.isFinite(nbf)) {
      throw fail('invalid_claims', 'The access token nbf claim is not a finite number');
    }
    if (now + tolerance < nbf) {
      throw fail('not_yet_valid', 'The access token is not valid yet (nbf)');
    }
  }
  if (Object.hasOwn(claims, 'iat')) {
    const iat = claims.iat;
    if (typeof iat !== 'number' || !Number.isFinite(iat)) {
      throw fail('invalid_claims', 'The access token iat claim is not a finite number');
    }
    if (iat > now + tolerance + IAT_FUTURE_ALLOWANCE_SECONDS) {
      throw fail('issued_in_future', 'The access token was issued in the future (iat)');
    }
  }
}

function decodeJsonObject(segment: string, what: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    throw fail('malformed_token', `The access token ${what} is not valid UTF-8 JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fail('malformed_token', `The access token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * RFC 7515 base64url without padding, canonical: a length of 1 mod 4 is
 * impossible, and the unused low bits of the last character must be zero, so
 * exactly one string encodes each byte sequence.
 */
function isCanonicalBase64Url(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = B64URL_VALUE[segment.charCodeAt(segment.length - 1)];
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

function fail(reason: TokenErrorReason, message: string): TokenVerificationError {
  return new TokenVerificationError(reason, message);
}
