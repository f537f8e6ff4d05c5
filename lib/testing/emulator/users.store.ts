import type { EmulatorUser } from './emulator-state';

/** The social login providers whose OAuth tokens PropelAuth keeps (`/user/{id}/{provider}/fresh_token`). */
export const OAUTH_PROVIDERS = [
  'apple',
  'google',
  'github',
  'microsoft',
  'slack',
  'salesforce',
  'linkedin',
  'outreach',
  'quickbooks',
  'xero',
  'salesloft',
  'atlassian',
  'gitlab',
] as const;
export type EmulatorOAuthProvider = (typeof OAUTH_PROVIDERS)[number];

/** A user's MFA: an authenticator app (TOTP) or SMS to one or more phones. */
export type EmulatorMfaSetup =
  | { type: 'Totp'; base32Secret?: string }
  | { type: 'Phone'; phoneNumbers: Array<{ suffix: string; phoneId: string }> };

/** An OAuth token from a user's social login. */
export interface EmulatorOAuthToken {
  accessToken: string;
  refreshToken?: string;
  /** Unix seconds. */
  tokenExpiration?: number;
  authorizedScopes?: string[];
}

/**
 * The emulator's user-domain state beyond `EmulatorState.users`: what the user
 * routes read and write, and what a test can set up or inspect.
 *
 * @example
 * const users = emulator.state.store(UserStore);
 * users.setMfa(user, { type: 'Totp' });
 * users.setOAuthToken(user.userId, 'github', { accessToken: 'gho_x' });
 */
export class UserStore {
  /** userId -> the query parameters of the page the user signed up from (set by magic links that create the user). */
  readonly signupQueryParameters = new Map<string, Record<string, string>>();
  readonly mfa = new Map<string, EmulatorMfaSetup>();
  readonly oauthTokens = new Map<string, Map<EmulatorOAuthProvider, EmulatorOAuthToken>>();
  /** userId -> when (unix seconds) all of the user's sessions were last ended (logout all sessions, disable). */
  readonly sessionsEndedAt = new Map<string, number>();
  /** userId -> the password hash migrated from another system (cleared when the password is set or cleared). */
  readonly passwordHashes = new Map<string, string>();
  /** userId -> a new email waiting for the user's confirmation. */
  readonly pendingEmailChanges = new Map<string, string>();
  /** userId -> when (ms) the last email-confirmation email was (re)sent. */
  readonly confirmationEmailsSentAt = new Map<string, number>();

  /** Gives the user MFA (and sets `mfaEnabled`). */
  setMfa(user: EmulatorUser, setup: EmulatorMfaSetup): void {
    this.mfa.set(user.userId, setup);
    user.mfaEnabled = true;
  }

  /** Removes the user's MFA (and clears `mfaEnabled`). */
  clearMfa(user: EmulatorUser): void {
    this.mfa.delete(user.userId);
    user.mfaEnabled = false;
  }

  setOAuthToken(userId: string, provider: EmulatorOAuthProvider, token: EmulatorOAuthToken): void {
    let tokens = this.oauthTokens.get(userId);
    if (tokens === undefined) this.oauthTokens.set(userId, (tokens = new Map()));
    tokens.set(provider, token);
  }

  /** Drops everything held for a deleted user. */
  forget(userId: string): void {
    for (const map of [this.signupQueryParameters, this.mfa, this.oauthTokens, this.sessionsEndedAt, this.passwordHashes, this.pendingEmailChanges, this.confirmationEmailsSentAt]) {
      map.delete(userId);
    }
  }
}
