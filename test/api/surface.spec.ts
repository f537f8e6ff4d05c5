import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { initBaseAuth } from '@propelauth/node';
import { describe, expect, it } from 'vitest';
import { PropelAuthApiService, TokenVerifierService } from '../../lib';

// The official library's 86 functions: 79 backend API calls, which PropelAuthApiService
// must all have under the same names, and 7 token validators, which TokenVerifierService covers.
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const official = initBaseAuth({
  authUrl: 'https://auth.example.com',
  apiKey: 'k',
  manualTokenVerificationMetadata: { verifierKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), issuer: 'https://auth.example.com' },
});
const officialNames = Object.keys(official).sort();
const validators = officialNames.filter((name) => name.startsWith('validateAccessToken'));
const apiNames = officialNames.filter((name) => !name.startsWith('validateAccessToken'));
const ourNames = Object.getOwnPropertyNames(PropelAuthApiService.prototype)
  .filter((name) => name !== 'constructor' && name !== 'onModuleDestroy')
  .sort();
const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('the backend API surface', () => {
  it('has every one of the official 79 API functions, and no other public method', () => {
    expect(officialNames).toHaveLength(86);
    expect(apiNames).toHaveLength(79);
    expect(ourNames).toEqual(apiNames);
    for (const name of ourNames) expect(typeof (PropelAuthApiService.prototype as unknown as Record<string, unknown>)[name], name).toBe('function');
  });

  it('covers the 7 official token validators with TokenVerifierService', () => {
    expect(validators).toHaveLength(7);
    for (const name of ['verifyAccessToken', 'verifyAuthorizationHeader', 'verifyAuthorizationHeaderForOrg']) {
      expect(typeof (TokenVerifierService.prototype as unknown as Record<string, unknown>)[name]).toBe('function');
    }
  });

  it('documents every API function in the README', () => {
    const missing = ourNames.filter((name) => !readme.includes(`\`${name}(`));
    expect(missing).toEqual([]);
  });
});
