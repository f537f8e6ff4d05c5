import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // The sample imports the package by name; in tests that name is the library source.
  resolve: {
    alias: [
      { find: /^propelauth-nestjs\/testing$/, replacement: here('./lib/testing/index.ts') },
      { find: /^propelauth-nestjs$/, replacement: here('./lib/index.ts') },
    ],
  },
  // SWC compiles the tests and the library with legacy decorators and decorator
  // metadata, which Nest's dependency injection needs (esbuild emits no metadata).
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/**/*.spec.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
