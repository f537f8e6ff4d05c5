import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const ISSUER = 'https://auth.bench.localhost';
export const ORG_ID = '3b0e5d0c-7e0a-4c57-9d7e-5e2f1b0c0001';

export interface BenchKeys {
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** An RSA-2048 key pair made for this run only. */
export function benchKeys(): BenchKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A PropelAuth-shaped access token (one org, Owner with four permissions): 1.4 KB; a real Owner token with all nine is 1.8 KB. */
export function benchToken(keys: BenchKeys, index = 0): string {
  const userId = randomUUID();
  const iat = Math.floor(Date.now() / 1000);
  return jwt.sign(
    {
      sub: userId,
      user_id: userId,
      iat,
      exp: iat + 3600,
      iss: ISSUER,
      email: `user${index}@bench.test`,
      org_id_to_org_member_info: {
        [ORG_ID]: {
          org_id: ORG_ID,
          org_name: 'Bench Inc',
          url_safe_org_name: 'bench-inc',
          org_metadata: {},
          user_role: 'Owner',
          inherited_user_roles_plus_current_role: ['Owner', 'Admin', 'Member'],
          org_role_structure: 'single_role_in_hierarchy',
          additional_roles: [],
          user_permissions: ['propelauth::can_invite', 'propelauth::can_change_roles', 'propelauth::can_remove_users', 'propelauth::can_view_other_members'],
        },
      },
      login_method: { login_method: 'password' },
    },
    keys.privateKey,
    { algorithm: 'RS256', keyid: 'bench-key', header: { alg: 'RS256', typ: 'JWT' } },
  );
}
