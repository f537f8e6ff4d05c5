// The body of a consumer app of the compatibility matrix, shared by main.cjs and main.mjs:
// each imports the packages its own way (require or import) and hands them here.
// Plain JavaScript: the decorators are applied by hand, as tslib's __decorate does,
// and without emitDecoratorMetadata (no design:paramtypes), which Nest only needs for pipes.
'use strict';
const { createRequire } = require('node:module');

// Hangs are failures: this fires only while something (a request, a server) keeps the process alive.
setTimeout(() => fail(new Error('watchdog: still running after 45 s')), 45_000).unref();

let failModuleSystem = 'unknown';
function fail(error) {
  console.error(error);
  console.log(`COMPAT-RESULT ${JSON.stringify({ ok: false, moduleSystem: failModuleSystem, error: String(error && error.message ? error.message : error) })}`);
  process.exit(1);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** `@decorators` on a method, applied bottom-up like TypeScript's legacy decorators. */
function decorateMethod(prototype, key, decorators) {
  let descriptor = Object.getOwnPropertyDescriptor(prototype, key);
  for (const decorator of [...decorators].reverse()) descriptor = decorator(prototype, key, descriptor) || descriptor;
  Object.defineProperty(prototype, key, descriptor);
}

/** `@decorators` on a class. */
function decorateClass(cls, decorators) {
  for (const decorator of [...decorators].reverse()) cls = decorator(cls) || cls;
  return cls;
}

async function run({ moduleSystem, appFile, packages }) {
  const MODULE_SYSTEM = moduleSystem;
  failModuleSystem = moduleSystem;
  const { Controller, Get, Module, UseGuards, NestFactory, CurrentUser, PropelAuthModule, RequireUserGuard, TokenVerifierService, User, PropelAuthEmulator } = packages;
  // Every export used is there (in ESM a missing named export already fails linking; CommonJS gives undefined).
  const exported = { Controller, Get, Module, UseGuards, NestFactory, CurrentUser, PropelAuthModule, RequireUserGuard, TokenVerifierService, User, PropelAuthEmulator };
  for (const [name, value] of Object.entries(exported)) check(value !== undefined && value !== null, `${name} is not exported`);

  // One copy of Nest: the library resolves the very @nestjs/common and @nestjs/core the app does.
  const appRequire = createRequire(appFile);
  for (const entry of ['propelauth-nestjs', 'propelauth-nestjs/testing']) {
    const libRequire = createRequire(appRequire.resolve(entry));
    for (const dep of ['@nestjs/common', '@nestjs/core']) {
      check(libRequire.resolve(dep) === appRequire.resolve(dep), `${entry} resolves ${dep} to ${libRequire.resolve(dep)}, the app to ${appRequire.resolve(dep)}`);
    }
  }
  const nestVersion = appRequire('@nestjs/core/package.json').version;

  class WhoAmIController {
    whoami(user) {
      return { userId: user.userId, isUser: user instanceof User };
    }
  }
  decorateMethod(WhoAmIController.prototype, 'whoami', [
    Get('whoami'),
    UseGuards(RequireUserGuard),
    (target, key) => CurrentUser()(target, key, 0),
  ]);
  const Api = decorateClass(WhoAmIController, [Controller('')]);

  const emulator = await new PropelAuthEmulator().start();
  let app;
  try {
    class AppModule {}
    const Root = decorateClass(AppModule, [Module({ imports: [PropelAuthModule.forRoot(emulator.moduleOptions())], controllers: [Api] })]);
    app = await NestFactory.create(Root, { logger: ['error', 'warn'] });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address();
    const url = `http://127.0.0.1:${port}/whoami`;

    // DI class identity: the class the app imported is the token the module registered.
    check(app.get(TokenVerifierService) instanceof TokenVerifierService, 'app.get(TokenVerifierService) is not a TokenVerifierService');

    const userId = '5f1e8a3c-compat-4b1d-9c7e-0123456789ab';
    const token = emulator.mintAccessToken({ userId, email: 'compat@example.com' });
    const authorized = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    const body = await authorized.json();
    check(authorized.status === 200, `with a token: expected 200, got ${authorized.status} ${JSON.stringify(body)}`);
    check(body.userId === userId, `with a token: expected userId ${userId}, got ${JSON.stringify(body)}`);
    check(body.isUser === true, '@CurrentUser() is not an instance of the exported User class');

    const anonymous = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await anonymous.arrayBuffer();
    check(anonymous.status === 401, `without a token: expected 401, got ${anonymous.status}`);

    console.log(`COMPAT-RESULT ${JSON.stringify({ ok: true, moduleSystem: MODULE_SYSTEM, nest: nestVersion, node: process.version, withToken: authorized.status, userId: body.userId, withoutToken: anonymous.status })}`);
  } finally {
    if (app) await app.close();
    await emulator.stop();
  }
}


/** Runs the app's checks; exits the process with the result line. */
module.exports = (options) => run(options).catch(fail);
