import type { KeyObject } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import axios from 'axios';
import { PropelAuthStartupError } from '../errors';
import { parseVerifierKey, type ResolvedPropelAuthOptions } from '../module/propelauth-options';
import { TOKEN_VERIFICATION_METADATA_PATH } from '../propelauth.constants';
import { parseRetryAfter } from '../http/retry-after';

const MAX_BACKOFF_MS = 10_000;
const MAX_RETRY_AFTER_MS = 30_000;

type Attempt =
  | { kind: 'key'; key: KeyObject }
  | { kind: 'fatal'; message: string }
  | { kind: 'retry'; message: string; retryAfterMs?: number };

/**
 * Fetches the verifier key once at start-up: `GET {apiBaseUrl}/api/v1/token_verification_metadata`.
 *
 * 401 fails at once (the API key is wrong: retrying cannot help); 429, 5xx, timeouts
 * and network errors are retried with capped exponential backoff and jitter. Every
 * failure becomes a `PropelAuthStartupError` whose message names the auth URL and
 * never the API key.
 */
export async function loadVerifierKey(options: ResolvedPropelAuthOptions, logger: LoggerService): Promise<KeyObject> {
  const { maxAttempts, retryDelayMs } = options.startup;
  for (let attempt = 1; ; attempt++) {
    const result = await fetchOnce(options);
    if (result.kind === 'key') return result.key;
    if (result.kind === 'fatal') throw new PropelAuthStartupError(result.message);
    if (attempt >= maxAttempts) {
      throw new PropelAuthStartupError(`${result.message}; gave up after ${maxAttempts} attempt(s)`);
    }
    const backoff = Math.min(retryDelayMs * 2 ** (attempt - 1), MAX_BACKOFF_MS) * (0.5 + Math.random() / 2);
    const delay = Math.max(backoff, Math.min(result.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
    logger.warn(`${result.message}; retrying in ${Math.round(delay)} ms (attempt ${attempt + 1} of ${maxAttempts})`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function fetchOnce(options: ResolvedPropelAuthOptions): Promise<Attempt> {
  const url = options.apiBaseUrl + TOKEN_VERIFICATION_METADATA_PATH;
  const what = `Fetching PropelAuth token verification metadata for ${options.authUrl.origin} from ${url}`;
  let status: number;
  let body: string;
  let retryAfter: string | undefined;
  try {
    const response = await axios.request<string>({
      method: 'GET',
      url,
      headers: {
        Authorization: `Bearer ${options.apiKey}`,
        'Content-Type': 'application/json',
        'X-Propelauth-url': options.authHostname,
      },
      timeout: options.startup.requestTimeoutMs,
      responseType: 'text',
      transformResponse: (data: unknown) => data,
      validateStatus: () => true,
      maxRedirects: 0,
    });
    status = response.status;
    body = typeof response.data === 'string' ? response.data : '';
    const header = response.headers['retry-after'];
    retryAfter = typeof header === 'string' ? header : undefined;
  } catch (error) {
    // Only the error code is used: axios errors carry the request headers, API key included.
    const code = (error as { code?: unknown })?.code;
    return { kind: 'retry', message: `${what} failed (${typeof code === 'string' ? code : 'network error'})` };
  }

  if (status === 401) {
    return {
      kind: 'fatal',
      message: `PropelAuth rejected the API key for auth URL ${options.authUrl.origin} (HTTP 401 from ${url}). Check that apiKey is a backend integration API key of this auth URL's project`,
    };
  }
  if (status === 429 || status >= 500) {
    return { kind: 'retry', message: `${what} failed (HTTP ${status})`, retryAfterMs: parseRetryAfter(retryAfter) };
  }
  if (status !== 200) {
    return { kind: 'fatal', message: `${what} failed (HTTP ${status}). Check authUrl and apiBaseUrl` };
  }

  let pem: unknown;
  try {
    pem = (JSON.parse(body) as { verifier_key_pem?: unknown } | null)?.verifier_key_pem;
  } catch {
    return { kind: 'fatal', message: `${what} returned a body that is not JSON. Check apiBaseUrl` };
  }
  try {
    return { kind: 'key', key: parseVerifierKey(pem, (detail) => new Error(`the verifier_key_pem it returned ${detail}`)) };
  } catch (error) {
    return { kind: 'fatal', message: `${what}: ${(error as Error).message}` };
  }
}
