/**
 * Regression fixtures whose bug is still open (their expectation in regressions.test.ts is a
 * `todo`). They are kept out of the mutation base of the property tests, so that a known bug
 * does not fail CI through a fuzzer that merely re-finds it; regressions.test.ts checks that
 * this list and the todo expectations agree. Remove a name when its todo is fixed.
 */
export const OPEN_REGRESSIONS: ReadonlySet<string> = new Set([
]);
