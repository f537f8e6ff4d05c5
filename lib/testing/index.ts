export { PropelAuthEmulator } from './emulator/propelauth-emulator';
export type { EmulatorContext, FailureRule, PropelAuthEmulatorOptions, RecordedRequest } from './emulator/propelauth-emulator';
export type { MintAccessTokenOptions, MintOrgMembership } from './emulator/token-minter';
export { DEFAULT_ROLES } from './emulator/emulator-roles';
export type { RoleDefinition } from './emulator/emulator-roles';
export type {
  CreateEmulatorOrg,
  CreateEmulatorUser,
  EmulatorOrg,
  EmulatorRoleStructure,
  EmulatorInvite,
  EmulatorUser,
} from './emulator/emulator-state';
export { EmulatorHttpError, EmulatorInputError, EmulatorNotFoundError, EmulatorState } from './emulator/emulator-state';
export type { EmulatorHandler, EmulatorRequest, EmulatorResponse } from './emulator/emulator-router';

// Domain stores of the emulator, for seeding what the backend API answers: `emulator.state.store(UserStore)`.
export { OAUTH_PROVIDERS, UserStore } from './emulator/users.store';
export type { EmulatorMfaSetup, EmulatorOAuthProvider, EmulatorOAuthToken } from './emulator/users.store';
export { OrgStore } from './emulator/orgs.store';
export type { EmulatorSamlConnectionLink, EmulatorSsoConnection } from './emulator/orgs.store';
export { InsightsStore } from './emulator/insights.store';
export type { EmulatorEmployee, EmulatorReport, EmulatorScimGroup, OrgReportType, SeedOrgReportRow, SeedUserReportRow, UserReportType } from './emulator/insights.store';
export { ApiKeyStore } from './emulator/api-keys.store';
export type { CreateEmulatorApiKey, EmulatorApiKey } from './emulator/api-keys.store';
export { DEFAULT_TOTP_CODE, StepUpMfaStore } from './emulator/step-up-mfa.store';
export type { EmulatorGrantType, EmulatorMfaPhone, EmulatorSentSms, EmulatorSmsChallenge, EmulatorStepUpGrant } from './emulator/step-up-mfa.store';

// The testing kit: an emulator, the module pointing at it and one-call tokens.
export { PropelAuthTesting, PropelAuthTestingModule } from './propelauth-testing';
export type { PropelAuthOverridableBuilder, PropelAuthTestingOverrides, PropelAuthTestingTokenForOptions } from './propelauth-testing';
