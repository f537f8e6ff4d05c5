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
