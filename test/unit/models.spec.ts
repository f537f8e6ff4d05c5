import { describe, expect, it } from 'vitest';
import { OrgMemberInfo, User } from '../../lib';
import { toLoginMethod } from '../../lib/models/login-method';
import { userFromClaims } from '../../lib/models/user-from-claims';

const orgClaim = (overrides: Record<string, unknown> = {}) => ({
  org_id: 'org-1',
  org_name: 'Acme Inc',
  url_safe_org_name: 'acme-inc',
  org_metadata: { plan: 'pro', nested_key: { keep_me: true } },
  user_role: 'Admin',
  inherited_user_roles_plus_current_role: ['Admin', 'Member'],
  org_role_structure: 'single_role_in_hierarchy',
  additional_roles: [],
  user_permissions: ['can_view_billing', 'propelauth::can_invite'],
  ...overrides,
});

describe('userFromClaims', () => {
  it('maps every claim to the camelCase model, keeping property and metadata keys as sent', () => {
    const user = userFromClaims({
      user_id: 'u1',
      email: 'a@example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
      username: 'ada',
      properties: { favorite_color: 'red', nested: { snake_case: 1 } },
      metadata: { legacy_key: true },
      legacy_user_id: 'legacy-1',
      impersonator_user_id: 'employee-1',
      login_method: { login_method: 'saml_sso', provider: 'Okta', org_id: 'org-1' },
      org_id_to_org_member_info: { 'org-1': orgClaim() },
    });
    expect(user).toBeInstanceOf(User);
    expect(user).toMatchObject({
      userId: 'u1',
      email: 'a@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      username: 'ada',
      legacyUserId: 'legacy-1',
      impersonatorUserId: 'employee-1',
      activeOrgId: undefined,
      loginMethod: { loginMethod: 'saml_sso', provider: 'Okta', orgId: 'org-1' },
    });
    expect(user.properties).toEqual({ favorite_color: 'red', nested: { snake_case: 1 } });
    expect(user.metadata).toEqual({ legacy_key: true });
    const org = user.getOrg('org-1')!;
    expect(org).toBeInstanceOf(OrgMemberInfo);
    expect(org).toMatchObject({
      orgId: 'org-1',
      orgName: 'Acme Inc',
      urlSafeOrgName: 'acme-inc',
      orgMetadata: { plan: 'pro', nested_key: { keep_me: true } },
      userAssignedRole: 'Admin',
      userInheritedRolesPlusCurrentRole: ['Admin', 'Member'],
      userPermissions: ['can_view_billing', 'propelauth::can_invite'],
      orgRoleStructure: 'single_role_in_hierarchy',
      assignedAdditionalRoles: [],
    });
  });

  it('defaults a missing role structure, additional roles and inherited roles', () => {
    const user = userFromClaims({
      user_id: 'u1',
      org_id_to_org_member_info: { 'org-1': { org_id: 'org-1', org_name: 'A', url_safe_org_name: 'a', user_role: 'Owner' } },
    });
    const org = user.getOrg('org-1')!;
    expect(org.orgRoleStructure).toBe('single_role_in_hierarchy');
    expect(org.assignedAdditionalRoles).toEqual([]);
    expect(org.userInheritedRolesPlusCurrentRole).toEqual(['Owner']);
    expect(org.userPermissions).toEqual([]);
  });

  it('turns an active-org token (org_member_info) into a one-org user with activeOrgId', () => {
    const user = userFromClaims({ user_id: 'u1', org_member_info: orgClaim({ org_id: 'org-9' }) });
    expect(user.activeOrgId).toBe('org-9');
    expect(user.getActiveOrgId()).toBe('org-9');
    expect(user.getActiveOrg()?.orgId).toBe('org-9');
    expect(user.getOrgs().map((org) => org.orgId)).toEqual(['org-9']);
  });

  it('keeps an org id of __proto__ a plain own key (no prototype change)', () => {
    const map = JSON.parse('{"__proto__":{"org_id":"__proto__","org_name":"P","url_safe_org_name":"p","user_role":"Owner"}}');
    const user = userFromClaims({ user_id: 'u1', org_id_to_org_member_info: map });
    expect(Object.getPrototypeOf(user.orgIdToOrgMemberInfo)).toBeNull();
    expect(Object.keys(user.orgIdToOrgMemberInfo)).toEqual(['__proto__']);
    expect(user.getOrg('__proto__')?.orgName).toBe('P');
    expect(user.getOrg('constructor')).toBeUndefined();
  });

  it('ignores values inherited from a polluted Object.prototype: only own claims count', () => {
    const polluted = ['first_name', 'impersonator_user_id', 'org_id_to_org_member_info', 'legacy_org_id', 'user_permissions', 'login_method', 'provider'];
    const proto = Object.prototype as Record<string, unknown>;
    const values: Record<string, unknown> = {
      first_name: 'Mallory',
      impersonator_user_id: 'attacker',
      org_id_to_org_member_info: { evil: orgClaim({ org_id: 'evil', user_role: 'Owner' }) },
      legacy_org_id: 'legacy',
      user_permissions: ['propelauth::can_delete_org'],
      login_method: 'impersonation',
      provider: 'Evil',
    };
    try {
      for (const key of polluted) proto[key] = values[key];
      const bare = orgClaim();
      delete (bare as Record<string, unknown>).user_permissions;
      const user = userFromClaims({ user_id: 'u1', email: 'a@b.c', login_method: { login_method: 'social_sso' } });
      expect(user.firstName).toBeUndefined();
      expect(user.isImpersonated()).toBe(false);
      expect(user.getOrgs()).toEqual([]);
      expect(user.loginMethod).toEqual({ loginMethod: 'unknown' });
      const member = userFromClaims({ user_id: 'u2', org_member_info: bare }).getOrg('org-1')!;
      expect(member.userPermissions).toEqual([]);
      expect(member.legacyOrgId).toBeUndefined();
    } finally {
      for (const key of polluted) delete proto[key];
    }
  });

  it('builds a deeply frozen User: orgs, their lists and metadata, properties and login method', () => {
    const user = userFromClaims({
      user_id: 'u1',
      properties: { nested: { deep: [1] } },
      org_id_to_org_member_info: { 'org-1': orgClaim() },
      login_method: { login_method: 'saml_sso', provider: 'Okta', org_id: 'org-1' },
    });
    const org = user.getOrg('org-1')!;
    for (const value of [user, user.orgIdToOrgMemberInfo, org, org.userPermissions, org.userInheritedRolesPlusCurrentRole, org.assignedAdditionalRoles, org.orgMetadata, (org.orgMetadata as { nested_key: object }).nested_key, user.properties, (user.properties as { nested: { deep: unknown[] } }).nested.deep, user.loginMethod]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
    expect(() => (org.userPermissions as string[]).push('x')).toThrow(TypeError);
    // A user in no org, without properties: still frozen (shared empty constants).
    const bare = userFromClaims({ user_id: 'u2' });
    expect(Object.isFrozen(bare.orgIdToOrgMemberInfo) && Object.isFrozen(bare.properties)).toBe(true);
    expect(Object.getPrototypeOf(bare.orgIdToOrgMemberInfo)).toBeNull();
  });

  it('treats null optional claims as absent', () => {
    const user = userFromClaims({ user_id: 'u1', email: 'a@b.c', first_name: null, properties: null, org_id_to_org_member_info: null });
    expect(user.firstName).toBeUndefined();
    expect(user.properties).toEqual({});
    expect(user.getOrgs()).toEqual([]);
  });
});

describe('toLoginMethod', () => {
  it.each([
    [{ login_method: 'password' }, { loginMethod: 'password' }],
    [{ login_method: 'magic_link' }, { loginMethod: 'magic_link' }],
    [{ login_method: 'social_sso', provider: 'Google' }, { loginMethod: 'social_sso', provider: 'Google' }],
    [{ login_method: 'email_confirmation_link' }, { loginMethod: 'email_confirmation_link' }],
    [{ login_method: 'saml_sso', provider: 'Okta', org_id: 'o' }, { loginMethod: 'saml_sso', provider: 'Okta', orgId: 'o' }],
    [{ login_method: 'impersonation' }, { loginMethod: 'impersonation' }],
    [{ login_method: 'generated_from_backend_api' }, { loginMethod: 'generated_from_backend_api' }],
    [{ login_method: 'carrier_pigeon' }, { loginMethod: 'unknown' }],
    [{ login_method: 'social_sso' }, { loginMethod: 'unknown' }],
    [undefined, { loginMethod: 'unknown' }],
    ['password', { loginMethod: 'unknown' }],
    [[], { loginMethod: 'unknown' }],
  ])('%j -> %j', (claim, expected) => {
    expect(toLoginMethod(claim)).toEqual(expected);
  });
});

describe('User', () => {
  const user = new User({
    userId: 'u1',
    email: 'a@example.com',
    properties: { plan: 'pro' },
    orgIdToOrgMemberInfo: {
      'org-1': new OrgMemberInfo({
        orgId: 'org-1',
        orgName: 'Acme Inc',
        urlSafeOrgName: 'acme-inc',
        userAssignedRole: 'Admin',
        userInheritedRolesPlusCurrentRole: ['Admin', 'Member'],
        userPermissions: ['read', 'write'],
      }),
    },
  });

  it('answers role and permission questions per org, false for other orgs', () => {
    expect(user.isRoleInOrg('org-1', 'Admin')).toBe(true);
    expect(user.isRoleInOrg('org-1', 'Member')).toBe(false);
    expect(user.isAtLeastRoleInOrg('org-1', 'Member')).toBe(true);
    expect(user.isAtLeastRoleInOrg('org-1', 'Owner')).toBe(false);
    expect(user.hasPermissionInOrg('org-1', 'read')).toBe(true);
    expect(user.hasAllPermissionsInOrg('org-1', ['read', 'write'])).toBe(true);
    expect(user.hasAllPermissionsInOrg('org-1', ['read', 'admin'])).toBe(false);
    expect(user.hasAllPermissionsInOrg('org-1', [])).toBe(true);
    for (const orgId of ['org-2', '__proto__', 'constructor', 'toString']) {
      expect(user.getOrg(orgId)).toBeUndefined();
      expect(user.isAtLeastRoleInOrg(orgId, 'Member')).toBe(false);
      expect(user.hasPermissionInOrg(orgId, 'read')).toBe(false);
    }
  });

  it('finds an org by name, URL-safe name or the URL-safe form of the name', () => {
    expect(user.getOrgByName('Acme Inc')?.orgId).toBe('org-1');
    expect(user.getOrgByName('acme-inc')?.orgId).toBe('org-1');
    expect(user.getOrgByName('ACME INC')?.orgId).toBe('org-1');
    expect(user.getOrgByName('Acme')).toBeUndefined();
  });

  it('reads own properties only', () => {
    expect(user.getUserProperty('plan')).toBe('pro');
    expect(user.getUserProperty('toString')).toBeUndefined();
    expect(user.getUserProperty('missing')).toBeUndefined();
  });

  it('knows impersonation and defaults the login method to unknown', () => {
    expect(user.isImpersonated()).toBe(false);
    expect(new User({ userId: 'u', email: '', impersonatorUserId: 'e' }).isImpersonated()).toBe(true);
    expect(user.loginMethod).toEqual({ loginMethod: 'unknown' });
    expect(user.getActiveOrg()).toBeUndefined();
  });

  it('serialises to plain JSON', () => {
    const json = JSON.parse(JSON.stringify(user));
    expect(json.userId).toBe('u1');
    expect(json.orgIdToOrgMemberInfo['org-1'].orgName).toBe('Acme Inc');
  });
});

describe('OrgMemberInfo in multi-role orgs', () => {
  const org = new OrgMemberInfo({
    orgId: 'o',
    orgName: 'O',
    urlSafeOrgName: 'o',
    userAssignedRole: 'Owner',
    userInheritedRolesPlusCurrentRole: ['Owner', 'Admin', 'Member'],
    orgRoleStructure: 'multi_role',
    assignedAdditionalRoles: ['Billing'],
  });

  it('has no hierarchy: at least a role means holding it', () => {
    expect(org.userIsRole('Owner')).toBe(true);
    expect(org.userIsRole('Billing')).toBe(true);
    expect(org.userIsAtLeastRole('Billing')).toBe(true);
    expect(org.userIsAtLeastRole('Admin')).toBe(false);
    expect(org.userIsRole('owner')).toBe(false);
  });
});
