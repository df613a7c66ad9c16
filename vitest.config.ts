import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/sequencer.ts';

export default defineConfig({
  test: {
    // Builds dist/ for the CLI tests (test/build-setup.ts), then loads the conformance sample once for the files that
    // start from it (test/conformance-setup.ts; its load runs the build).
    // One Chromium for the commands the tests start (test/chromium-setup.ts).
    globalSetup: ['test/build-setup.ts', 'test/conformance-setup.ts', 'test/chromium-setup.ts'],
    // Limits only catch a hang: a test that reads PDFs back with poppler takes seconds on a busy machine, not 5.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Most tests wait on child processes (the command, Chromium, DuckDB), so three files at once keep two cores busy
    // (vitest's default on two cores is one). A worker runs its files one after another without a fresh process for
    // each (a fork and its imports per file were a seventh of the run's CPU): a file puts back what it changes in
    // the process (environment, working directory) and stops what it starts.
    maxWorkers: 3,
    // The slowest files first, also on a fresh clone (test/sequencer.ts).
    sequence: { sequencer: SlowestFirst },
    isolate: false,
  },
});
