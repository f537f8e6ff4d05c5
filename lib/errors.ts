/**
 * Why a token was refused. Stable strings: safe to switch on, log or count.
 */
export type TokenErrorReason =
  | 'missing_authorization_header'
  | 'malformed_authorization_header'
  | 'token_in_url'
  | 'ambiguous_token'
  | 'malformed_token'
  | 'token_too_large'
  | 'unsupported_algorithm'
  | 'unsupported_header'
  | 'invalid_signature'
  | 'unknown_key'
  | 'expired'
  | 'missing_exp'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'invalid_issuer'
  | 'invalid_claims';

/**
 * Thrown by `TokenVerifierService` when a token or an Authorization header is refused.
 * Guards turn it into a 401. The message never contains the token.
 *
 * @example
 * try { verifier.verifyAccessToken(token) }
 * catch (e) { if (e instanceof TokenVerificationError) console.log(e.reason) }
 */
export class TokenVerificationError extends Error {
  override readonly name = 'TokenVerificationError';
  /** 401, or 400 for `ambiguous_token` (a token in the header and in the URL: a malformed request). */
  readonly status: 400 | 401;
  constructor(
    readonly reason: TokenErrorReason,
    message: string,
  ) {
    super(message);
    this.status = reason === 'ambiguous_token' ? 400 : 401;
  }
}

/**
 * Thrown when a token is checked before the verifier key has been loaded
 * (before the Nest application finished `init()`). Guards turn it into a 503.
 */
export class PropelAuthNotReadyError extends Error {
  override readonly name = 'PropelAuthNotReadyError';
  readonly status = 503;
  constructor() {
    super('PropelAuth token verification is not ready: the verifier key has not been loaded yet (was app.init() awaited?)');
  }
}

/** Thrown at boot when `PropelAuthModule` options are invalid. */
export class PropelAuthConfigError extends Error {
  override readonly name = 'PropelAuthConfigError';
}

/**
 * Thrown from application start-up (`app.init()` / `app.listen()`) when the
 * token verification metadata cannot be fetched or is unusable.
 */
export class PropelAuthStartupError extends Error {
  override readonly name = 'PropelAuthStartupError';
}

/**
 * Thrown by `TokenVerifierService.verifyAuthorizationHeaderForOrg` when the user
 * is valid but not a member of the org or lacks the role or permission (a 403).
 */
export class OrgAccessDeniedError extends Error {
  override readonly name = 'OrgAccessDeniedError';
  readonly status = 403;
}
