// Vitest global setup: one Chromium for the whole run, started as the printer starts its own (same flags, same
// fonts), for the `bulletin` commands the tests start (test/helpers.ts hands it to them in BULLETIN_CHROMIUM_WS).
// A command printing in a running browser skips the launch and reuses warm renderer processes, about 0.9 CPU-s a
// render less. Commands run with their own CHROME_PATH or fonts, or with BULLETIN_CHROMIUM_WS set to '' (the tests
// of launching and cleaning up), launch their own as usual; an in-process printer uses it only when given
// printerEnv() (the layout tests), so the printer's own tests still launch and clean up their browsers.
import type { TestProject } from 'vitest/node';
import { launchSharedChromium } from '../pipeline/render/pdf.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** BULLETIN_CHROMIUM_WS for the commands the tests start. */
    sharedChromium: string;
  }
}

export default async function shareOneChromium(project: TestProject): Promise<() => Promise<void>> {
  const shared = await launchSharedChromium();
  project.provide('sharedChromium', shared.variable);
  return () => shared.close();
}
