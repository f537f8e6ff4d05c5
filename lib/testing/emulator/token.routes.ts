import type { EmulatorRouter } from './emulator-router';
import type { EmulatorState } from './emulator-state';
import type { TokenMinter } from './token-minter';

const MAX_TOKEN_MINUTES = 60 * 24 * 365;

/** Token verification metadata (both paths the official libraries use) and `POST /access_token`. */
export function registerTokenRoutes(router: EmulatorRouter, deps: { state: EmulatorState; minter: TokenMinter; publicKeyPem: () => string }): void {
  router.add('GET', '/api/v1/token_verification_metadata', () => ({ status: 200, body: { verifier_key_pem: deps.publicKeyPem() } }));
  router.add('GET', '/api/backend/v1/token_verification_metadata', () => ({ status: 200, body: { public_key_pem: deps.publicKeyPem() } }));

  router.add('POST', '/api/backend/v1/access_token', ({ body }) => {
    const request = (body ?? {}) as { user_id?: unknown; duration_in_minutes?: unknown; active_org_id?: unknown };
    if (typeof request.user_id !== 'string') return fieldError('user_id', 'user_id is required');
    const duration = request.duration_in_minutes;
    if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > MAX_TOKEN_MINUTES) {
      return fieldError('duration_in_minutes', `duration_in_minutes must be an integer from 1 to ${MAX_TOKEN_MINUTES}`);
    }
    const user = deps.state.users.get(request.user_id);
    // PropelAuth answers 403 for an unknown user here; the official client maps it to UserNotFoundException.
    if (user === undefined) return { status: 403, body: { user_id: ['User not found'] } };
    const activeOrgId = request.active_org_id;
    if (activeOrgId !== undefined && activeOrgId !== null) {
      if (typeof activeOrgId !== 'string' || !deps.state.memberships.get(activeOrgId)?.has(user.userId)) {
        return fieldError('active_org_id', 'User is not a member of this org');
      }
    }
    const token = deps.minter.mintForUser(deps.state, user, {
      expiresInSeconds: duration * 60,
      activeOrgId: typeof activeOrgId === 'string' ? activeOrgId : undefined,
    });
    return { status: 200, body: { access_token: token } };
  });
}

function fieldError(field: string, message: string) {
  return { status: 400, body: { [field]: [message] } };
}
