export { PropelAuthModule } from './module/propelauth.module';
export type {
  PropelAuthModuleAsyncOptions,
  PropelAuthModuleOptions,
  PropelAuthOptionsFactory,
  PropelAuthStartupOptions,
  TokenVerificationMetadata,
  AuthFailureEvent,
  TokenExtractor,
} from './module/propelauth-options.interface';
export { PROPELAUTH_MODULE_OPTIONS } from './propelauth.constants';

export { TokenVerifierService } from './verification/token-verifier.service';
export {
  OrgAccessDeniedError,
  PropelAuthConfigError,
  PropelAuthNotReadyError,
  PropelAuthStartupError,
  TokenVerificationError,
} from './errors';
export type { TokenErrorReason } from './errors';

export { PropelAuthGuard } from './guards/propelauth.guard';
export { RequireUserGuard } from './guards/require-user.guard';
export { OptionalUserGuard } from './guards/optional-user.guard';
export type { PropelAuthRequest } from './guards/request-auth';
export { rememberHandshake, withPropelAuthHandshake } from './guards/ws-handshake';
export type { PropelAuthHandshakeAdapter } from './guards/ws-handshake';
export type { PropelAuthRefusal } from './guards/propelauth.guard';

export { RequireOrgMember, RequireOrgRole, RequirePermission } from './decorators/org-requirement.decorator';
export type { OrgExtractor, OrgRequirementOptions, RequireOrgRoleOptions } from './decorators/org-requirement.decorator';
export { CurrentUser, currentUserFactory } from './decorators/current-user.decorator';
export { CurrentOrg, currentOrgFactory } from './decorators/current-org.decorator';
export { OptionalUser, Public } from './decorators/public.decorator';

export { User } from './models/user';
export type { UserInit } from './models/user';
export { OrgMemberInfo } from './models/org-member-info';
export type { OrgMemberInfoInit, OrgRoleStructure } from './models/org-member-info';
export type { LoginMethod } from './models/login-method';
export type { OrgAccessRequirement } from './models/org-access';

export { PropelAuthApiService } from './api/propelauth-api.service';
export {
  PropelAuthApiError,
  PropelAuthApiKeyRejectedError,
  PropelAuthBadRequestError,
  PropelAuthFeatureNotEnabledError,
  PropelAuthForbiddenError,
  PropelAuthNetworkError,
  PropelAuthNotFoundError,
  PropelAuthRateLimitedError,
  PropelAuthTimeoutError,
} from './api/propelauth-api.errors';
export type { PropelAuthApiClientOptions } from './module/propelauth-options.interface';
export type * from './api/users.types';
export type * from './api/orgs.types';
export type * from './api/api-keys.types';
export type * from './api/insights.types';
export type * from './api/step-up-mfa.types';
