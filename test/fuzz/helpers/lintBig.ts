/**
 * Child process of the 5 MB lint limit test: lints a generated script of argv[2] megabytes and
 * prints one JSON line { ms, diagnostics, internalErrors }. Run in a child so that the test
 * can kill it if it hangs (a hang cannot stall CI); the time itself is measured by the benches, not asserted.
 */
import { lint } from '../../../server/src/core/linter';
import { bigScript } from './bigScript';

const megabytes = Number(process.argv[2] ?? 5);
const text = bigScript(megabytes * 1024 * 1024);
const t0 = performance.now();
const r = lint(text, { file: 'big.drvm' });
const ms = performance.now() - t0;
const rules: Record<string, number> = {};
for (const d of r.diagnostics) rules[d.rule] = (rules[d.rule] ?? 0) + 1;
console.log(JSON.stringify({ bytes: text.length, ms: Math.round(ms), diagnostics: r.diagnostics.length, rules, internalErrors: r.internalErrors ?? [] }));
