/** How the user logged in, in the camelCase shape of PropelAuth's Node library. */
export type LoginMethod =
  | { loginMethod: 'password' }
  | { loginMethod: 'magic_link' }
  | { loginMethod: 'social_sso'; provider: string }
  | { loginMethod: 'email_confirmation_link' }
  | { loginMethod: 'saml_sso'; provider: string; orgId: string }
  | { loginMethod: 'impersonation' }
  | { loginMethod: 'generated_from_backend_api' }
  | { loginMethod: 'unknown' };

// Frozen and shared: the same object for every token with the same simple method.
const SIMPLE_METHODS = new Map<string, LoginMethod>(
  ['password', 'magic_link', 'email_confirmation_link', 'impersonation', 'generated_from_backend_api'].map((method) => [
    method,
    Object.freeze({ loginMethod: method }) as LoginMethod,
  ]),
);
const UNKNOWN: LoginMethod = Object.freeze({ loginMethod: 'unknown' });

/**
 * Converts the token's `login_method` claim; anything absent or unrecognised is
 * `{ loginMethod: 'unknown' }`. The result is frozen.
 */
export function toLoginMethod(claim: unknown): LoginMethod {
  if (claim === null || typeof claim !== 'object' || Array.isArray(claim)) {
    return UNKNOWN;
  }
  const wire = claim as Record<string, unknown>;
  const method = Object.hasOwn(wire, 'login_method') ? wire.login_method : undefined;
  if (typeof method !== 'string') {
    return UNKNOWN;
  }
  const simple = SIMPLE_METHODS.get(method);
  if (simple !== undefined) return simple;
  const provider = Object.hasOwn(wire, 'provider') ? wire.provider : undefined;
  if (method === 'social_sso' && typeof provider === 'string') {
    return Object.freeze({ loginMethod: 'social_sso', provider });
  }
  const orgId = Object.hasOwn(wire, 'org_id') ? wire.org_id : undefined;
  if (method === 'saml_sso' && typeof provider === 'string' && typeof orgId === 'string') {
    return Object.freeze({ loginMethod: 'saml_sso', provider, orgId });
  }
  return UNKNOWN;
}
