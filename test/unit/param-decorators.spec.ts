import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { describe, expect, it } from 'vitest';
import { currentOrgFactory, currentUserFactory, OrgMemberInfo, User } from '../../lib';
import { setRequestAuthState } from '../../lib/guards/request-auth';

// Nest's own ExecutionContextHost: the factories see exactly what a real route gives them.
const httpContext = (request: object) => new ExecutionContextHost([request, {}, () => undefined]);

describe('param decorator factories', () => {
  const org = new OrgMemberInfo({ orgId: 'o1', orgName: 'O', urlSafeOrgName: 'o', userAssignedRole: 'Member' });
  const user = new User({ userId: 'u1', email: 'u1@example.com', orgIdToOrgMemberInfo: { o1: org } });

  it('currentUserFactory returns the user the guard stored for that request only', () => {
    const request = { headers: {} };
    setRequestAuthState(request, { user, org });
    expect(currentUserFactory(undefined, httpContext(request))).toBe(user);
    expect(currentUserFactory(undefined, httpContext({ headers: {} }))).toBeUndefined();
  });

  it('currentOrgFactory returns the checked org', () => {
    const request = { headers: {} };
    setRequestAuthState(request, { user, org });
    expect(currentOrgFactory(undefined, httpContext(request))).toBe(org);
    const withoutOrg = { headers: {} };
    setRequestAuthState(withoutOrg, { user });
    expect(currentOrgFactory(undefined, httpContext(withoutOrg))).toBeUndefined();
  });

  it('a request.user or request.org that no guard verified is never served', () => {
    // Another middleware's req.user, even a User instance, is not the guard's.
    const foreign = { headers: {}, user: new User({ userId: 'forged', email: 'f@example.com' }), org };
    expect(currentUserFactory(undefined, httpContext(foreign))).toBeUndefined();
    expect(currentOrgFactory(undefined, httpContext(foreign))).toBeUndefined();
    // A verified user with an org that is not one of its memberships: the user only.
    const request = { headers: {} as Record<string, string>, org: undefined as OrgMemberInfo | undefined };
    setRequestAuthState(request, { user });
    request.org = new OrgMemberInfo({ orgId: 'o1', orgName: 'Other', urlSafeOrgName: 'other', userAssignedRole: 'Owner' });
    expect(currentUserFactory(undefined, httpContext(request))).toBe(user);
    expect(currentOrgFactory(undefined, httpContext(request))).toBeUndefined();
  });

  it('whatever else a middleware left in request.user or request.org is ignored, never thrown on', () => {
    for (const junk of [null, 'o1', 42, {}]) {
      const request = { headers: {}, user: junk as unknown as User };
      expect(currentUserFactory(undefined, httpContext(request))).toBeUndefined();
      setRequestAuthState(request, { user });
      (request as { org?: unknown }).org = junk;
      expect(currentUserFactory(undefined, httpContext(request))).toBe(user);
      expect(currentOrgFactory(undefined, httpContext(request))).toBeUndefined();
    }
  });

  it('a failure is recorded apart from request.user, and a later success replaces it', () => {
    const request = { headers: {} } as { headers: object; user?: User };
    setRequestAuthState(request, { error: new Error('refused') });
    expect(request.user).toBeUndefined();
    expect(currentUserFactory(undefined, httpContext(request))).toBeUndefined();
    setRequestAuthState(request, { user });
    expect(request.user).toBe(user);
    expect(currentUserFactory(undefined, httpContext(request))).toBe(user);
  });

  it('return undefined outside HTTP contexts', () => {
    const rpc = new ExecutionContextHost([{}, {}]);
    rpc.setType('rpc');
    expect(currentUserFactory(undefined, rpc)).toBeUndefined();
    expect(currentOrgFactory(undefined, rpc)).toBeUndefined();
  });
});
