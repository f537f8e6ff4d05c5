import { randomUUID } from 'node:crypto';
import { RoleHierarchy, type RoleDefinition } from './emulator-roles';
import { EmulatorHttpError, EmulatorInputError, EmulatorNotFoundError } from './emulator-errors';
import { emailOf } from './emulator-fields';
import { urlSafeName } from './emulator-wire';

// The errors live in their own file so that emulator-fields can throw them without importing this one.
export { EmulatorHttpError, EmulatorInputError, EmulatorNotFoundError };

export type EmulatorRoleStructure = 'single_role_in_hierarchy' | 'multi_role';

/** A user held by the emulator (camelCase; the HTTP routes put it on the wire as snake_case). */
export interface EmulatorUser {
  userId: string;
  email: string;
  emailConfirmed: boolean;
  firstName?: string;
  lastName?: string;
  username?: string;
  pictureUrl?: string;
  properties: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  legacyUserId?: string;
  enabled: boolean;
  locked: boolean;
  mfaEnabled: boolean;
  canCreateOrgs: boolean;
  hasPassword: boolean;
  updatePasswordRequired: boolean;
  createdAt: number;
  lastActiveAt: number;
}

/** An organization held by the emulator. */
export interface EmulatorOrg {
  orgId: string;
  name: string;
  urlSafeOrgName: string;
  metadata: Record<string, unknown>;
  legacyOrgId?: string;
  roleStructure: EmulatorRoleStructure;
  createdAt: number;
  maxUsers?: number;
  canSetupSaml: boolean;
  isSamlConfigured: boolean;
  isSamlInTestMode: boolean;
  domain?: string;
  extraDomains: string[];
  domainAutojoin: boolean;
  domainRestrict: boolean;
  customRoleMappingName?: string;
  require2faBy?: string;
  passwordRotationEnabled: boolean;
  passwordRotationHistorySize: number;
  passwordRotationPeriod: number;
}

/** An invitation to an org that the invitee has not accepted yet. */
export interface EmulatorInvite {
  inviteeEmail: string;
  orgId: string;
  role: string;
  additionalRoles: string[];
  createdAt: number;
  expiresAt: number;
  inviterEmail?: string;
  inviterUserId?: string;
}

export interface EmulatorMembership {
  role: string;
  additionalRoles: string[];
}

export interface CreateEmulatorUser {
  email: string;
  userId?: string;
  emailConfirmed?: boolean;
  firstName?: string;
  lastName?: string;
  username?: string;
  properties?: Record<string, unknown>;
  legacyUserId?: string;
  password?: string;
}

export interface CreateEmulatorOrg {
  name: string;
  orgId?: string;
  metadata?: Record<string, unknown>;
  legacyOrgId?: string;
  roleStructure?: EmulatorRoleStructure;
  maxUsers?: number;
  domain?: string;
  domainAutojoin?: boolean;
  domainRestrict?: boolean;
  customRoleMappingName?: string;
}

/**
 * The emulator's in-memory project: users, orgs and memberships. The HTTP routes
 * and the in-process helpers of `PropelAuthEmulator` both work on this one store,
 * so what a test sets up directly is what the API answers.
 */
export class EmulatorState {
  readonly users = new Map<string, EmulatorUser>();
  readonly orgs = new Map<string, EmulatorOrg>();
  /** orgId -> userId -> membership */
  readonly memberships = new Map<string, Map<string, EmulatorMembership>>();
  readonly pendingInvites: EmulatorInvite[] = [];
  /** Project settings a test can flip: organizations off makes every org endpoint answer 426. */
  readonly features = { organizations: true };

  /**
   * Org endpoints of a project without B2B support answer 426, as PropelAuth's do
   * (`feature_gated`, PropelAuth's code for a feature the project lacks).
   */
  requireOrganizations(): void {
    if (!this.features.organizations) {
      throw new EmulatorHttpError(426, {
        error_code: 'feature_gated',
        user_facing_error: 'Organizations are not enabled for this project: enable B2B support in the PropelAuth dashboard',
      });
    }
  }
  private readonly stores = new Map<new (state: EmulatorState) => unknown, unknown>();

  constructor(
    readonly roles: RoleHierarchy,
    readonly defaultRoleStructure: EmulatorRoleStructure = 'single_role_in_hierarchy',
  ) {}

  static create(roles?: readonly RoleDefinition[], roleStructure?: EmulatorRoleStructure): EmulatorState {
    return new EmulatorState(new RoleHierarchy(roles), roleStructure);
  }

  /**
   * A domain's own store (API keys, MFA, reports...), created on first use (given
   * this state, for a store that needs the users or another store) and kept for
   * the life of this emulator.
   *
   * @example const keys = emulator.state.store(ApiKeyStore);
   */
  store<T>(type: new (state: EmulatorState) => T): T {
    let store = this.stores.get(type) as T | undefined;
    if (store === undefined) {
      store = new type(this);
      this.stores.set(type, store);
    }
    return store;
  }

  createUser(input: CreateEmulatorUser): EmulatorUser {
    const email = emailOf(input.email, 'email');
    if (this.findUserByEmail(email)) throw new EmulatorInputError({ email: ['Email already exists'] });
    if (input.username !== undefined && this.findUserByUsername(input.username)) {
      throw new EmulatorInputError({ username: ['Username already exists'] });
    }
    const now = Math.floor(Date.now() / 1000);
    const user: EmulatorUser = {
      userId: input.userId ?? randomUUID(),
      email,
      emailConfirmed: input.emailConfirmed ?? true,
      firstName: input.firstName,
      lastName: input.lastName,
      username: input.username,
      properties: input.properties ?? {},
      legacyUserId: input.legacyUserId,
      enabled: true,
      locked: false,
      mfaEnabled: false,
      canCreateOrgs: false,
      hasPassword: input.password !== undefined,
      updatePasswordRequired: false,
      createdAt: now,
      lastActiveAt: now,
    };
    this.users.set(user.userId, user);
    return user;
  }

  createOrg(input: CreateEmulatorOrg): EmulatorOrg {
    const name = input.name?.trim();
    if (!name) throw new EmulatorInputError({ name: ['Name is required'] });
    const org: EmulatorOrg = {
      orgId: input.orgId ?? randomUUID(),
      name,
      urlSafeOrgName: urlSafeName(name),
      metadata: input.metadata ?? {},
      legacyOrgId: input.legacyOrgId,
      roleStructure: input.roleStructure ?? this.defaultRoleStructure,
      createdAt: Math.floor(Date.now() / 1000),
      maxUsers: input.maxUsers,
      canSetupSaml: false,
      isSamlConfigured: false,
      isSamlInTestMode: false,
      domain: input.domain,
      extraDomains: [],
      domainAutojoin: input.domainAutojoin ?? false,
      domainRestrict: input.domainRestrict ?? false,
      customRoleMappingName: input.customRoleMappingName,
      passwordRotationEnabled: false,
      passwordRotationHistorySize: 0,
      passwordRotationPeriod: 0,
    };
    this.orgs.set(org.orgId, org);
    this.memberships.set(org.orgId, new Map());
    return org;
  }

  addUserToOrg(userId: string, orgId: string, role: string, additionalRoles: string[] = []): void {
    const members = this.memberships.get(orgId);
    if (!this.users.has(userId) || members === undefined) throw new EmulatorNotFoundError();
    this.requireRoles(role, additionalRoles);
    members.set(userId, { role, additionalRoles });
  }

  /**
   * The 400 PropelAuth gives for roles the project does not define: `{ role }`
   * if `role` is unknown, else `{ additional_roles }` naming every unknown one.
   */
  requireRoles(role: string, additionalRoles: readonly string[] = []): void {
    if (!this.roles.has(role)) throw new EmulatorInputError({ role: [`Role ${role} does not exist`] });
    const unknown = additionalRoles.filter((name) => !this.roles.has(name));
    if (unknown.length > 0) throw new EmulatorInputError({ additional_roles: unknown.map((name) => `Role ${name} does not exist`) });
  }

  findUserByEmail(email: string): EmulatorUser | undefined {
    const wanted = email.trim().toLowerCase();
    for (const user of this.users.values()) if (user.email === wanted) return user;
    return undefined;
  }

  findUserByUsername(username: string): EmulatorUser | undefined {
    for (const user of this.users.values()) if (user.username === username) return user;
    return undefined;
  }

  /** The orgs a user belongs to, with the membership. */
  orgsOfUser(userId: string): Array<{ org: EmulatorOrg; membership: EmulatorMembership }> {
    const result: Array<{ org: EmulatorOrg; membership: EmulatorMembership }> = [];
    for (const [orgId, members] of this.memberships) {
      const membership = members.get(userId);
      if (membership) result.push({ org: this.orgs.get(orgId)!, membership });
    }
    return result;
  }
}
