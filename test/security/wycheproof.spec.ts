import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyRs256Signature } from '../../lib/verification/access-token';

// Checklist #20: every Wycheproof RSASSA-PKCS1-v1_5 (2048-bit, SHA-256) vector, run through the
// exact signature function the verifier uses. The vectors are read in place from the shared
// folder, never copied into the repository.
const VECTORS = path.resolve(__dirname, '../../../shared/vectors/wycheproof/rsa_signature_2048_sha256_test.json');

interface WycheproofTest {
  tcId: number;
  comment: string;
  flags?: string[];
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}

interface WycheproofGroup {
  publicKeyPem?: string;
  publicKeyDer?: string;
  publicKeyAsn?: string;
  keyJwk?: Record<string, string>;
  sha?: string;
  tests: WycheproofTest[];
}

interface Vector extends WycheproofTest {
  group: number;
  key: KeyObject;
  /** The test name: tcId, expected result, comment and flags. */
  name: string;
}

/** The group's public key, from whichever encoding the group carries. */
function groupKey(group: WycheproofGroup): KeyObject {
  if (group.publicKeyPem) return createPublicKey({ key: group.publicKeyPem, format: 'pem' });
  if (group.publicKeyDer) return createPublicKey({ key: Buffer.from(group.publicKeyDer, 'hex'), format: 'der', type: 'spki' });
  // publicKeyAsn is the SPKI's subjectPublicKey: a PKCS#1 RSAPublicKey.
  if (group.publicKeyAsn) return createPublicKey({ key: Buffer.from(group.publicKeyAsn, 'hex'), format: 'der', type: 'pkcs1' });
  if (group.keyJwk) return createPublicKey({ key: group.keyJwk, format: 'jwk' });
  throw new Error('a Wycheproof test group carries no public key');
}

function loadVectors(): { vectors: Vector[]; declared: number; groups: number } {
  const file = JSON.parse(readFileSync(VECTORS, 'utf8')) as { numberOfTests: number; testGroups: WycheproofGroup[] };
  const vectors: Vector[] = [];
  file.testGroups.forEach((group, index) => {
    const key = groupKey(group);
    for (const test of group.tests) {
      const flags = test.flags?.length ? ` [${test.flags.join(', ')}]` : '';
      const name = `tcId ${test.tcId} (${test.result}): ${test.comment || 'no comment'}${flags}`;
      vectors.push({ ...test, group: index, key, name });
    }
  });
  return { vectors, declared: file.numberOfTests, groups: file.testGroups.length };
}

const present = existsSync(VECTORS);
const loaded = present ? loadVectors() : { vectors: [] as Vector[], declared: 0, groups: 0 };
const count = (result: Vector['result']) => loaded.vectors.filter((vector) => vector.result === result).length;

const suite = present ? describe : describe.skip;
const title = present
  ? 'B20: Wycheproof rsa_signature_2048_sha256 through verifyRs256Signature'
  : `B20: Wycheproof vectors skipped: the vectors folder is absent (${VECTORS} not found)`;

suite(title, () => {
  it('has the expected vectors: 259 in all, 9 valid, 249 invalid, 1 acceptable, in 3 key groups', () => {
    expect(loaded.declared).toBe(259);
    expect(loaded.vectors).toHaveLength(259);
    expect(count('valid')).toBe(9);
    expect(count('invalid')).toBe(249);
    expect(count('acceptable')).toBe(1);
    expect(loaded.groups).toBe(3);
    expect(new Set(loaded.vectors.map((vector) => vector.tcId)).size).toBe(259);
  });

  it('every group key is an RSA key of 2048 bits', () => {
    for (const key of new Set(loaded.vectors.map((vector) => vector.key))) {
      expect(key.asymmetricKeyType).toBe('rsa');
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    }
  });

  // 'acceptable' vectors (here: a missing NULL in the DigestInfo) are refused: the library's policy.
  it.each(loaded.vectors.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
    const expected = vector.result === 'valid';
    const actual = verifyRs256Signature(Buffer.from(vector.msg, 'hex'), Buffer.from(vector.sig, 'hex'), vector.key);
    expect(actual).toBe(expected);
  });
});
