/** Injection token for the options given to `PropelAuthModule.forRoot()` / `forRootAsync()`. */
export const PROPELAUTH_MODULE_OPTIONS = Symbol('propelauth:module-options');

/** Injection token for the validated, normalised options (see `resolvePropelAuthOptions`). */
export const PROPELAUTH_RESOLVED_OPTIONS = Symbol('propelauth:resolved-options');

/** Metadata keys are namespaced so they never collide with another library's. */
export const REQUIRE_ORG_MEMBER_METADATA = 'propelauth:require-org-member';
export const REQUIRE_ORG_ROLE_METADATA = 'propelauth:require-org-role';
export const REQUIRE_PERMISSION_METADATA = 'propelauth:require-permission';

/** The logger context every PropelAuth log line carries. */
export const PROPELAUTH_LOGGER_CONTEXT = 'propelauth';

export const DEFAULT_API_BASE_URL = 'https://propelauth-api.com';
export const TOKEN_VERIFICATION_METADATA_PATH = '/api/v1/token_verification_metadata';

/** Set by `@Public()`: the PropelAuth guards let the route through without looking at any token. */
export const PUBLIC_ROUTE_METADATA = 'propelauth:public';
/** Set by `@OptionalUser()`: `RequireUserGuard` behaves as `OptionalUserGuard` on the route. */
export const OPTIONAL_USER_METADATA = 'propelauth:optional-user';
