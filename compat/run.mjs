#!/usr/bin/env node
// Compatibility matrix: builds and packs propelauth-nestjs, installs the tarball into four
// fresh consumer apps (Nest 11 and 12, CommonJS and ESM) and runs an e2e check in each.
// See compat/README.md. Usage: node compat/run.mjs [--keep] [--only nest12-esm,nest11-cjs]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Exact versions, the latest of each major when last updated (`npm view @nestjs/core@12 version`).
const NEST_VERSIONS = { 11: '11.2.12', 12: '12.6.3' };
const SHARED_DEPENDENCIES = { 'reflect-metadata': '0.2.2', rxjs: '7.8.2' };

const APPS = [
  { name: 'nest11-cjs', nest: 11, esm: false },
  { name: 'nest11-esm', nest: 11, esm: true },
  { name: 'nest12-cjs', nest: 12, esm: false },
  { name: 'nest12-esm', nest: 12, esm: true },
];

const BUILD_TIMEOUT_MS = 5 * 60_000;
const PACK_TIMEOUT_MS = 2 * 60_000;
const INSTALL_TIMEOUT_MS = 5 * 60_000;
const RUN_TIMEOUT_MS = 60_000;
const CONCURRENCY = 2;

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? '').split(',').filter(Boolean)) : undefined;
const apps = only ? APPS.filter((app) => only.has(app.name)) : APPS;
if (apps.length === 0) {
  console.error(`--only matches no app; the apps are ${APPS.map((app) => app.name).join(', ')}`);
  process.exit(2);
}

// Nest 12 is ESM only: a CommonJS library or app loads it through require(esm).
const [major, minor] = process.versions.node.split('.').map(Number);
if (!((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23)) {
  console.error(`Node ${process.version} cannot require() ES modules; the matrix needs ^20.19.0 || >=22.12.0`);
  process.exit(2);
}

const started = Date.now();
const children = new Set();
const root = await mkdtemp(path.join(os.tmpdir(), 'propelauth-nestjs-compat-'));

function cleanUp() {
  for (const child of children) kill(child);
  if (keep) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping`);
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/** Kills a child and everything it started (its process group). */
function kill(child) {
  try {
    if (process.platform === 'win32') child.kill('SIGKILL');
    else process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs a command with a deadline; resolves (never rejects) with its outcome and output. */
function run(command, commandArgs, { cwd, timeoutMs }) {
  const begin = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, {
      cwd,
      env: { ...process.env, npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      shell: process.platform === 'win32',
    });
    children.add(child);
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill(child);
    }, timeoutMs);
    const finish = (code, error) => {
      clearTimeout(timer);
      children.delete(child);
      if (error) output += `\n${error.stack ?? error}`;
      resolve({ ok: code === 0 && !timedOut, code, timedOut, stdout, output, ms: Date.now() - begin });
    };
    child.on('error', (error) => finish(null, error));
    child.on('close', (code) => finish(code));
  });
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
const tail = (text, lines = 40) => text.trimEnd().split('\n').slice(-lines).map((line) => `    ${line}`).join('\n');
function describe(step, result, timeoutMs) {
  return result.timedOut ? `${step} timed out after ${seconds(timeoutMs)}` : `${step} exited with ${result.code}`;
}

async function pack() {
  console.log('building: npm run build');
  const build = await run(npm, ['run', 'build'], { cwd: repo, timeoutMs: BUILD_TIMEOUT_MS });
  if (!build.ok) throw new Error(`${describe('npm run build', build, BUILD_TIMEOUT_MS)}\n${tail(build.output)}`);
  const destination = path.join(root, 'pack');
  await mkdir(destination);
  console.log(`built in ${seconds(build.ms)}; packing: npm pack`);
  const packed = await run(npm, ['pack', '--pack-destination', destination, '--loglevel=error'], { cwd: repo, timeoutMs: PACK_TIMEOUT_MS });
  if (!packed.ok) throw new Error(`${describe('npm pack', packed, PACK_TIMEOUT_MS)}\n${tail(packed.output)}`);
  const tarballs = (await readdir(destination)).filter((file) => file.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs in ${destination}`);
  const tarball = path.join(destination, tarballs[0]);
  console.log(`packed ${tarballs[0]} in ${seconds(packed.ms)}`);
  return tarball;
}

async function check(app, tarball) {
  const outcome = { app, install: undefined, run: undefined, versions: {}, result: undefined, error: undefined };
  const dir = path.join(root, app.name);
  await mkdir(dir);
  const nest = NEST_VERSIONS[app.nest];
  const manifest = {
    name: `propelauth-nestjs-compat-${app.name}`,
    version: '0.0.0',
    private: true,
    ...(app.esm ? { type: 'module' } : {}),
    dependencies: {
      '@nestjs/common': nest,
      '@nestjs/core': nest,
      '@nestjs/platform-express': nest,
      ...SHARED_DEPENDENCIES,
      'propelauth-nestjs': `file:${tarball}`,
    },
  };
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await copyFile(path.join(here, 'app', app.esm ? 'main.mjs' : 'main.cjs'), path.join(dir, 'main.js'));
  await copyFile(path.join(here, 'app', 'check.cjs'), path.join(dir, 'check.cjs'));

  // One npm cache for all apps (npm's default, or npm_config_cache); --prefer-offline skips revalidating what it holds.
  const install = await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir, timeoutMs: INSTALL_TIMEOUT_MS });
  outcome.install = install;
  if (!install.ok) {
    outcome.error = `${describe('npm install', install, INSTALL_TIMEOUT_MS)}\n${tail(install.output)}`;
    return outcome;
  }
  for (const name of ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express']) {
    const installed = JSON.parse(await readFile(path.join(dir, 'node_modules', name, 'package.json'), 'utf8'));
    outcome.versions[name] = installed.version;
  }

  const started = await run(process.execPath, ['main.js'], { cwd: dir, timeoutMs: RUN_TIMEOUT_MS });
  outcome.run = started;
  const line = started.stdout.split('\n').find((text) => text.startsWith('COMPAT-RESULT '));
  try {
    outcome.result = line ? JSON.parse(line.slice('COMPAT-RESULT '.length)) : undefined;
  } catch {
    outcome.result = undefined;
  }
  if (!started.ok || outcome.result?.ok !== true) {
    const why = outcome.result?.error ?? (line ? 'bad result line' : 'no result line');
    outcome.error = `${describe('node main.js', started, RUN_TIMEOUT_MS)}: ${why}\n${tail(started.output)}`;
  }
  return outcome;
}

/** Runs the apps, at most CONCURRENCY at a time (install then e2e run, per app). */
async function matrix(tarball) {
  const outcomes = new Array(apps.length);
  let next = 0;
  const worker = async () => {
    while (next < apps.length) {
      const index = next++;
      const app = apps[index];
      console.log(`[${app.name}] installing Nest ${NEST_VERSIONS[app.nest]} (${app.esm ? 'esm' : 'commonjs'})`);
      try {
        outcomes[index] = await check(app, tarball);
      } catch (error) {
        outcomes[index] = { app, versions: {}, error: String(error?.stack ?? error) };
      }
      const outcome = outcomes[index];
      console.log(`[${app.name}] ${outcome.error ? 'FAIL' : 'pass'}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, apps.length) }, worker));
  return outcomes;
}

function report(outcomes) {
  for (const outcome of outcomes.filter((o) => o.error)) {
    console.log(`\n[${outcome.app.name}] failed:\n${outcome.error}`);
  }
  const rows = outcomes.map((o) => [
    o.app.name,
    o.app.esm ? 'esm' : 'commonjs',
    o.versions['@nestjs/core'] ?? NEST_VERSIONS[o.app.nest],
    o.install ? seconds(o.install.ms) : '-',
    o.run ? seconds(o.run.ms) : '-',
    o.error ? 'FAIL' : 'pass',
    o.result?.ok ? `token ${o.result.withToken} (${o.result.userId === undefined ? '?' : 'userId ok'}), none ${o.result.withoutToken}` : (o.error ?? '').split('\n')[0].slice(0, 70),
  ]);
  const header = ['app', 'modules', 'nest', 'install', 'run', 'result', 'detail'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const format = (row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  console.log(`\n${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  for (const row of rows) console.log(format(row));
  const failed = outcomes.filter((o) => o.error).length;
  console.log(`\nnode ${process.version}, total ${seconds(Date.now() - started)}`);
  console.log(`${outcomes.length - failed} passed, ${failed} failed`);
  return failed;
}

let failed;
try {
  const tarball = await pack();
  failed = report(await matrix(tarball));
} catch (error) {
  console.error(`\ncompat: ${error?.message ?? error}`);
  console.log(`0 passed, ${apps.length} failed`);
  failed = apps.length;
} finally {
  cleanUp();
}
process.exit(failed === 0 ? 0 : 1);
