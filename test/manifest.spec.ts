import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Checks package.json against lib/ and against a real `tsc -p tsconfig.build.json` build.

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'lib');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const deps: Record<string, string> = pkg.dependencies ?? {};
const peers: Record<string, string> = pkg.peerDependencies ?? {};
const devs: Record<string, string> = pkg.devDependencies ?? {};

const INDEX_EXPORTS = [
  'PropelAuthModule', 'TokenVerifierService', 'RequireUserGuard', 'OptionalUserGuard',
  'RequireOrgMember', 'RequireOrgRole', 'RequirePermission', 'CurrentUser', 'CurrentOrg',
  'currentUserFactory', 'currentOrgFactory', 'User', 'OrgMemberInfo', 'TokenVerificationError',
  'PropelAuthConfigError', 'PropelAuthStartupError', 'PropelAuthNotReadyError', 'PropelAuthGuard',
  'PROPELAUTH_MODULE_OPTIONS', 'PropelAuthApiService', 'PropelAuthApiError', 'PropelAuthApiKeyRejectedError',
  'PropelAuthBadRequestError', 'PropelAuthFeatureNotEnabledError', 'PropelAuthForbiddenError', 'PropelAuthNetworkError',
  'PropelAuthNotFoundError', 'PropelAuthRateLimitedError', 'PropelAuthTimeoutError', 'OrgAccessDeniedError', 'Public', 'OptionalUser', 'withPropelAuthHandshake', 'rememberHandshake',
].sort();
const TESTING_EXPORTS = ['PropelAuthEmulator'];

interface Specifier { file: string; spec: string }

/** Every module specifier in the .ts files under lib/ (static, re-export, side-effect, import(), require()). */
function libSpecifiers(): Specifier[] {
  const files = (fs.readdirSync(LIB, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const patterns = [
    // `import x from 'a'`, `import type {...} from 'a'`, `export {...} from 'a'` (may span lines), anchored at
    // line start so JSDoc examples (` * import ... from`) are not picked up.
    /^\s*(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm, // side-effect import
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // dynamic import() / require()
  ];
  const out: Specifier[] = [];
  for (const rel of files) {
    const src = fs.readFileSync(path.join(LIB, rel), 'utf8');
    for (const re of patterns) {
      for (const m of src.matchAll(re)) out.push({ file: `lib/${rel.split(path.sep).join('/')}`, spec: m[1] });
    }
  }
  return out;
}

const isBare = (s: string) => !s.startsWith('node:') && !s.startsWith('.') && !s.startsWith('/');
const packageName = (s: string) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/');
const bareImports = libSpecifiers().filter((s) => isBare(s.spec));
const fmt = (list: Specifier[]) => list.map((s) => `${s.file}: '${s.spec}'`);

describe('package.json vs lib imports', () => {
  it('finds the imports it is meant to find (scanner sanity check)', () => {
    const names = new Set(bareImports.map((s) => packageName(s.spec)));
    for (const n of ['@nestjs/common', '@nestjs/core', 'axios', 'jsonwebtoken']) expect(names).toContain(n);
  });

  it('declares every bare package imported by lib in dependencies or peerDependencies', () => {
    const undeclared = bareImports.filter((s) => !(packageName(s.spec) in deps) && !(packageName(s.spec) in peers));
    expect(fmt(undeclared)).toEqual([]);
  });

  it('imports no devDependency-only package from lib', () => {
    const devOnly = new Set(Object.keys(devs).filter((d) => !(d in deps) && !(d in peers)));
    for (const d of ['vitest', '@nestjs/testing', '@nestjs/platform-express', '@propelauth/node']) {
      if (d in devs) expect(devOnly).toContain(d);
    }
    const bad = bareImports.filter((s) => devOnly.has(packageName(s.spec)) || /^@nestjs\/platform-/.test(s.spec));
    expect(fmt(bad)).toEqual([]);
  });

  it('has no deep imports of Nest packages (@nestjs/<pkg>/<path>)', () => {
    expect(fmt(bareImports.filter((s) => /^@nestjs\/[^/]+\/.+/.test(s.spec)))).toEqual([]);
  });
});

describe('package.json fields', () => {
  it.each(['@nestjs/common', '@nestjs/core'])('peer %s allows Nest 11 and 12 with no upper cap', (name) => {
    const range = peers[name];
    expect(range, `${name} must be a peerDependency`).toBeTypeOf('string');
    const alternatives = range.split('||').map((r) => r.trim());
    expect(alternatives.some((r) => /^\^11\.\d+\.\d+$/.test(r)), range).toBe(true);
    expect(alternatives.some((r) => /^\^12\.\d+\.\d+$/.test(r)), range).toBe(true);
    expect(range).not.toContain('<');
  });

  it('has reflect-metadata and rxjs as peers, no @nestjs/* in dependencies', () => {
    expect(Object.keys(peers)).toEqual(expect.arrayContaining(['reflect-metadata', 'rxjs']));
    expect(Object.keys(deps).filter((d) => d.startsWith('@nestjs/'))).toEqual([]);
  });

  it('has the runtime dependencies and the engines range', () => {
    expect(Object.keys(deps)).toEqual(expect.arrayContaining(['jsonwebtoken', 'jwks-rsa', 'axios']));
    expect(pkg.engines?.node).toBe('^20.19.0 || >=22.12.0');
  });

  it('has a single-format CommonJS exports map with types first', () => {
    expect(pkg.type).not.toBe('module');
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './testing', './package.json']));
    expect(pkg.exports['./package.json']).toBe('./package.json');
    for (const key of ['.', './testing']) {
      const entry = pkg.exports[key];
      expect(entry, key).toBeTypeOf('object');
      expect(Object.keys(entry), key).toEqual(['types', 'default']);
      expect(entry, key).not.toHaveProperty('import');
      expect(entry, key).not.toHaveProperty('require');
    }
    expect(pkg.main).toBe(pkg.exports['.'].default);
    expect(pkg.types).toBe(pkg.exports['.'].types);
    expect(pkg.files).toContain('dist');
  });
});

describe('built package (tsc -p tsconfig.build.json)', () => {
  let outDir = '';

  beforeAll(() => {
    const cacheDir = path.join(ROOT, 'node_modules', '.cache');
    fs.mkdirSync(cacheDir, { recursive: true });
    // Inside the repo so that the built files resolve node_modules from /work/main.
    outDir = fs.mkdtempSync(path.join(cacheDir, 'manifest-build-'));
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], {
      cwd: ROOT,
      stdio: 'pipe',
      timeout: 120_000,
    });
  }, 120_000);

  afterAll(() => {
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  const target = (rel: string) => path.join(outDir, rel.replace(/^\.\/dist\//, ''));

  it.each(['.', './testing'])('exports[%s] types and default targets exist in the build', (key) => {
    for (const cond of ['types', 'default']) {
      const rel: string = pkg.exports[key][cond];
      expect(rel.startsWith('./dist/'), `${key}.${cond} = ${rel}`).toBe(true);
      expect(fs.existsSync(target(rel)), `${key}.${cond} -> ${rel}`).toBe(true);
    }
  });

  it('require()s the CommonJS build (with ESM-only Nest 12) and exposes exactly the expected exports', () => {
    const script = `
      const load = (p) => { const m = require(p); return Object.fromEntries(Object.keys(m).filter((k) => k !== '__esModule').map((k) => [k, typeof m[k]])); };
      process.stdout.write(JSON.stringify({ index: load(${JSON.stringify(target(pkg.exports['.'].default))}),
        testing: load(${JSON.stringify(target(pkg.exports['./testing'].default))}) }));`;
    const stdout = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });
    const loaded = JSON.parse(stdout) as { index: Record<string, string>; testing: Record<string, string> };

    expect(Object.keys(loaded.index).sort()).toEqual(INDEX_EXPORTS);
    for (const name of INDEX_EXPORTS) expect(loaded.index[name], name).not.toBe('undefined');
    for (const name of TESTING_EXPORTS) expect(loaded.testing[name], name).toBe('function');
  });
});
