// Schema validation of the YAML files a person writes (configuration, editorial files, templates' words): zod's
// functional build, zod/mini, with zod's English messages. The full build cost every command about 50 ms of CPU to
// load (750 KB of code, every locale); this one, imported as `import * as z from './schema.ts'` and used by name so
// that the bundler keeps only what is used, a fraction of that.
import { config, minLength, string } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';

/** A text of at least one character. */
export const nonEmptyText = () => string().check(minLength(1));
