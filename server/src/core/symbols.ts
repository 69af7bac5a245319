/**
 * The binder's output: what every name in a script refers to. Rules, the simulator and the
 * language server read it; only the checker builds it.
 */
import type { ApiInfo } from './apis';
import type { Call, Identifier, Routine, Script } from './ast';

export type ResolvedCall =
  | { kind: 'api'; api: ApiInfo }
  | { kind: 'helper'; routine: Routine }
  | { kind: 'unknown' };

export interface SymbolTable {
  script: Script;
  /** Routines by name (first declaration wins when duplicated). */
  routines: ReadonlyMap<string, Routine>;
  /** Global pointer slots by name → declaring identifier. */
  globals: ReadonlyMap<string, Identifier>;
  /** Lists by name → declaring identifier. */
  lists: ReadonlyMap<string, Identifier>;
  entry: Routine | undefined;
  unload: Routine | undefined;
  /** IRP_MJ_* code → its dispatch routine. */
  dispatch: ReadonlyMap<string, Routine>;
  /** Per routine: the names assigned anywhere in it (locals) and its parameters. */
  locals: ReadonlyMap<Routine, ReadonlySet<string>>;
  /** What a call refers to. */
  resolveCall(call: Call): ResolvedCall;
  /** The routine that contains a node offset, if any. */
  routineAt(offset: number): Routine | undefined;
}
