import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PropelAuthEmulator } from '../../lib/testing';
import { decodePart } from '../support/tokens';

/** A raw request to the emulator, as a PropelAuth client would send it. */
async function call(emulator: PropelAuthEmulator, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${emulator.apiBaseUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${emulator.apiKey}`,
      'X-Propelauth-url': new URL(emulator.authUrl).hostname,
      'Content-Type': 'application/json',
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('PropelAuthEmulator', () => {
  let emulator: PropelAuthEmulator;
  beforeAll(async () => {
    emulator = await new PropelAuthEmulator({ authUrl: 'https://auth.acme.test/' }).start();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('serves the verifier key on both metadata paths', async () => {
    expect((await call(emulator, 'GET', '/api/v1/token_verification_metadata')).body).toEqual({ verifier_key_pem: emulator.verifierKeyPem });
    expect((await call(emulator, 'GET', '/api/backend/v1/token_verification_metadata')).body).toEqual({ public_key_pem: emulator.verifierKeyPem });
    expect(emulator.verifierKeyPem).toContain('-----BEGIN PUBLIC KEY-----');
  });

  it('answers 401 to a wrong API key or a wrong X-Propelauth-url', async () => {
    expect((await call(emulator, 'GET', '/api/v1/token_verification_metadata', undefined, { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await call(emulator, 'GET', '/api/v1/token_verification_metadata', undefined, { 'X-Propelauth-url': 'other.test' })).status).toBe(401);
  });

  it('answers 404 and 405 like a server', async () => {
    expect((await call(emulator, 'GET', '/api/backend/v1/nothing-here')).status).toBe(404);
    expect((await call(emulator, 'DELETE', '/api/v1/token_verification_metadata')).status).toBe(405);
  });

  it('mints tokens with the real PropelAuth claim shape', () => {
    const token = emulator.mintAccessToken({
      userId: 'u1',
      email: 'u1@acme.test',
      orgs: [{ orgId: 'o1', orgName: 'Acme Inc', role: 'Admin' }],
      loginMethod: { login_method: 'social_sso', provider: 'Google' },
    });
    const header = decodePart(token, 0);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(typeof header.kid).toBe('string');
    const claims = decodePart(token, 1);
    expect(claims).toMatchObject({
      sub: 'u1',
      user_id: 'u1',
      iss: 'https://auth.acme.test',
      email: 'u1@acme.test',
      login_method: { login_method: 'social_sso', provider: 'Google' },
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(1800);
    expect((claims.org_id_to_org_member_info as Record<string, unknown>).o1).toEqual({
      org_id: 'o1',
      org_name: 'Acme Inc',
      url_safe_org_name: 'acme-inc',
      org_metadata: {},
      user_role: 'Admin',
      inherited_user_roles_plus_current_role: ['Admin', 'Member'],
      org_role_structure: 'single_role_in_hierarchy',
      additional_roles: [],
      user_permissions: [
        'propelauth::can_invite',
        'propelauth::can_change_roles',
        'propelauth::can_remove_users',
        'propelauth::can_manage_api_keys',
        'propelauth::can_update_org_metadata',
        'propelauth::can_view_other_members',
      ],
    });
  });

  it('mints active-org tokens with org_member_info, and honours claim overrides', () => {
    const token = emulator.mintAccessToken({ orgs: [{ orgId: 'o1' }, { orgId: 'o2' }], activeOrgId: 'o2', claims: { exp: undefined, extra: 1 } });
    const claims = decodePart(token, 1);
    expect((claims.org_member_info as { org_id: string }).org_id).toBe('o2');
    expect(claims.org_id_to_org_member_info).toBeUndefined();
    expect(claims.exp).toBeUndefined();
    expect(claims.extra).toBe(1);
    expect(() => emulator.mintAccessToken({ orgs: [{ orgId: 'o1' }], activeOrgId: 'o9' })).toThrow(/not one of the user's orgs/);
  });

  describe('POST /api/backend/v1/access_token', () => {
    it('issues a token that reflects the stored memberships', async () => {
      const user = emulator.createUser({ email: 'Stored@Acme.test', firstName: 'Sam' });
      const org = emulator.createOrg({ name: 'Stored Org' });
      emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Owner' });
      const answer = await call(emulator, 'POST', '/api/backend/v1/access_token', { user_id: user.userId, duration_in_minutes: 5 });
      expect(answer.status).toBe(200);
      const claims = decodePart(answer.body.access_token, 1);
      expect(claims.email).toBe('stored@acme.test');
      expect(claims.first_name).toBe('Sam');
      expect((claims.exp as number) - (claims.iat as number)).toBe(300);
      const entry = (claims.org_id_to_org_member_info as Record<string, any>)[org.orgId];
      expect(entry.user_role).toBe('Owner');
      expect(entry.url_safe_org_name).toBe('stored-org');
      expect(entry.inherited_user_roles_plus_current_role).toEqual(['Owner', 'Admin', 'Member']);

      const active = await call(emulator, 'POST', '/api/backend/v1/access_token', { user_id: user.userId, duration_in_minutes: 5, active_org_id: org.orgId });
      expect(decodePart(active.body.access_token, 1).org_member_info).toMatchObject({ org_id: org.orgId });
    });

    it('answers 403 for an unknown user and 400 field errors for bad input', async () => {
      expect((await call(emulator, 'POST', '/api/backend/v1/access_token', { user_id: 'nobody', duration_in_minutes: 5 })).status).toBe(403);
      const bad = await call(emulator, 'POST', '/api/backend/v1/access_token', { user_id: 'x', duration_in_minutes: 0 });
      expect(bad.status).toBe(400);
      expect(bad.body.duration_in_minutes).toEqual([expect.any(String)]);
      const user = emulator.createUser({ email: 'lonely@acme.test' });
      const notMember = await call(emulator, 'POST', '/api/backend/v1/access_token', { user_id: user.userId, duration_in_minutes: 5, active_org_id: 'o-none' });
      expect(notMember.status).toBe(400);
      expect(Object.keys(notMember.body)).toEqual(['active_org_id']);
    });
  });

  it('refuses duplicate emails and unknown roles in its store', () => {
    emulator.createUser({ email: 'dup@acme.test' });
    expect(() => emulator.createUser({ email: 'DUP@acme.test' })).toThrow();
    const user = emulator.createUser({ email: 'roles@acme.test' });
    const org = emulator.createOrg({ name: 'Roles' });
    expect(() => emulator.addUserToOrg({ userId: user.userId, orgId: org.orgId, role: 'Emperor' })).toThrow();
  });

  it('fails on purpose: a status for the next N calls, then normal again', async () => {
    emulator.failNext({ path: '/api/v1/token_verification_metadata', status: 503, times: 2, body: { error: 'down' } });
    expect((await call(emulator, 'GET', '/api/v1/token_verification_metadata')).status).toBe(503);
    expect((await call(emulator, 'GET', '/api/v1/token_verification_metadata')).status).toBe(503);
    expect((await call(emulator, 'GET', '/api/v1/token_verification_metadata')).status).toBe(200);
  });

  it('records every request for wire assertions', async () => {
    emulator.clearRequests();
    await call(emulator, 'POST', '/api/backend/v1/access_token?x=1', { user_id: 'nobody', duration_in_minutes: 1 });
    expect(emulator.requests).toEqual([
      expect.objectContaining({ method: 'POST', path: '/api/backend/v1/access_token', query: { x: '1' }, body: { user_id: 'nobody', duration_in_minutes: 1 } }),
    ]);
  });
});
