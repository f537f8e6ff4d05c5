import { isUtf8 } from 'node:buffer';
import { createVerify, type KeyObject } from 'node:crypto';
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
const acceptedHeaders = new Map<string, string | null>();
const MAX_ACCEPTED_HEADERS = 64;

// The signature is decoded into this buffer rather than a new one: the check that reads
// it is synchronous, so nothing else can use it meanwhile.
const SCRATCH_SIGNATURE = Buffer.allocUnsafe(MAX_TOKEN_LENGTH);
const BASE64URL_TEXT = /^[A-Za-z0-9_-]*$/;

/**
 * Verifies a compact RS256 JWT and returns its payload.
 *
 * Order matters: cheap shape checks first (size, three segments, each canonical
 * base64url), then the header, then the signature, and only a correctly signed
 * payload is parsed and its claims checked.
 */
export function verifyAccessTokenClaims(token: unknown, check: AccessTokenCheck): Record<string, unknown> {
  if (typeof token !== 'string' || token.length === 0) {
    throw fail('malformed_token', 'The access token is empty');
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw fail('token_too_large', `The access token is longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  const firstDot = token.indexOf('.');
  const secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
  if (firstDot <= 0 || secondDot <= firstDot + 1 || secondDot === token.length - 1) {
    throw notCompact();
  }
  const headerPart = token.slice(0, firstDot);
  const payloadPart = token.slice(firstDot + 1, secondDot);
  const signaturePart = token.slice(secondDot + 1);

  // Each segment must be exactly the base64url encoding of the bytes it decodes to:
  // that refuses every other character (a third dot, padding, '+', '/', whitespace,
  // anything outside ASCII) and unused bits that are not zero, so one token has one
  // spelling. The round trip costs less than scanning the text for its charset.
  const payloadBytes = Buffer.from(payloadPart, 'base64url');
  if (payloadBytes.toString('base64url') !== payloadPart) throw notCanonical(payloadPart);
  const signatureLength = SCRATCH_SIGNATURE.write(signaturePart, 'base64url');
  if (SCRATCH_SIGNATURE.toString('base64url', 0, signatureLength) !== signaturePart) throw notCanonical(signaturePart);

  // One lookup: a header that passed maps to its kid, or to null when it names none.
  let kid = acceptedHeaders.get(headerPart);
  if (kid === undefined) {
    const headerBytes = Buffer.from(headerPart, 'base64url');
    if (headerBytes.toString('base64url') !== headerPart) throw notCanonical(headerPart);
    kid = checkHeader(decodeJsonObject(headerBytes, 'header')) ?? null;
    // Every token of a project carries the same few headers: remember the ones that passed.
    if (acceptedHeaders.size >= MAX_ACCEPTED_HEADERS) acceptedHeaders.clear();
    acceptedHeaders.set(headerPart, kid);
  }
  // kid only ever selects among keys already loaded; it is never fetched, read or followed.
  const key = check.keyFor(kid ?? undefined);
  if (key === undefined) {
    throw fail('unknown_key', 'The access token names a signing key (kid) that is not known');
  }

  // The signing input is the token's own text, all base64url and dots by now, so latin1 is exact.
  if (!verifyRs256Signature(token.slice(0, secondDot), SCRATCH_SIGNATURE.subarray(0, signatureLength), key)) {
    throw fail('invalid_signature', 'The access token signature is invalid');
  }

  const claims = decodeJsonObject(payloadBytes, 'payload');
  checkTimeClaims(claims, check);
  const iss = claims.iss;
  if (!Object.hasOwn(claims, 'iss') || typeof iss !== 'string' || (iss !== check.issuer && iss.replace(/\/+$/, '') !== check.issuer)) {
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
  const accepted = acceptedHeaders.get(headerPart);
  if (accepted !== undefined) return accepted ?? undefined;
  try {
    const header = decodeJsonObject(Buffer.from(headerPart, 'base64url'), 'header');
    return Object.hasOwn(header, 'kid') && typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** The `exp` of a token's payload, or undefined (never throws; the signature is not checked: for tokens already verified). */
export function tokenExpiry(token: unknown): number | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  if (firstDot < 0 || secondDot < 0) return undefined;
  try {
    const exp = decodeJsonObject(Buffer.from(token.slice(firstDot + 1, secondDot), 'base64url'), 'payload').exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The exact signature check the verifier uses: RSASSA-PKCS1-v1_5 with SHA-256.
 * A string signing input is hashed as latin1 (the verifier only passes ASCII).
 * createVerify rather than crypto.verify: the same OpenSSL check, measurably
 * cheaper per call, and it hashes a string without an intermediate buffer.
 */
export function verifyRs256Signature(signingInput: Buffer | string, signature: Buffer, key: KeyObject): boolean {
  try {
    const verifier = createVerify('RSA-SHA256');
    if (typeof signingInput === 'string') verifier.update(signingInput, 'latin1');
    else verifier.update(signingInput);
    return verifier.verify(key, signature);
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

function decodeJsonObject(bytes: Buffer, what: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown;
  // isUtf8 is as strict as a fatal TextDecoder (no surrogates, no overlong forms), and cheaper.
  if (!isUtf8(bytes)) throw fail('malformed_token', `The access token ${what} is not valid UTF-8 JSON`);
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw fail('malformed_token', `The access token ${what} is not valid UTF-8 JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fail('malformed_token', `The access token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function notCompact(): TokenVerificationError {
  return fail('malformed_token', 'The access token is not a compact JWS (three base64url segments)');
}

/** The refusal of a segment that failed the round trip; only this slow path looks at why. */
function notCanonical(segment: string): TokenVerificationError {
  return BASE64URL_TEXT.test(segment) ? fail('malformed_token', 'The access token has a non-canonical base64url segment') : notCompact();
}

function fail(reason: TokenErrorReason, message: string): TokenVerificationError {
  return new TokenVerificationError(reason, message);
}
