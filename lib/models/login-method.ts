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

const SIMPLE_METHODS = new Set(['password', 'magic_link', 'email_confirmation_link', 'impersonation', 'generated_from_backend_api']);

/** Converts the token's `login_method` claim; anything absent or unrecognised is `{ loginMethod: 'unknown' }`. */
export function toLoginMethod(claim: unknown): LoginMethod {
  if (claim === null || typeof claim !== 'object' || Array.isArray(claim)) {
    return { loginMethod: 'unknown' };
  }
  const wire = claim as Record<string, unknown>;
  const method = wire.login_method;
  if (typeof method !== 'string') {
    return { loginMethod: 'unknown' };
  }
  if (SIMPLE_METHODS.has(method)) {
    return { loginMethod: method } as LoginMethod;
  }
  if (method === 'social_sso' && typeof wire.provider === 'string') {
    return { loginMethod: 'social_sso', provider: wire.provider };
  }
  if (method === 'saml_sso' && typeof wire.provider === 'string' && typeof wire.org_id === 'string') {
    return { loginMethod: 'saml_sso', provider: wire.provider, orgId: wire.org_id };
  }
  return { loginMethod: 'unknown' };
}
