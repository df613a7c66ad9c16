import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Builds dist/ for the CLI tests (test/build-setup.ts).
    globalSetup: ['test/build-setup.ts'],
  },
});
