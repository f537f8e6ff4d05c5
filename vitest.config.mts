import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the tests and the library with legacy decorators and decorator
// metadata, which Nest's dependency injection needs (esbuild emits no metadata).
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/**/*.spec.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
