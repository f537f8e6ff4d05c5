import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PropelAuthApiError,
  PropelAuthApiKeyRejectedError,
  PropelAuthBadRequestError,
  PropelAuthFeatureNotEnabledError,
  PropelAuthNotFoundError,
  PropelAuthRateLimitedError,
} from '../../lib';
import { StepUpMfaStore } from '../../lib/testing/emulator/step-up-mfa.store';
import { captureWire, officialClient, rejection, sameWire, startApiHarness, type ApiHarness } from '../support/api';

const MFA = '/api/backend/v1/mfa/step-up';
const NO_SUCH_USER = '6f1b1b8e-0c1a-4d4e-9a57-3c1d2a1b0fff';
// The official library's enum values are these strings.
type GrantType = Parameters<ReturnType<typeof officialClient>['auth']['verifyStepUpTotpChallenge']>[0]['grantType'];
const ONE_TIME = 'ONE_TIME_USE' as const;
const TIME_BASED = 'TIME_BASED' as const;

describe('PropelAuthApiService: step-up MFA', () => {
  let h: ApiHarness;
  let official: ReturnType<typeof officialClient>;
  let mfa: StepUpMfaStore;
  let seq = 0;
  const newUser = () => h.emulator.createUser({ email: `mfa${++seq}@acme.test` });
  const totpUser = (code = '123456') => {
    const user = newUser();
    mfa.enrollTotp(user.userId, code);
    return user;
  };
  const phoneUser = () => {
    const user = newUser();
    return { user, mfaPhoneId: mfa.enrollPhone(user.userId) };
  };
  const asGrantType = (value: string) => value as GrantType;

  beforeAll(async () => {
    h = await startApiHarness();
    official = officialClient(h.emulator);
    mfa = h.emulator.state.store(StepUpMfaStore);
  });
  afterAll(async () => {
    official?.restore();
    await h?.close();
  });

  describe('emulator coherence with the users domain', () => {
    it('follows PropelAuth\'s flow: fetchUserMfaMethods gives the mfaPhoneId to send the SMS to; disableUser2fa ends step-up MFA', async () => {
      const { user, mfaPhoneId } = phoneUser();
      const methods = await h.api.fetchUserMfaMethods(user.userId);
      expect(methods?.mfaSetup).toEqual({ type: 'Phone', phoneNumbers: [{ mfaPhoneId, mfaPhoneNumberSuffix: '0123' }] });
      expect(h.emulator.state.users.get(user.userId)?.mfaEnabled).toBe(true);
      const phoneId = (methods!.mfaSetup as { phoneNumbers: Array<{ mfaPhoneId: string }> }).phoneNumbers[0].mfaPhoneId;
      const { challengeId } = await h.api.sendSmsMfaCode({ actionType: 'a', userId: user.userId, mfaPhoneId: phoneId, grantType: ONE_TIME, validForSeconds: 60 });
      expect(challengeId).toEqual(expect.any(String));

      const totp = totpUser();
      expect((await h.api.fetchUserMfaMethods(totp.userId))?.mfaSetup).toEqual({ type: 'Totp' });
      await h.api.disableUser2fa(totp.userId);
      const error = await rejection(h.api.verifyStepUpTotpChallenge({ actionType: 'a', userId: totp.userId, code: '123456', grantType: ONE_TIME, validForSeconds: 60 }));
      expect((error as PropelAuthBadRequestError).code).toBe('mfa_not_enabled');
    });
  });

  describe('verifyStepUpTotpChallenge', () => {
    it('returns a step-up grant for the right code', async () => {
      const user = totpUser('654321');
      const { stepUpGrant } = await h.api.verifyStepUpTotpChallenge({ actionType: 'delete_project', userId: user.userId, code: '654321', grantType: ONE_TIME, validForSeconds: 60 });
      expect(typeof stepUpGrant).toBe('string');
      expect(mfa.grants.get(stepUpGrant)).toMatchObject({ userId: user.userId, actionType: 'delete_project', grantType: 'ONE_TIME_USE' });
    });

    it('rejects a wrong code and a user without MFA with PropelAuthBadRequestError, code = error_code', async () => {
      const user = totpUser();
      const wrong = await rejection(h.api.verifyStepUpTotpChallenge({ actionType: 'a', userId: user.userId, code: '000000', grantType: ONE_TIME, validForSeconds: 60 }));
      expect(wrong).toBeInstanceOf(PropelAuthBadRequestError);
      expect(wrong).toMatchObject({ code: 'incorrect_mfa_code', status: 400, fieldToErrors: {} });
      expect((wrong as Error).message).not.toContain('000000');

      const noMfa = await rejection(h.api.verifyStepUpTotpChallenge({ actionType: 'a', userId: newUser().userId, code: '123456', grantType: ONE_TIME, validForSeconds: 60 }));
      expect(noMfa).toBeInstanceOf(PropelAuthBadRequestError);
      expect((noMfa as PropelAuthBadRequestError).code).toBe('mfa_not_enabled');
    });

    it('rejects an unknown user with PropelAuthNotFoundError (user_not_found)', async () => {
      const error = await rejection(h.api.verifyStepUpTotpChallenge({ actionType: 'a', userId: NO_SUCH_USER, code: '123456', grantType: ONE_TIME, validForSeconds: 60 }));
      expect(error).toBeInstanceOf(PropelAuthNotFoundError);
      expect((error as PropelAuthNotFoundError).code).toBe('user_not_found');
    });

    it('rejects invalid fields with PropelAuthBadRequestError and fieldToErrors (invalid_request_fields)', async () => {
      const user = totpUser();
      const error = await rejection(h.api.verifyStepUpTotpChallenge({ actionType: '', userId: user.userId, code: '123456', grantType: asGrantType('FOREVER'), validForSeconds: 60 }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(error).toMatchObject({ code: 'invalid_request_fields', fieldToErrors: { action_type: ['required'], grant_type: ['invalid'] } });
    });

    it('rejects with PropelAuthFeatureNotEnabledError when the plan has no step-up MFA (feature_gated)', async () => {
      const user = totpUser();
      mfa.featureGated = true;
      try {
        const error = await rejection(h.api.verifyStepUpTotpChallenge({ actionType: 'a', userId: user.userId, code: '123456', grantType: ONE_TIME, validForSeconds: 60 }));
        expect(error).toBeInstanceOf(PropelAuthFeatureNotEnabledError);
        expect((error as PropelAuthFeatureNotEnabledError).code).toBe('feature_gated');
      } finally {
        mfa.featureGated = false;
      }
    });

    it('rejects with PropelAuthApiKeyRejectedError on 401, and a non-JSON error body does not crash', async () => {
      h.emulator.failNext({ path: `${MFA}/verify-totp`, status: 401, body: { error: 'unauthorized' } });
      const request = { actionType: 'a', userId: NO_SUCH_USER, code: '1', grantType: ONE_TIME, validForSeconds: 1 };
      expect(await rejection(h.api.verifyStepUpTotpChallenge(request))).toBeInstanceOf(PropelAuthApiKeyRejectedError);
      h.emulator.failNext({ path: `${MFA}/verify-totp`, status: 502, body: '<html>Bad gateway</html>' });
      const error = await rejection(h.api.verifyStepUpTotpChallenge(request));
      expect(error).toBeInstanceOf(PropelAuthApiError);
      expect((error as PropelAuthApiError).status).toBe(502);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const user = totpUser();
      const request = { actionType: 'rotate_keys', userId: user.userId, code: '123456', grantType: TIME_BASED, validForSeconds: 120 };
      const ours = await sameWire(h.emulator, () => official.auth.verifyStepUpTotpChallenge({ ...request, grantType: asGrantType(TIME_BASED) }), () => h.api.verifyStepUpTotpChallenge(request));
      expect(ours).toMatchObject({
        method: 'POST',
        path: `${MFA}/verify-totp`,
        body: { action_type: 'rotate_keys', user_id: user.userId, code: '123456', grant_type: 'TIME_BASED', valid_for_seconds: 120 },
      });
    });
  });

  describe('verifyStepUpGrant', () => {
    const grantFor = async (userId: string, grantType: 'ONE_TIME_USE' | 'TIME_BASED', validForSeconds = 60, actionType = 'export_data') =>
      (await h.api.verifyStepUpTotpChallenge({ actionType, userId, code: '123456', grantType, validForSeconds })).stepUpGrant;

    it('accepts a one-time grant once: { success: true }, then { success: false }', async () => {
      const user = totpUser();
      const grant = await grantFor(user.userId, ONE_TIME);
      expect(await h.api.verifyStepUpGrant({ actionType: 'export_data', userId: user.userId, grant })).toEqual({ success: true });
      expect(await h.api.verifyStepUpGrant({ actionType: 'export_data', userId: user.userId, grant })).toEqual({ success: false });
    });

    it('accepts a time-based grant until validForSeconds have passed, only for its user and action', async () => {
      const user = totpUser();
      const grant = await grantFor(user.userId, TIME_BASED, 30);
      const request = { actionType: 'export_data', userId: user.userId, grant };
      expect(await h.api.verifyStepUpGrant(request)).toEqual({ success: true });
      expect(await h.api.verifyStepUpGrant(request)).toEqual({ success: true });
      expect(await h.api.verifyStepUpGrant({ ...request, actionType: 'delete_everything' })).toEqual({ success: false });
      expect(await h.api.verifyStepUpGrant({ ...request, userId: newUser().userId })).toEqual({ success: false });
      expect(await official.auth.verifyStepUpGrant({ ...request, actionType: 'delete_everything' })).toEqual({ success: false });
      mfa.advanceClock(31);
      expect(await h.api.verifyStepUpGrant(request)).toEqual({ success: false });
    });

    it('rejects invalid fields with PropelAuthBadRequestError (invalid_request_fields)', async () => {
      const error = await rejection(h.api.verifyStepUpGrant({ actionType: 'a', userId: newUser().userId, grant: '' }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect(error).toMatchObject({ code: 'invalid_request_fields', fieldToErrors: { grant: ['required'] } });
    });

    it('rejects with PropelAuthRateLimitedError on 429 and PropelAuthFeatureNotEnabledError for feature_gated', async () => {
      h.emulator.failNext({ path: `${MFA}/verify-grant`, status: 429, body: { error_code: 'rate_limit_exceeded', user_facing_error: 'Slow down', wait_seconds: 42 } });
      const limited = await rejection(h.api.verifyStepUpGrant({ actionType: 'a', userId: NO_SUCH_USER, grant: 'g' }));
      expect(limited).toBeInstanceOf(PropelAuthRateLimitedError);
      expect((limited as PropelAuthRateLimitedError).waitSeconds).toBe(42);
      mfa.featureGated = true;
      try {
        expect(await rejection(h.api.verifyStepUpGrant({ actionType: 'a', userId: NO_SUCH_USER, grant: 'g' }))).toBeInstanceOf(PropelAuthFeatureNotEnabledError);
      } finally {
        mfa.featureGated = false;
      }
    });

    it('keeps the shared meaning of 401 and 429 whatever error_code the body names; error_code unauthorized means a rejected key at any status', async () => {
      const path = `${MFA}/verify-grant`;
      const request = { actionType: 'a', userId: NO_SUCH_USER, grant: 'g' };
      // A rate limit whose body also reads as "no such grant": a rate limit, not { success: false }.
      h.emulator.failNext({ path, status: 429, body: { error_code: 'invalid_request_fields', field_errors: { grant: 'grant_not_found' }, wait_seconds: 42 } });
      const limited = await rejection(h.api.verifyStepUpGrant(request));
      expect(limited).toBeInstanceOf(PropelAuthRateLimitedError);
      expect((limited as PropelAuthRateLimitedError).waitSeconds).toBe(42);
      h.emulator.failNext({ path, status: 401, body: { error_code: 'user_not_found' } });
      expect(await rejection(h.api.verifyStepUpGrant(request))).toBeInstanceOf(PropelAuthApiKeyRejectedError);
      h.emulator.failNext({ path: `${MFA}/phone/verify`, status: 403, body: { error_code: 'unauthorized', user_facing_error: 'Bad key' } });
      const rejected = await rejection(h.api.verifySmsChallenge({ challengeId: NO_SUCH_USER, userId: NO_SUCH_USER, code: '123456' }));
      expect(rejected).toBeInstanceOf(PropelAuthApiKeyRejectedError);
      expect(rejected).toMatchObject({ status: 403, code: 'unauthorized' });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const request = { actionType: 'export_data', userId: NO_SUCH_USER, grant: 'not-a-grant' };
      const ours = await sameWire(h.emulator, () => official.auth.verifyStepUpGrant(request), () => h.api.verifyStepUpGrant(request));
      expect(ours).toMatchObject({ method: 'POST', path: `${MFA}/verify-grant`, body: { action_type: 'export_data', user_id: NO_SUCH_USER, grant: 'not-a-grant' } });
    });
  });

  describe('sendSmsMfaCode', () => {
    it('sends a code to the MFA phone and returns the challenge id', async () => {
      const { user, mfaPhoneId } = phoneUser();
      const { challengeId } = await h.api.sendSmsMfaCode({ actionType: 'wire_money', userId: user.userId, mfaPhoneId, grantType: ONE_TIME, validForSeconds: 300 });
      expect(mfa.challenges.get(challengeId)).toMatchObject({ userId: user.userId, mfaPhoneId, actionType: 'wire_money' });
      expect(mfa.lastSmsCode(user.userId)).toMatch(/^\d{6}$/);
    });

    it('rejects an unknown phone (invalid_request_fields), a user without phone MFA (mfa_not_enabled) and an unknown user (user_not_found)', async () => {
      const { user } = phoneUser();
      const request = { actionType: 'a', userId: user.userId, mfaPhoneId: NO_SUCH_USER, grantType: ONE_TIME, validForSeconds: 60 };
      const unknownPhone = await rejection(h.api.sendSmsMfaCode(request));
      expect(unknownPhone).toBeInstanceOf(PropelAuthBadRequestError);
      expect(unknownPhone).toMatchObject({ code: 'invalid_request_fields', fieldToErrors: { mfa_phone_id: ['mfa_phone_not_found'] } });

      const noPhone = await rejection(h.api.sendSmsMfaCode({ ...request, userId: totpUser().userId }));
      expect(noPhone).toBeInstanceOf(PropelAuthBadRequestError);
      expect((noPhone as PropelAuthBadRequestError).code).toBe('mfa_not_enabled');

      const noUser = await rejection(h.api.sendSmsMfaCode({ ...request, userId: NO_SUCH_USER }));
      expect(noUser).toBeInstanceOf(PropelAuthNotFoundError);
      expect((noUser as PropelAuthNotFoundError).code).toBe('user_not_found');
    });

    it('throws on a grant field error, where the official library returns { success: false } (a copy-paste bug)', async () => {
      const body = { error_code: 'invalid_request_fields', user_facing_error: 'Invalid request', field_errors: { grant: 'grant_not_found' } };
      const request = { actionType: 'a', userId: NO_SUCH_USER, mfaPhoneId: NO_SUCH_USER, grantType: asGrantType(ONE_TIME), validForSeconds: 60 };
      h.emulator.failNext({ path: `${MFA}/phone/send`, status: 400, body });
      expect(await official.auth.sendSmsMfaCode(request)).toEqual({ success: false });
      h.emulator.failNext({ path: `${MFA}/phone/send`, status: 400, body });
      const error = await rejection(h.api.sendSmsMfaCode({ ...request, grantType: ONE_TIME }));
      expect(error).toBeInstanceOf(PropelAuthBadRequestError);
      expect((error as PropelAuthBadRequestError).fieldToErrors).toEqual({ grant: ['grant_not_found'] });
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { user, mfaPhoneId } = phoneUser();
      const request = { actionType: 'wire_money', userId: user.userId, mfaPhoneId, grantType: TIME_BASED, validForSeconds: 600 };
      const ours = await sameWire(h.emulator, () => official.auth.sendSmsMfaCode({ ...request, grantType: asGrantType(TIME_BASED) }), () => h.api.sendSmsMfaCode(request));
      expect(ours).toMatchObject({
        method: 'POST',
        path: `${MFA}/phone/send`,
        body: { action_type: 'wire_money', user_id: user.userId, mfa_phone_id: mfaPhoneId, grant_type: 'TIME_BASED', valid_for_seconds: 600 },
      });
    });
  });

  describe('verifySmsChallenge', () => {
    const challengeFor = async (grantType: 'ONE_TIME_USE' | 'TIME_BASED' = ONE_TIME) => {
      const { user, mfaPhoneId } = phoneUser();
      const { challengeId } = await h.api.sendSmsMfaCode({ actionType: 'wire_money', userId: user.userId, mfaPhoneId, grantType, validForSeconds: 120 });
      return { userId: user.userId, challengeId, code: mfa.lastSmsCode(user.userId)! };
    };

    it('returns a step-up grant for the SMS code, good for the action given when sending', async () => {
      const { userId, challengeId, code } = await challengeFor();
      const { stepUpGrant } = await h.api.verifySmsChallenge({ challengeId, userId, code });
      expect(typeof stepUpGrant).toBe('string');
      expect(await h.api.verifyStepUpGrant({ actionType: 'wire_money', userId, grant: stepUpGrant })).toEqual({ success: true });
      expect(await h.api.verifyStepUpGrant({ actionType: 'wire_money', userId, grant: stepUpGrant })).toEqual({ success: false });
    });

    it('rejects a wrong code (incorrect_mfa_code), then a used or unknown challenge (invalid_request_fields)', async () => {
      const { userId, challengeId, code } = await challengeFor();
      const wrong = await rejection(h.api.verifySmsChallenge({ challengeId, userId, code: code === '000000' ? '111111' : '000000' }));
      expect(wrong).toBeInstanceOf(PropelAuthBadRequestError);
      expect((wrong as PropelAuthBadRequestError).code).toBe('incorrect_mfa_code');
      await h.api.verifySmsChallenge({ challengeId, userId, code });
      const used = await rejection(h.api.verifySmsChallenge({ challengeId, userId, code }));
      expect(used).toMatchObject({ code: 'invalid_request_fields', fieldToErrors: { challenge_id: ['challenge_not_found'] } });
      const noUser = await rejection(h.api.verifySmsChallenge({ challengeId, userId: NO_SUCH_USER, code }));
      expect(noUser).toBeInstanceOf(PropelAuthNotFoundError);
    });

    it('rejects with PropelAuthRateLimitedError on 429', async () => {
      h.emulator.failNext({ path: `${MFA}/phone/verify`, status: 429, body: { error_code: 'rate_limit_exceeded', user_facing_error: 'Slow down', wait_seconds: 30 } });
      const error = await rejection(h.api.verifySmsChallenge({ challengeId: 'c', userId: NO_SUCH_USER, code: '1' }));
      expect(error).toBeInstanceOf(PropelAuthRateLimitedError);
      expect((error as PropelAuthRateLimitedError).waitSeconds).toBe(30);
    });

    it('puts the same request on the wire as @propelauth/node', async () => {
      const { userId, challengeId } = await challengeFor();
      const request = { challengeId, userId, code: '999999' };
      const ours = await sameWire(h.emulator, () => official.auth.verifySmsChallenge(request), () => h.api.verifySmsChallenge(request));
      expect(ours).toMatchObject({ method: 'POST', path: `${MFA}/phone/verify`, body: { user_id: userId, challenge_id: challengeId, code: '999999' } });
    });
  });
});
