/** A role of the emulated project, with the permissions it grants itself. */
export interface RoleDefinition {
  name: string;
  permissions?: readonly string[];
}

/**
 * PropelAuth's default roles, highest first. A role also holds the permissions
 * of every role below it (the emulator's convention: permissions are inherited
 * down the hierarchy, so each role lists only what it adds).
 */
export const DEFAULT_ROLES: readonly RoleDefinition[] = [
  { name: 'Owner', permissions: ['propelauth::can_delete_org', 'propelauth::can_setup_saml', 'propelauth::can_edit_org_access'] },
  {
    name: 'Admin',
    permissions: [
      'propelauth::can_invite',
      'propelauth::can_change_roles',
      'propelauth::can_remove_users',
      'propelauth::can_manage_api_keys',
      'propelauth::can_update_org_metadata',
    ],
  },
  { name: 'Member', permissions: ['propelauth::can_view_other_members'] },
];

/** Resolves what a role assignment means: the inherited roles and the permissions. */
export class RoleHierarchy {
  private readonly names: string[];

  constructor(private readonly roles: readonly RoleDefinition[] = DEFAULT_ROLES) {
    if (roles.length === 0) throw new Error('PropelAuthEmulator needs at least one role');
    this.names = roles.map((role) => role.name);
  }

  has(role: string): boolean {
    return this.names.includes(role);
  }

  /** The role plus every role below it, highest first. */
  inheritedRolesPlusCurrent(role: string): string[] {
    const index = this.names.indexOf(role);
    return index === -1 ? [role] : this.names.slice(index);
  }

  /** Permissions of the role and of the roles below it (for multi-role: of each role held, no hierarchy). */
  permissions(role: string, additionalRoles: readonly string[] = [], multiRole = false): string[] {
    const held = multiRole ? [role, ...additionalRoles] : this.inheritedRolesPlusCurrent(role);
    const permissions = new Set<string>();
    for (const name of held) {
      for (const permission of this.roles.find((r) => r.name === name)?.permissions ?? []) permissions.add(permission);
    }
    return [...permissions];
  }

  /** The lowest role: what a new member gets by default. */
  get lowest(): string {
    return this.names[this.names.length - 1];
  }
}
