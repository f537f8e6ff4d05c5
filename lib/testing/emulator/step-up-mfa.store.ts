import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { EmulatorState, EmulatorUser } from './emulator-state';
import { UserStore } from './users.store';

export type EmulatorGrantType = 'ONE_TIME_USE' | 'TIME_BASED';

/** A phone a user set up for MFA. */
export interface EmulatorMfaPhone {
  mfaPhoneId: string;
  phoneNumber: string;
}

/** An SMS the emulator "sent": read the code here instead of from a phone. */
export interface EmulatorSentSms {
  challengeId: string;
  userId: string;
  mfaPhoneId: string;
  phoneNumber: string;
  code: string;
}

/** A pending SMS challenge (`POST /mfa/step-up/phone/send`). */
export interface EmulatorSmsChallenge {
  challengeId: string;
  userId: string;
  mfaPhoneId: string;
  code: string;
  actionType: string;
  grantType: EmulatorGrantType;
  validForSeconds: number;
  /** Unix ms. */
  expiresAt: number;
  used: boolean;
}

/** A step-up grant issued after a verified TOTP or SMS code. */
export interface EmulatorStepUpGrant {
  grant: string;
  userId: string;
  actionType: string;
  grantType: EmulatorGrantType;
  /** Unix ms. */
  expiresAt: number;
  /** One-time grants: set by the first successful `verify-grant`. */
  used: boolean;
}

/** How long an SMS code stays valid. */
const SMS_CHALLENGE_TTL_MS = 10 * 60 * 1000;

/** The TOTP code that verifies for a user whose TOTP MFA was set up without `enrollTotp` (e.g. by `migrate_user`). */
export const DEFAULT_TOTP_CODE = '123456';

/**
 * The emulator's step-up MFA: the codes that verify, the SMS challenges and
 * the grants. Who has MFA at all is the users' store (`UserStore.mfa`, what
 * `GET /user/{userId}/mfa` answers and `disable_2fa` clears), so both always
 * agree. Get the instance of an emulator with `emulator.state.store(StepUpMfaStore)`.
 *
 * @example
 * const mfa = emulator.state.store(StepUpMfaStore);
 * mfa.enrollTotp(userId, '654321');                 // TOTP MFA; this code verifies
 * const mfaPhoneId = mfa.enrollPhone(userId);       // phone MFA; then read mfa.lastSmsCode(userId)
 * mfa.featureGated = true;                          // every endpoint answers feature_gated
 */
export class StepUpMfaStore {
  /** userId -> the TOTP code that verifies (a real authenticator's code changes; this one does not). */
  readonly totpCodes = new Map<string, string>();
  /** mfaPhoneId -> the full phone number (the users' store keeps only its last digits). */
  readonly phoneNumbers = new Map<string, string>();
  readonly challenges = new Map<string, EmulatorSmsChallenge>();
  readonly grants = new Map<string, EmulatorStepUpGrant>();
  /** Every SMS "sent", oldest first. */
  readonly sentSms: EmulatorSentSms[] = [];
  /** When true, every step-up endpoint answers `feature_gated` (a pricing plan without step-up MFA). */
  featureGated = false;
  private clockOffsetMs = 0;

  /** Made by `state.store(StepUpMfaStore)`, which gives it the emulator's state. */
  constructor(private readonly state: EmulatorState) {}

  /** The emulator's clock for grants and challenges, in unix ms (see `advanceClock`). */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Moves the clock forward, so that grants and challenges expire without waiting. */
  advanceClock(seconds: number): void {
    this.clockOffsetMs += seconds * 1000;
  }

  /** Gives the user TOTP MFA (replacing phone MFA, as in PropelAuth a user has one kind); `code` is the code that verifies. */
  enrollTotp(userId: string, code = DEFAULT_TOTP_CODE): void {
    this.users().setMfa(this.user(userId), { type: 'Totp' });
    this.totpCodes.set(userId, code);
  }

  /** Gives the user an MFA phone (added to the user's other phones, replacing TOTP); resolves to its `mfa_phone_id`. */
  enrollPhone(userId: string, phoneNumber = '+15555550123'): string {
    const user = this.user(userId);
    const current = this.users().mfa.get(userId);
    const mfaPhoneId = randomUUID();
    const phones = current?.type === 'Phone' ? current.phoneNumbers : [];
    this.users().setMfa(user, { type: 'Phone', phoneNumbers: [...phones, { suffix: phoneNumber.slice(-4), phoneId: mfaPhoneId }] });
    this.phoneNumbers.set(mfaPhoneId, phoneNumber);
    return mfaPhoneId;
  }

  /** Removes the user's MFA (as `disable_2fa` does). */
  unenroll(userId: string): void {
    this.users().clearMfa(this.user(userId));
    this.totpCodes.delete(userId);
  }

  /** The TOTP code that verifies for the user, or undefined if the user has no TOTP MFA. */
  totpCodeOf(userId: string): string | undefined {
    return this.users().mfa.get(userId)?.type === 'Totp' ? (this.totpCodes.get(userId) ?? DEFAULT_TOTP_CODE) : undefined;
  }

  /** The user's MFA phones (none without phone MFA). */
  phonesOf(userId: string): EmulatorMfaPhone[] {
    const setup = this.users().mfa.get(userId);
    if (setup?.type !== 'Phone') return [];
    return setup.phoneNumbers.map((phone) => ({ mfaPhoneId: phone.phoneId, phoneNumber: this.phoneNumbers.get(phone.phoneId) ?? `+1555555${phone.suffix}` }));
  }

  /** The code of the last SMS sent to the user. */
  lastSmsCode(userId: string): string | undefined {
    for (let i = this.sentSms.length - 1; i >= 0; i--) if (this.sentSms[i].userId === userId) return this.sentSms[i].code;
    return undefined;
  }

  /** @internal Starts an SMS challenge and "sends" its code. */
  startSmsChallenge(input: Omit<EmulatorSmsChallenge, 'challengeId' | 'code' | 'expiresAt' | 'used'> & { phoneNumber: string }): EmulatorSmsChallenge {
    const { phoneNumber, ...rest } = input;
    const challenge: EmulatorSmsChallenge = {
      ...rest,
      challengeId: randomUUID(),
      code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
      expiresAt: this.now() + SMS_CHALLENGE_TTL_MS,
      used: false,
    };
    this.challenges.set(challenge.challengeId, challenge);
    this.sentSms.push({ challengeId: challenge.challengeId, userId: input.userId, mfaPhoneId: input.mfaPhoneId, phoneNumber, code: challenge.code });
    return challenge;
  }

  /** @internal Issues a grant. */
  issueGrant(input: { userId: string; actionType: string; grantType: EmulatorGrantType; validForSeconds: number }): EmulatorStepUpGrant {
    const grant: EmulatorStepUpGrant = {
      grant: randomBytes(32).toString('base64url'),
      userId: input.userId,
      actionType: input.actionType,
      grantType: input.grantType,
      expiresAt: this.now() + input.validForSeconds * 1000,
      used: false,
    };
    this.grants.set(grant.grant, grant);
    return grant;
  }

  /** @internal True (and a one-time grant is used up) if the grant is good for this user and action now. */
  consumeGrant(grant: string, userId: string, actionType: string): boolean {
    const record = this.grants.get(grant);
    if (!record || record.userId !== userId || record.actionType !== actionType || record.used || record.expiresAt <= this.now()) return false;
    if (record.grantType === 'ONE_TIME_USE') record.used = true;
    return true;
  }

  private users(): UserStore {
    return this.state.store(UserStore);
  }

  private user(userId: string): EmulatorUser {
    const user = this.state.users.get(userId);
    if (!user) throw new Error(`PropelAuthEmulator has no user ${userId}`);
    return user;
  }
}
