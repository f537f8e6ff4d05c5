import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ResolvedPropelAuthOptions } from '../module/propelauth-options';
import { PROPELAUTH_RESOLVED_OPTIONS } from '../propelauth.constants';
import { bindHttpClient, httpOf } from './api-context';
import { ApiKeysApi } from './api-keys.api';
import { InsightsApi } from './insights.api';
import { OrgsApi } from './orgs.api';
import { PropelAuthHttpClient } from './propelauth-http.client';
import { StepUpMfaApi } from './step-up-mfa.api';
import { UsersApi } from './users.api';

/**
 * PropelAuth's backend API: users, orgs, end-user API keys, employees, SCIM,
 * reports and step-up MFA, typed, with timeouts and bounded retries. Provided by
 * `PropelAuthModule` with its `authUrl`, `apiKey` and `apiBaseUrl`.
 *
 * @example
 * @Injectable()
 * export class InviteService {
 *   constructor(private readonly propelAuth: PropelAuthApiService) {}
 *   magicLink(email: string) { return this.propelAuth.createMagicLink({ email }); }
 * }
 */
@Injectable()
export class PropelAuthApiService implements OnModuleDestroy {
  constructor(@Inject(PROPELAUTH_RESOLVED_OPTIONS) options: ResolvedPropelAuthOptions) {
    bindHttpClient(this, new PropelAuthHttpClient(options));
  }

  /** Closes keep-alive connections so the process can exit. */
  onModuleDestroy(): void {
    httpOf(this).close();
  }
}

// The functions live in one class per domain (one file each) and are mixed in here,
// so the service is one injectable with the official library's flat method names.
export interface PropelAuthApiService extends UsersApi, OrgsApi, ApiKeysApi, InsightsApi, StepUpMfaApi {}

const DOMAINS = [UsersApi, OrgsApi, ApiKeysApi, InsightsApi, StepUpMfaApi];
for (const domain of DOMAINS) {
  for (const name of Object.getOwnPropertyNames(domain.prototype)) {
    if (name === 'constructor') continue;
    if (Object.hasOwn(PropelAuthApiService.prototype, name)) {
      throw new Error(`PropelAuthApiService: ${name} is defined by two API domains`);
    }
    Object.defineProperty(PropelAuthApiService.prototype, name, Object.getOwnPropertyDescriptor(domain.prototype, name)!);
  }
}
