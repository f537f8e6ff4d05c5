import { TokenVerificationError } from '../errors';

/**
 * Extracts the token from an `Authorization: Bearer <token>` header value.
 * RFC 6750 §2.1: "Bearer" 1*SP b64token, the scheme case-insensitive (RFC 9110
 * §11.1), so one or more spaces after the scheme are accepted; a tab, a second
 * token (`Bearer a, Bearer b`), any other scheme or a bare token are refused.
 * The token's own shape (any other character) is checked by the verifier. Native
 * `indexOf` scans keep this cheap on every request (a regex over the 1 KB token costs more).
 */
export function parseBearerHeader(header: unknown): string {
  if (header === undefined || header === null || header === '') {
    throw new TokenVerificationError('missing_authorization_header', 'No Authorization header was sent');
  }
  if (typeof header !== 'string') {
    throw new TokenVerificationError('malformed_authorization_header', 'More than one Authorization header was sent');
  }
  let start = 6;
  if (header.length <= start || header.slice(0, start).toLowerCase() !== 'bearer' || header.charCodeAt(start) !== 32) {
    throw malformed();
  }
  while (header.charCodeAt(start) === 32) start++;
  const token = header.slice(start);
  if (token.length === 0 || token.indexOf(' ') !== -1 || token.indexOf(',') !== -1 || token.indexOf('\t') !== -1) {
    throw malformed();
  }
  return token;
}

function malformed(): TokenVerificationError {
  return new TokenVerificationError('malformed_authorization_header', 'The Authorization header is not of the form "Bearer <access token>"');
}
