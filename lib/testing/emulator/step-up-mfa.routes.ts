import type { EmulatorRouter } from './emulator-router';
import { EmulatorHttpError, type EmulatorState } from './emulator-state';
import { objectBody } from './emulator-fields';
import type { EmulatorContext } from './propelauth-emulator';
import { StepUpMfaStore, type EmulatorGrantType } from './step-up-mfa.store';

const PREFIX = '/api/backend/v1/mfa/step-up';
const GRANT_TYPES = new Set(['ONE_TIME_USE', 'TIME_BASED']);

/**
 * The step-up MFA endpoints (section 9.7) of the backend API. Their errors are
 * `{ error_code, user_facing_error, field_errors?, user_facing_errors? }`, not
 * the field-error bodies of the other endpoints.
 */
export function registerStepUpMfaRoutes(router: EmulatorRouter, { state }: EmulatorContext): void {
  const mfa = state.store(StepUpMfaStore);

  router.add('POST', `${PREFIX}/verify-totp`, ({ body }) => {
    const request = fields(mfa, body, { action_type: 'string', user_id: 'string', code: 'string', grant_type: 'grant_type', valid_for_seconds: 'seconds' });
    const userId = existingUser(state, request.user_id);
    const expected = mfa.totpCodeOf(userId);
    if (expected === undefined) throw mfaError(400, 'mfa_not_enabled', 'The user has not set up TOTP MFA');
    if (request.code !== expected) throw mfaError(400, 'incorrect_mfa_code', 'The code is incorrect');
    const grant = mfa.issueGrant({ userId, actionType: request.action_type, grantType: request.grant_type as EmulatorGrantType, validForSeconds: Number(request.valid_for_seconds) });
    return { status: 200, body: { step_up_grant: grant.grant } };
  });

  router.add('POST', `${PREFIX}/verify-grant`, ({ body }) => {
    const request = fields(mfa, body, { action_type: 'string', user_id: 'string', grant: 'string' });
    if (!mfa.consumeGrant(request.grant, request.user_id, request.action_type)) {
      throw invalidFields({ grant: ['grant_not_found', 'No valid grant for this user and action'] });
    }
    return { status: 200, body: {} };
  });

  router.add('POST', `${PREFIX}/phone/send`, ({ body }) => {
    const request = fields(mfa, body, { action_type: 'string', user_id: 'string', mfa_phone_id: 'string', grant_type: 'grant_type', valid_for_seconds: 'seconds' });
    const userId = existingUser(state, request.user_id);
    const phones = mfa.phonesOf(userId);
    if (phones.length === 0) throw mfaError(400, 'mfa_not_enabled', 'The user has not set up phone MFA');
    const phone = phones.find((candidate) => candidate.mfaPhoneId === request.mfa_phone_id);
    if (!phone) throw invalidFields({ mfa_phone_id: ['mfa_phone_not_found', 'The user has no MFA phone with this id'] });
    const challenge = mfa.startSmsChallenge({
      userId,
      mfaPhoneId: phone.mfaPhoneId,
      phoneNumber: phone.phoneNumber,
      actionType: request.action_type,
      grantType: request.grant_type as EmulatorGrantType,
      validForSeconds: Number(request.valid_for_seconds),
    });
    return { status: 200, body: { challenge_id: challenge.challengeId } };
  });

  router.add('POST', `${PREFIX}/phone/verify`, ({ body }) => {
    const request = fields(mfa, body, { user_id: 'string', challenge_id: 'string', code: 'string' });
    const userId = existingUser(state, request.user_id);
    const challenge = mfa.challenges.get(request.challenge_id);
    if (!challenge || challenge.userId !== userId || challenge.used || challenge.expiresAt <= mfa.now()) {
      throw invalidFields({ challenge_id: ['challenge_not_found', 'No pending SMS challenge with this id'] });
    }
    if (request.code !== challenge.code) throw mfaError(400, 'incorrect_mfa_code', 'The code is incorrect');
    challenge.used = true;
    const grant = mfa.issueGrant({ userId, actionType: challenge.actionType, grantType: challenge.grantType, validForSeconds: challenge.validForSeconds });
    return { status: 200, body: { step_up_grant: grant.grant } };
  });
}

type FieldKind = 'string' | 'grant_type' | 'seconds';

/** The request's fields, checked (and the feature gate first); any problem is `invalid_request_fields`. */
function fields<K extends string>(mfa: StepUpMfaStore, body: unknown, spec: Record<K, FieldKind>): Record<K, string> {
  if (mfa.featureGated) throw mfaError(402, 'feature_gated', "This feature isn't available on your current pricing plan");
  const request = objectBody(body);
  const problems: Record<string, [string, string]> = {};
  const values = {} as Record<K, string>;
  for (const name of Object.keys(spec) as K[]) {
    const value = request[name];
    const kind = spec[name];
    if (kind === 'seconds') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) problems[name] = ['invalid', `${name} must be a positive number of seconds`];
      else values[name] = String(value);
    } else if (typeof value !== 'string' || value.length === 0) {
      problems[name] = ['required', `${name} is required`];
    } else if (kind === 'grant_type' && !GRANT_TYPES.has(value)) {
      problems[name] = ['invalid', 'grant_type must be ONE_TIME_USE or TIME_BASED'];
    } else {
      values[name] = value;
    }
  }
  if (Object.keys(problems).length > 0) throw invalidFields(problems);
  return values;
}

function existingUser(state: EmulatorState, userId: string): string {
  if (!state.users.has(userId)) throw mfaError(404, 'user_not_found', 'User not found');
  return userId;
}

/** `field -> [machine code, human message]` as PropelAuth's `field_errors` and `user_facing_errors`. */
function invalidFields(problems: Record<string, [string, string]>): EmulatorHttpError {
  const entries = Object.entries(problems);
  return mfaError(400, 'invalid_request_fields', 'Invalid request', {
    field_errors: Object.fromEntries(entries.map(([name, [code]]) => [name, code])),
    user_facing_errors: Object.fromEntries(entries.map(([name, [, message]]) => [name, message])),
  });
}

function mfaError(status: number, errorCode: string, userFacingError: string, extra: Record<string, unknown> = {}): EmulatorHttpError {
  return new EmulatorHttpError(status, { error_code: errorCode, user_facing_error: userFacingError, ...extra });
}
