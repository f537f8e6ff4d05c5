import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { PropelAuthModuleOptions } from 'propelauth-nestjs';
import { AppModule } from './app.module';
import { startDemoEmulator, type Demo } from './demo-seed';

/**
 * `npm start`: the sample API against the embedded PropelAuth emulator, or
 * against a real PropelAuth project when PROPELAUTH_AUTH_URL and
 * PROPELAUTH_API_KEY are set.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const real = process.env.PROPELAUTH_AUTH_URL && process.env.PROPELAUTH_API_KEY;
  let demo: Demo | undefined;
  let options: PropelAuthModuleOptions;
  if (real) {
    options = { authUrl: process.env.PROPELAUTH_AUTH_URL!, apiKey: process.env.PROPELAUTH_API_KEY! };
  } else {
    demo = await startDemoEmulator();
    options = demo.emulator.moduleOptions();
  }

  const app = await NestFactory.create(AppModule.forRoot(options), { abortOnError: false });
  app.enableShutdownHooks();
  await app.listen(port, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;

  if (!demo) {
    console.log(`Sample API on ${base}, verifying tokens of ${options.authUrl}`);
    return;
  }
  const stop = async () => {
    await app.close();
    await demo!.emulator.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  console.log(`
Sample API on ${base}, against the PropelAuth emulator on ${demo.emulator.apiBaseUrl}
Seeded org "Acme Inc" with an Owner and a Member (tokens valid for 60 minutes).
Paste these three lines into your shell:

export ORG=${demo.orgId}
export OWNER=${demo.ownerToken}
export MEMBER=${demo.memberToken}

Then try:
  curl -i ${base}/api/whoami                                            # 401: no token
  curl ${base}/api/whoami -H "Authorization: Bearer $OWNER"             # 200
  curl ${base}/api/whoami_optional                                      # 200 {}
  curl ${base}/api/org/$ORG -H "Authorization: Bearer $MEMBER"          # 200: a member
  curl -i ${base}/api/org/$ORG/owner -H "Authorization: Bearer $MEMBER" # 403: not an Owner
  curl ${base}/api/org/$ORG/owner -H "Authorization: Bearer $OWNER"     # 200
  curl -i ${base}/api/org/$ORG/billing -H "Authorization: Bearer $MEMBER" # 403: no can_view_billing
  curl ${base}/api/org/$ORG/billing -H "Authorization: Bearer $OWNER"   # 200
  curl ${base}/api/org/$ORG/members -H "Authorization: Bearer $MEMBER"  # the org's members, from the backend API
  curl ${base}/api/magic_link -H "Authorization: Bearer $OWNER" -H 'Content-Type: application/json' -d '{"email":"new@acme.test"}'

Stop with Ctrl+C.`);
}

main().catch((error: unknown) => {
  console.error(`The sample could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
