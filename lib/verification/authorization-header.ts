import { TokenVerificationError } from '../errors';

// RFC 6750 §2.1: "Bearer" 1*SP b64token, the scheme case-insensitive (RFC 9110 §11.1).
// The token part is only checked for being one whitespace- and comma-free word here;
// the verifier checks its exact shape.
const BEARER = /^bearer +([^\s,]+)$/i;

/**
 * Extracts the token from an `Authorization: Bearer <token>` header value.
 * One or more spaces after the scheme are accepted (the RFC grammar); tabs, a
 * second token, or any other scheme are refused.
 */
export function parseBearerHeader(header: unknown): string {
  if (header === undefined || header === null || header === '') {
    throw new TokenVerificationError('missing_authorization_header', 'No Authorization header was sent');
  }
  if (typeof header !== 'string') {
    throw new TokenVerificationError('malformed_authorization_header', 'More than one Authorization header was sent');
  }
  const match = BEARER.exec(header);
  if (match === null) {
    throw new TokenVerificationError('malformed_authorization_header', 'The Authorization header is not of the form "Bearer <access token>"');
  }
  return match[1];
}
