// Prints one plain closing line, "N passed, N failed, N skipped", after vitest's own summary, so
// any CI that reads closing lines sees the count. Skipped tests are counted, never hidden.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      const before = failed;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A failed hook (beforeAll) or import fails a module or suite without failing a test: its
      // tests show as skipped, so the error itself is counted as a failure.
      failed += module.errors().length;
      for (const suite of module.children.allSuites()) failed += suite.errors().length;
      if (module.state() === 'failed' && failed === before) failed++;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
