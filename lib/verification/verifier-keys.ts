import type { KeyObject } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { JwksClient } from 'jwks-rsa';
import { PropelAuthStartupError } from '../errors';
import { parseVerifierKey, type ResolvedPropelAuthOptions } from '../module/propelauth-options';
import { loadVerifierKey } from './verifier-key.loader';

/** The keys tokens may be signed with: by `kid`, and a key for any kid (the PEM path). */
export interface VerifierKeys {
  byKid: ReadonlyMap<string, KeyObject>;
  /** The PEM path's single key, used whatever the token's kid. Absent with a JWKS. */
  anyKid?: KeyObject;
}

export function keysFromPem(key: KeyObject): VerifierKeys {
  return { byKid: new Map(), anyKid: key };
}

/** The key for a token's kid, or undefined (a JWKS that does not list it). */
export function selectKey(keys: VerifierKeys, kid: string | undefined): KeyObject | undefined {
  return (kid !== undefined ? keys.byKid.get(kid) : undefined) ?? keys.anyKid;
}

/** True when both sets hold exactly the same keys. */
export function sameKeys(a: VerifierKeys | undefined, b: VerifierKeys): boolean {
  if (a === undefined) return false;
  if ((a.anyKid === undefined) !== (b.anyKid === undefined) || (a.anyKid && b.anyKid && !a.anyKid.equals(b.anyKid))) return false;
  if (a.byKid.size !== b.byKid.size) return false;
  for (const [kid, key] of a.byKid) if (!b.byKid.get(kid)?.equals(key)) return false;
  return true;
}

/** Loads the keys the options point at: the JWKS when `jwksUri` is set, else the verification metadata PEM. */
export async function loadVerifierKeys(options: ResolvedPropelAuthOptions, logger: LoggerService, attempts = options.startup.maxAttempts): Promise<VerifierKeys> {
  if (options.jwksUri === undefined) {
    return keysFromPem(await loadVerifierKey({ ...options, startup: { ...options.startup, maxAttempts: attempts } }, logger));
  }
  return loadJwks(options, logger, attempts);
}

/**
 * Reads the JWKS through jwks-rsa. Only RSA keys of at least 2048 bits with a kid
 * are kept (others are skipped with a warning); none at all fails the load.
 */
async function loadJwks(options: ResolvedPropelAuthOptions, logger: LoggerService, attempts: number): Promise<VerifierKeys> {
  const client = new JwksClient({ jwksUri: options.jwksUri!, timeout: options.startup.requestTimeoutMs, cache: false, rateLimit: false });
  for (let attempt = 1; ; attempt++) {
    let signingKeys: Awaited<ReturnType<JwksClient['getSigningKeys']>>;
    try {
      signingKeys = await client.getSigningKeys();
    } catch (error) {
      const message = `Fetching the JWKS of ${options.authUrl.origin} from ${options.jwksUri} failed (${(error as { code?: string })?.code ?? (error as Error)?.name ?? 'error'})`;
      if (attempt >= attempts) throw new PropelAuthStartupError(`${message}; gave up after ${attempts} attempt(s)`);
      logger.warn(`${message}; retrying (attempt ${attempt + 1} of ${attempts})`);
      await new Promise((resolve) => setTimeout(resolve, options.startup.retryDelayMs * 2 ** (attempt - 1)));
      continue;
    }
    const byKid = new Map<string, KeyObject>();
    for (const signingKey of signingKeys) {
      try {
        if (signingKey.kid) byKid.set(signingKey.kid, parseVerifierKey(signingKey.getPublicKey(), (detail) => new Error(detail)));
      } catch (error) {
        logger.warn(`Skipping JWKS key ${signingKey.kid}: it ${(error as Error).message}`);
      }
    }
    if (byKid.size === 0) throw new PropelAuthStartupError(`The JWKS at ${options.jwksUri} holds no RSA key of at least 2048 bits with a kid`);
    return { byKid };
  }
}
