/**
 * The one syntactic walk over a routine's statements that the analyses share: every statement
 * nested in another (blocks, `if` branches, `foreach` and `repeat` bodies), in source order.
 * Error statements are visited like any other; what they mean is up to the caller.
 */
import type { Call, Statement } from '../ast';

/** Calls `fn` on `statement` and then on every statement nested in it, in source order. */
export function forEachStatement(statement: Statement, fn: (st: Statement) => void): void {
  fn(statement);
  switch (statement.type) {
    case 'block':
      for (const s of statement.statements) forEachStatement(s, fn);
      return;
    case 'foreach':
    case 'repeat':
      forEachStatement(statement.body, fn);
      return;
    case 'if':
      forEachStatement(statement.then, fn);
      if (statement.else) forEachStatement(statement.else, fn);
      return;
    default:
      return;
  }
}

/**
 * The calls nested in a statement, collected once: a syntax tree never changes after parsing,
 * and the rules and analyses of one lint walk each routine's calls a dozen times.
 */
const callsCache = new WeakMap<Statement, readonly Call[]>();

/** Every call of an assignment (`p = Api(...)`) or call statement nested in `statement`, in source order. */
export function callsIn(statement: Statement): readonly Call[] {
  let calls = callsCache.get(statement);
  if (!calls) {
    const found: Call[] = [];
    forEachStatement(statement, (st) => {
      if (st.type === 'assign') {
        if (st.value.type === 'call') found.push(st.value);
      } else if (st.type === 'callStatement') found.push(st.call);
    });
    callsCache.set(statement, (calls = found));
  }
  return calls;
}

/** Calls `fn` on every call of `callsIn(statement)`, in source order. */
export function forEachCall(statement: Statement, fn: (call: Call) => void): void {
  for (const call of callsIn(statement)) fn(call);
}
