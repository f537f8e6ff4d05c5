import { httpOf } from './api-context';
import {
  PropelAuthApiError,
  PropelAuthApiKeyRejectedError,
  PropelAuthBadRequestError,
  PropelAuthFeatureNotEnabledError,
  PropelAuthNotFoundError,
} from './propelauth-api.errors';
import { apiPath, errorCodeOf, errorFor, expectSuccess, refusalOf, type ApiResponse } from './propelauth-http.client';
import type {
  SendSmsMfaCodeRequest,
  SendSmsMfaCodeRequestResponse,
  StepUpMfaVerifyGrantResponse,
  StepUpMfaVerifyTotpResponse,
  VerifySmsChallengeRequest,
  VerifySmsChallengeResponse,
  VerifyStepUpGrantRequest,
  VerifyTotpChallengeRequest,
} from './step-up-mfa.types';
import { camelize } from './wire';

/**
 * Step-up MFA functions (section 9.7) of `PropelAuthApiService`. Mixed into the service: call them on the
 * injected `PropelAuthApiService`.
 *
 * These endpoints answer errors as `{ error_code, user_facing_error, field_errors? }`.
 * Every error thrown here has `code` = that `error_code`, so callers can switch on it:
 * `incorrect_mfa_code` and `mfa_not_enabled` (PropelAuthBadRequestError),
 * `invalid_request_fields` (PropelAuthBadRequestError with `fieldToErrors`),
 * `user_not_found` (PropelAuthNotFoundError), `feature_gated` (PropelAuthFeatureNotEnabledError).
 */
export class StepUpMfaApi {
  /**
   * Checks the user's TOTP code; on success PropelAuth issues a step-up grant for `actionType`.
   * @throws PropelAuthBadRequestError with `code` `incorrect_mfa_code`, `mfa_not_enabled` or `invalid_request_fields`;
   * PropelAuthNotFoundError (`user_not_found`); PropelAuthFeatureNotEnabledError (`feature_gated`)
   *
   * @example
   * const { stepUpGrant } = await api.verifyStepUpTotpChallenge({ actionType: 'delete_project', userId, code, grantType: 'ONE_TIME_USE', validForSeconds: 300 });
   */
  async verifyStepUpTotpChallenge(request: VerifyTotpChallengeRequest): Promise<StepUpMfaVerifyTotpResponse> {
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/mfa/step-up/verify-totp`,
      body: {
        action_type: request.actionType,
        user_id: request.userId,
        code: request.code,
        grant_type: request.grantType,
        valid_for_seconds: request.validForSeconds,
      },
    });
    const body = expectSuccess(response, 'verify the step-up TOTP challenge', stepUpError) as { step_up_grant: string };
    return { stepUpGrant: body.step_up_grant };
  }

  /**
   * Whether a step-up grant is good for this user and action: `{ success: false }` when PropelAuth
   * does not know it (expired, a one-time grant already used, another user or action).
   * A one-time grant is used up by this call.
   * @throws PropelAuthBadRequestError (`invalid_request_fields`) for a malformed request; PropelAuthFeatureNotEnabledError (`feature_gated`)
   *
   * @example if (!(await api.verifyStepUpGrant({ actionType: 'delete_project', userId, grant })).success) throw new ForbiddenException();
   */
  async verifyStepUpGrant(request: VerifyStepUpGrantRequest): Promise<StepUpMfaVerifyGrantResponse> {
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/mfa/step-up/verify-grant`,
      body: { action_type: request.actionType, user_id: request.userId, grant: request.grant },
    });
    if (response.status >= 400 && response.status !== 401 && response.status !== 429 && isGrantNotFound(response.body)) {
      return { success: false };
    }
    expectSuccess(response, 'verify the step-up grant', stepUpError);
    return { success: true };
  }

  /**
   * Sends an SMS code to one of the user's MFA phones; resolves to the challenge to verify it with.
   * @throws PropelAuthBadRequestError with `code` `mfa_not_enabled` or `invalid_request_fields` (e.g. an unknown `mfaPhoneId`);
   * PropelAuthNotFoundError (`user_not_found`); PropelAuthFeatureNotEnabledError (`feature_gated`)
   *
   * @example
   * const { challengeId } = await api.sendSmsMfaCode({ actionType: 'wire_money', userId, mfaPhoneId, grantType: 'TIME_BASED', validForSeconds: 600 });
   */
  async sendSmsMfaCode(request: SendSmsMfaCodeRequest): Promise<SendSmsMfaCodeRequestResponse> {
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/mfa/step-up/phone/send`,
      body: {
        action_type: request.actionType,
        user_id: request.userId,
        mfa_phone_id: request.mfaPhoneId,
        grant_type: request.grantType,
        valid_for_seconds: request.validForSeconds,
      },
    });
    return camelize<SendSmsMfaCodeRequestResponse>(expectSuccess(response, 'send the SMS MFA code', stepUpError));
  }

  /**
   * Checks the code the user received by SMS; on success PropelAuth issues a step-up grant
   * for the action given to `sendSmsMfaCode`.
   * @throws PropelAuthBadRequestError with `code` `incorrect_mfa_code` or `invalid_request_fields` (e.g. an unknown or used challenge);
   * PropelAuthNotFoundError (`user_not_found`); PropelAuthFeatureNotEnabledError (`feature_gated`)
   *
   * @example const { stepUpGrant } = await api.verifySmsChallenge({ challengeId, userId, code });
   */
  async verifySmsChallenge(request: VerifySmsChallengeRequest): Promise<VerifySmsChallengeResponse> {
    const response = await httpOf(this).send({
      method: 'POST',
      path: apiPath`/mfa/step-up/phone/verify`,
      body: { user_id: request.userId, challenge_id: request.challengeId, code: request.code },
    });
    return camelize<VerifySmsChallengeResponse>(expectSuccess(response, 'verify the SMS challenge', stepUpError));
  }
}

type ErrorClass = new (message: string, details: ConstructorParameters<typeof PropelAuthApiError>[1]) => PropelAuthApiError;

/** The typed error for each `error_code`, whatever HTTP status PropelAuth gives it. */
const ERROR_BY_CODE: Record<string, ErrorClass> = {
  unauthorized: PropelAuthApiKeyRejectedError,
  user_not_found: PropelAuthNotFoundError,
  mfa_not_enabled: PropelAuthBadRequestError,
  incorrect_mfa_code: PropelAuthBadRequestError,
  invalid_request_fields: PropelAuthBadRequestError,
  feature_gated: PropelAuthFeatureNotEnabledError,
};

// A function, not a method: every method of the class is mixed into the service.
function stepUpError(response: ApiResponse, action: string): PropelAuthApiError {
  const { what, details } = refusalOf(response, action);
  const errorCode = details.code;
  // 401 and 429 keep the shared meaning (key rejected; rate limited with waitSeconds).
  const ErrorType = response.status === 401 || response.status === 429 || errorCode === undefined ? undefined : ERROR_BY_CODE[errorCode];
  if (ErrorType === undefined) return errorFor(response, action);
  const userFacingError = (response.body as { user_facing_error?: unknown }).user_facing_error;
  return new ErrorType(`${what}: ${typeof userFacingError === 'string' ? `${errorCode}: ${userFacingError}` : errorCode}`, details);
}

/** PropelAuth's "no such grant" answer: `invalid_request_fields` with `field_errors.grant` = `grant_not_found`. */
function isGrantNotFound(body: unknown): boolean {
  if (errorCodeOf(body) !== 'invalid_request_fields') return false;
  const fieldErrors = (body as { field_errors?: unknown }).field_errors;
  if (fieldErrors === null || typeof fieldErrors !== 'object') return false;
  const grant = (fieldErrors as Record<string, unknown>).grant;
  return grant === 'grant_not_found' || (Array.isArray(grant) && grant.includes('grant_not_found'));
}
