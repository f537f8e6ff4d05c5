import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { describe, expect, it } from 'vitest';
import { currentOrgFactory, currentUserFactory, OrgMemberInfo, User } from '../../lib';
import { setRequestAuthState } from '../../lib/guards/request-auth';

// Nest's own ExecutionContextHost: the factories see exactly what a real route gives them.
const httpContext = (request: object) => new ExecutionContextHost([request, {}, () => undefined]);

describe('param decorator factories', () => {
  const user = new User({ userId: 'u1', email: 'u1@example.com' });
  const org = new OrgMemberInfo({ orgId: 'o1', orgName: 'O', urlSafeOrgName: 'o', userAssignedRole: 'Member' });

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

  it('return undefined outside HTTP contexts', () => {
    const rpc = new ExecutionContextHost([{}, {}]);
    rpc.setType('rpc');
    expect(currentUserFactory(undefined, rpc)).toBeUndefined();
    expect(currentOrgFactory(undefined, rpc)).toBeUndefined();
  });
});
