/**
 * Lint time on the script shapes of issue #13 (bench/shapes.ts), each at N and 2N lines, with
 * the growth ratio: linear analysis doubles the time when the input doubles. A ratio above 2.3
 * is printed as a regression. Baseline measured in the same run: the parse of the same text.
 * Also printed: the findings, and internal errors (a rule that failed on the shape).
 * Sizes: BENCH_SHAPE_LINES (default 10000) and twice that. Run: `npm run bench -- shapes`.
 */
import { performance } from 'node:perf_hooks';
import { lint } from '../server/src/core/linter';
import { parse } from '../server/src/core/parser';
import { SHAPES } from './shapes';

function best(runs: number, f: () => void): number {
  let t = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

export async function run(): Promise<void> {
  const n = Number(process.env.BENCH_SHAPE_LINES ?? 10000);
  console.log(`shape            lines   parse ms   lint ms   lint/parse  findings  internal errors   growth (2N/N)`);
  for (const shape of SHAPES) {
    let previous: number | undefined;
    for (const lines of [n, 2 * n]) {
      const text = shape.generate(lines);
      const parseMs = best(3, () => parse(text));
      const lintMs = best(2, () => lint(text));
      const result = lint(text);
      const growth = previous === undefined ? '' : `${(lintMs / previous).toFixed(2)}${lintMs / previous > 2.3 ? '  REGRESSION (> 2.3)' : ''}`;
      console.log(
        `${shape.name.padEnd(15)} ${String(text.split('\n').length).padStart(6)} ${parseMs.toFixed(0).padStart(10)} ${lintMs.toFixed(0).padStart(9)} ${(lintMs / parseMs).toFixed(1).padStart(11)} ${String(result.diagnostics.length).padStart(9)} ${String(result.internalErrors?.length ?? 0).padStart(16)}   ${growth}`,
      );
      previous = lintMs;
    }
  }
}
