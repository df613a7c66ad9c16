import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Builds dist/ for the CLI tests (test/build-setup.ts), then loads the conformance sample once for the files that
    // start from it (test/conformance-setup.ts; its load runs the build).
    globalSetup: ['test/build-setup.ts', 'test/conformance-setup.ts'],
    // Limits only catch a hang: a test that reads PDFs back with poppler takes seconds on a busy machine, not 5.
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
