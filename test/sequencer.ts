// The order test files start in: the slowest first, so that three workers finish together instead of one running a
// 70-second file alone at the end. Vitest orders by the durations of the last run it remembers (its cache under
// node_modules/.vite); a fresh clone has none and would go by file size, which says little here (a 6 KB desk file
// takes 45 s). SLOW_FILES, the slowest files of a measured run, slowest first, stand in until the cache has a run.
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { relative } from 'node:path';

const SLOW_FILES = [
  'test/deliver/deliver.test.ts',
  'test/analyst/limits.test.ts',
  'test/render/marks.test.ts',
  'test/desk/editions-hold.test.ts',
  'test/analyst/files.test.ts',
  'test/desk/editions-scheduler.test.ts',
  'test/desk/editions-approval.test.ts',
  'test/desk/web/two-people.test.ts',
  'test/desk/editions.test.ts',
  'test/desk/web/refusals.test.ts',
  'test/load/pii.test.ts',
  'test/desk/test-send.test.ts',
  'test/analyst/sql.test.ts',
  'test/cli/build.test.ts',
  'test/deliver/permissions.test.ts',
  'test/render/render.test.ts',
  'test/desk/notable-cases.test.ts',
  'test/desk/editions-jobs.test.ts',
  'test/schedule/scheduler.test.ts',
  'test/load/input-files.test.ts',
  'test/render/editorial.test.ts',
  'test/render/shared-chromium.test.ts',
];

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const path = (file: TestSpecification) => relative(root, file.moduleId);
    const remembered = (file: TestSpecification) => this.ctx.cache.getFileTestResults(`${file.project.name}:${path(file)}`)?.duration;
    if (files.every((file) => remembered(file) !== undefined)) return super.sort(files);
    const rank = (file: TestSpecification) => {
      const k = SLOW_FILES.indexOf(path(file));
      return k === -1 ? SLOW_FILES.length : k;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}
