// Request and response types of the step-up-mfa functions (camelCase; the wire is snake_case).

/**
 * `ONE_TIME_USE`: the grant passes `verifyStepUpGrant` once, within `validForSeconds`.
 * `TIME_BASED`: it passes any number of times for `validForSeconds`.
 * (The official library's `StepUpMfaGrantType` enum values are these strings.)
 */
export type StepUpMfaGrantType = 'ONE_TIME_USE' | 'TIME_BASED';

export interface VerifyTotpChallengeRequest {
  /** Your name for the protected action (e.g. `delete_project`); the grant is only good for it. */
  actionType: string;
  userId: string;
  /** The 6-digit code from the user's authenticator app. */
  code: string;
  grantType: StepUpMfaGrantType;
  validForSeconds: number;
}

export interface StepUpMfaVerifyTotpResponse {
  /** A secret: pass it to `verifyStepUpGrant` when the user performs the action. */
  stepUpGrant: string;
}

export interface VerifyStepUpGrantRequest {
  actionType: string;
  userId: string;
  grant: string;
}

export interface StepUpMfaVerifyGrantResponse {
  /** `false` when PropelAuth knows no such grant for this user and action (expired, used up, or never issued). */
  success: boolean;
}

export interface SendSmsMfaCodeRequest {
  actionType: string;
  userId: string;
  /** From `fetchUserMfaMethods` (`mfaSetup.phoneNumbers[].mfaPhoneId`). */
  mfaPhoneId: string;
  grantType: StepUpMfaGrantType;
  validForSeconds: number;
}

export interface SendSmsMfaCodeRequestResponse {
  /** Pass it, with the code the user received, to `verifySmsChallenge`. */
  challengeId: string;
}

export interface VerifySmsChallengeRequest {
  challengeId: string;
  userId: string;
  /** The 6-digit code the user received by SMS. */
  code: string;
}

export interface VerifySmsChallengeResponse {
  /** A secret: pass it to `verifyStepUpGrant` when the user performs the action. */
  stepUpGrant: string;
}
