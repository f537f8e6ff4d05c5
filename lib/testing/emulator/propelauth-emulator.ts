import { generateKeyPair, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RoleDefinition } from './emulator-roles';
import { EmulatorRouter, type EmulatorRequest, type EmulatorResponse } from './emulator-router';
import {
  EmulatorHttpError,
  EmulatorInputError,
  EmulatorNotFoundError,
  EmulatorState,
  type CreateEmulatorOrg,
  type CreateEmulatorUser,
  type EmulatorOrg,
  type EmulatorRoleStructure,
  type EmulatorUser,
} from './emulator-state';
import { TokenMinter, type MintAccessTokenOptions } from './token-minter';
import { registerTokenRoutes } from './token.routes';
import { registerApiKeyRoutes } from './api-keys.routes';
import { registerInsightsRoutes } from './insights.routes';
import { registerOrgRoutes } from './orgs.routes';
import { registerStepUpMfaRoutes } from './step-up-mfa.routes';
import { registerUserRoutes } from './users.routes';

/** What every group of emulator routes works with. */
export interface EmulatorContext {
  state: EmulatorState;
  /** The project's auth URL (an origin): where magic links and SAML endpoints point. */
  authUrl: string;
}

export interface PropelAuthEmulatorOptions {
  /** The API key the emulator accepts (default: a random one, see `apiKey`). */
  apiKey?: string;
  /** The auth URL it pretends to be: the tokens' issuer and the expected `X-Propelauth-url` (default `https://auth.emulator.localhost`). */
  authUrl?: string;
  /** Roles, highest first (default Owner > Admin > Member). */
  roles?: readonly RoleDefinition[];
  /** Role structure of new orgs (default `single_role_in_hierarchy`). */
  roleStructure?: EmulatorRoleStructure;
  /** Interface to listen on (default 127.0.0.1: loopback only). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
}

/** A request the emulator received, for asserting what went over the wire. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Makes the next matching requests fail on purpose. */
export interface FailureRule {
  /** Path to match exactly, e.g. `/api/v1/token_verification_metadata`. */
  path: string;
  method?: string;
  /** How many requests fail (default 1). */
  times?: number;
  /** Answer with this status and body (a string is sent as is, e.g. an HTML page). */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Accept the request and never answer (until `stop()`). */
  hang?: boolean;
  /** Close the connection without an answer (a network error for the client). */
  reset?: boolean;
}

/**
 * A local PropelAuth that speaks the real wire format, for development and
 * tests without a PropelAuth account or network: it serves the token
 * verification metadata and the backend API, holds users and orgs in memory,
 * and mints RS256 access tokens shaped like PropelAuth's.
 *
 * @example
 * const emulator = await new PropelAuthEmulator().start();
 * const app = await Test.createTestingModule({
 *   imports: [PropelAuthModule.forRoot(emulator.moduleOptions())],
 * }).compile();
 * const token = emulator.mintAccessToken({ orgs: [{ orgId, role: 'Admin' }] });
 * // ... request with `Authorization: Bearer ${token}`, then:
 * await emulator.stop();
 */
export class PropelAuthEmulator {
  readonly apiKey: string;
  readonly authUrl: string;
  /** What every request's X-Propelauth-url must be (worked out once). */
  private readonly authHostname: string;
  /** The store behind the API: what tests set up here, the API answers. */
  readonly state: EmulatorState;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[] = [];

  private readonly router = new EmulatorRouter();
  private readonly minter: TokenMinter;
  private readonly failures: Array<FailureRule & { remaining: number }> = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private signingKey: SigningKey | undefined;
  /** Keys retired by rotateKey() that the JWKS still lists, newest first. */
  private readonly previousKeys: SigningKey[] = [];
  private latencyMs = 0;

  constructor(private readonly options: PropelAuthEmulatorOptions = {}) {
    this.apiKey = options.apiKey ?? `emulator-${randomBytes(16).toString('hex')}`;
    const authUrl = new URL(options.authUrl ?? 'https://auth.emulator.localhost');
    this.authUrl = authUrl.origin;
    this.authHostname = authUrl.hostname;
    this.state = EmulatorState.create(options.roles, options.roleStructure);
    this.minter = new TokenMinter(this.authUrl, this.state.roles, () => this.key());
    registerTokenRoutes(this.router, { state: this.state, minter: this.minter, publicKeyPem: () => this.key().publicKeyPem });
    this.router.add('GET', JWKS_PATH, () => ({ status: 200, body: { keys: [this.key(), ...this.previousKeys].map(toJwk) } }));
    const context: EmulatorContext = { state: this.state, authUrl: this.authUrl };
    for (const register of [registerUserRoutes, registerOrgRoutes, registerApiKeyRoutes, registerInsightsRoutes, registerStepUpMfaRoutes]) {
      register(this.router, context);
    }
  }

  /** Generates the RSA-2048 signing key and starts listening. Resolves to the emulator itself. */
  async start(): Promise<this> {
    if (this.server) return this;
    this.signingKey ??= await generateSigningKey();
    const server = createServer((request, response) => void this.handle(request, response));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this;
  }

  /** Stops listening and closes every open connection (hung ones included). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The base URL to give as `apiBaseUrl`, e.g. `http://127.0.0.1:54321`. */
  get apiBaseUrl(): string {
    if (!this.server) throw new Error('PropelAuthEmulator is not started: await emulator.start() first');
    const { address, port } = this.server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  /** `{ authUrl, apiKey, apiBaseUrl }`, ready for `PropelAuthModule.forRoot()`. */
  moduleOptions(): { authUrl: string; apiKey: string; apiBaseUrl: string } {
    return { authUrl: this.authUrl, apiKey: this.apiKey, apiBaseUrl: this.apiBaseUrl };
  }

  /** The verifier public key (SPKI PEM), as the metadata endpoint serves it. */
  get verifierKeyPem(): string {
    return this.key().publicKeyPem;
  }

  /** `{ verifierKey, issuer }` for `manualTokenVerificationMetadata`. */
  tokenVerificationMetadata(): { verifierKey: string; issuer: string } {
    return { verifierKey: this.verifierKeyPem, issuer: this.authUrl };
  }

  /** Mints an access token for any user, orgs, roles and expiry, without storing anything. */
  mintAccessToken(options: MintAccessTokenOptions = {}): string {
    return this.minter.mint(options);
  }

  /** Mints a token for a stored user, reflecting the user's memberships (as `POST /access_token` does). */
  createAccessToken(options: { userId: string; durationInMinutes?: number; activeOrgId?: string }): string {
    const user = this.state.users.get(options.userId);
    if (!user) throw new Error(`PropelAuthEmulator has no user ${options.userId}`);
    return this.minter.mintForUser(this.state, user, { expiresInSeconds: (options.durationInMinutes ?? 30) * 60, activeOrgId: options.activeOrgId });
  }

  createUser(input: CreateEmulatorUser): EmulatorUser {
    return this.state.createUser(input);
  }

  createOrg(input: CreateEmulatorOrg): EmulatorOrg {
    return this.state.createOrg(input);
  }

  addUserToOrg(input: { userId: string; orgId: string; role: string; additionalRoles?: string[] }): void {
    this.state.addUserToOrg(input.userId, input.orgId, input.role, input.additionalRoles);
  }

  /** Makes the next request(s) to a path fail: a status, a hang or a reset. */
  failNext(rule: FailureRule): void {
    this.failures.push({ ...rule, remaining: rule.times ?? 1 });
  }

  /** Forgets every pending `failNext()` rule. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Delays every answer by this many ms (0 to stop). */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /**
   * The TCP connections open to the emulator now: for checking that a client
   * reuses its connections, and closes them when it shuts down.
   *
   * @example await moduleRef.close(); await vi.waitFor(() => expect(emulator.openConnections).toBe(0));
   */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** Recorded requests to one path. */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** The JWKS URL (public, no API key), for the `jwksUri` option. */
  get jwksUri(): string {
    return `${this.apiBaseUrl}${JWKS_PATH}`;
  }

  /** The `kid` of the current signing key. */
  get keyId(): string {
    return this.key().kid;
  }

  /**
   * Rotates the signing key: new tokens are signed with a fresh RSA-2048 key and
   * kid, the metadata endpoints serve the new key, and the JWKS keeps listing the
   * old one too unless `keepPrevious` is false.
   */
  async rotateKey(options: { keepPrevious?: boolean } = {}): Promise<void> {
    const previous = this.key();
    this.signingKey = await generateSigningKey();
    if (options.keepPrevious !== false) this.previousKeys.unshift(previous);
    else this.previousKeys.length = 0;
  }

  private key(): SigningKey {
    if (!this.signingKey) throw new Error('PropelAuthEmulator is not started: await emulator.start() first');
    return this.signingKey;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let answer: EmulatorResponse | 'hang' | 'reset';
    try {
      const url = new URL(request.url ?? '/', 'http://emulator');
      const rawBody = await readBody(request);
      let body: unknown;
      try {
        body = rawBody.length > 0 ? JSON.parse(rawBody) : undefined;
      } catch {
        body = rawBody;
      }
      this.requests.push({ method: request.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: request.headers, body });
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      answer = this.injectedFailure(request.method ?? 'GET', url.pathname) ?? (await this.route(request, url, body));
    } catch (error) {
      answer = { status: 500, body: { error: 'emulator_error', message: (error as Error).message } };
    }
    if (answer === 'hang') return;
    if (answer === 'reset') {
      request.socket.destroy();
      return;
    }
    const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
    const contentType = typeof answer.body === 'string' ? 'text/html; charset=utf-8' : 'application/json';
    response.writeHead(answer.status, { 'Content-Type': contentType, ...answer.headers });
    response.end(payload);
  }

  private injectedFailure(method: string, path: string): EmulatorResponse | 'hang' | 'reset' | undefined {
    const index = this.failures.findIndex((rule) => rule.path === path && (rule.method === undefined || rule.method.toUpperCase() === method));
    if (index === -1) return undefined;
    const rule = this.failures[index];
    if (--rule.remaining <= 0) this.failures.splice(index, 1);
    if (rule.hang) return 'hang';
    if (rule.reset) return 'reset';
    return { status: rule.status ?? 500, body: rule.body ?? { error: 'injected_failure' }, headers: rule.headers };
  }

  private async route(request: IncomingMessage, url: URL, body: unknown): Promise<EmulatorResponse> {
    const publicPath = url.pathname === JWKS_PATH;
    if (!publicPath && request.headers.authorization !== `Bearer ${this.apiKey}`) {
      return { status: 401, body: { error: 'unauthorized', user_facing_error: 'The API key is invalid' } };
    }
    if (!publicPath && request.headers['x-propelauth-url'] !== this.authHostname) {
      return { status: 401, body: { error: 'unauthorized', user_facing_error: 'X-Propelauth-url does not name this project' } };
    }
    const match = this.router.match(request.method ?? 'GET', url.pathname);
    if (match === undefined) return { status: 404, body: { error: 'not_found' } };
    if (match === 'method_not_allowed') return { status: 405, body: { error: 'method_not_allowed' } };
    const emulatorRequest: EmulatorRequest = { method: request.method ?? 'GET', path: url.pathname, params: match.params, query: url.searchParams, headers: request.headers, body };
    try {
      return await match.handler(emulatorRequest);
    } catch (error) {
      if (error instanceof EmulatorInputError) return { status: 400, body: error.fieldToErrors };
      if (error instanceof EmulatorNotFoundError) return { status: 404, body: { error: 'not_found' } };
      if (error instanceof EmulatorHttpError) return { status: error.status, body: error.body };
      throw error;
    }
  }
}

interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  kid: string;
}

const JWKS_PATH = '/.well-known/jwks.json';

function toJwk(key: SigningKey): Record<string, unknown> {
  return { ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, use: 'sig', alg: 'RS256' };
}

async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await new Promise<{ privateKey: KeyObject; publicKey: KeyObject }>((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, publicKey, privateKey) => (error ? reject(error) : resolve({ publicKey, privateKey }))),
  );
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), kid: randomUUID() };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
