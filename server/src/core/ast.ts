/**
 * The syntax tree of a driver model script (`.drvm`), language contract v1.
 *
 * Every node carries a 1-based, end-exclusive range: `{line, column}` counts UTF-16 code
 * units, exactly as VS Code and LSP count characters (plus one). The parser never throws;
 * nodes that could not be parsed completely are still present where that helps analysis
 * (see `ErrorStatement`).
 */

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column in UTF-16 code units. */
  column: number;
  /** 0-based UTF-16 offset into the document text. */
  offset: number;
}

/** `start` inclusive, `end` exclusive. */
export interface Range {
  start: Position;
  end: Position;
}

export interface Node {
  range: Range;
}

export interface Identifier extends Node {
  type: 'identifier';
  name: string;
}

export interface NumberLiteral extends Node {
  type: 'number';
  /** Value with the K/M suffix applied. May exceed 2^53 (then approximate). */
  value: number;
  text: string;
}

export interface StringLiteral extends Node {
  type: 'string';
  /** Unescaped value. */
  value: string;
}

/**
 * A pool tag as written, in display order (`'Abc '`). `value` is the padded
 * 4-character display form, or `undefined` when the tag is invalid (empty, too long,
 * non-printable) — the checker reports `invalid-tag` then.
 */
export interface TagLiteral extends Node {
  type: 'tag';
  /** The characters between the quotes, exactly as written. */
  raw: string;
  value: string | undefined;
}

export interface PercentLiteral extends Node {
  type: 'percent';
  /** 0..100 (may be outside; the checker may report it). */
  value: number;
  text: string;
}

/** `POOL_FLAG_PAGED | POOL_FLAG_USE_QUOTA` — two or more names joined by `|`. */
export interface FlagsArgument extends Node {
  type: 'flags';
  names: Identifier[];
}

/** A single identifier argument is an `Identifier` (variable, pool type, flag, routine). */
export type Argument = NumberLiteral | TagLiteral | StringLiteral | Identifier | FlagsArgument;

export interface Call extends Node {
  type: 'call';
  callee: Identifier;
  args: Argument[];
}

export interface PopExpression extends Node {
  type: 'pop';
  list: Identifier;
}

export interface NullLiteral extends Node {
  type: 'null';
}

export type Expression = Call | PopExpression | NullLiteral | Identifier;

// ---------------------------------------------------------------- statements

export interface Block extends Node {
  type: 'block';
  statements: Statement[];
}

export interface AssignStatement extends Node {
  type: 'assign';
  target: Identifier;
  value: Expression;
}

export interface CallStatement extends Node {
  type: 'callStatement';
  call: Call;
}

export interface PushStatement extends Node {
  type: 'push';
  list: Identifier;
  value: Identifier;
}

export interface ForeachStatement extends Node {
  type: 'foreach';
  variable: Identifier;
  list: Identifier;
  body: Block;
}

export interface NullCheck extends Node {
  type: 'nullCheck';
  variable: Identifier;
  /** `==` : true when the variable is NULL. */
  operator: '==' | '!=';
}

export interface ChanceCondition extends Node {
  type: 'chance';
  percent: PercentLiteral;
}

export type Condition = NullCheck | ChanceCondition;

export interface IfStatement extends Node {
  type: 'if';
  condition: Condition;
  then: Statement;
  else: Statement | undefined;
}

export interface RepeatStatement extends Node {
  type: 'repeat';
  count: NumberLiteral;
  body: Block;
}

export interface ReturnStatement extends Node {
  type: 'return';
}

/**
 * A statement that failed to parse. It still declares the local it assigns (if the text
 * started `x = ...`), but contributes no allocation, free or call to analysis.
 */
export interface ErrorStatement extends Node {
  type: 'error';
  assigns: Identifier | undefined;
  /**
   * The names the broken text mentions (locals, globals, lists, callees), without keywords.
   * The analyses treat them as touched in an unknown way: a block a mentioned local holds is
   * neither leaked nor freed there, so half a statement brings no follow-on finding.
   */
  names?: readonly string[];
}

export type Statement =
  | Block
  | AssignStatement
  | CallStatement
  | PushStatement
  | ForeachStatement
  | IfStatement
  | RepeatStatement
  | ReturnStatement
  | ErrorStatement;

// ---------------------------------------------------------------- declarations

export type RoutineKind = 'entry' | 'unload' | 'dispatch' | 'dpc' | 'completion' | 'workitem' | 'routine';

export interface DriverDeclaration extends Node {
  type: 'driver';
  name: StringLiteral;
}

export interface GlobalDeclaration extends Node {
  type: 'global';
  names: Identifier[];
}

export interface ListDeclaration extends Node {
  type: 'list';
  names: Identifier[];
}

export interface Routine extends Node {
  type: 'routine';
  kind: RoutineKind;
  /** Range of the kind keyword (`dpc`, `dispatch`, …). */
  kindRange: Range;
  /** For `dispatch`: the IRP_MJ_* code. */
  major: Identifier | undefined;
  name: Identifier;
  params: Identifier[];
  body: Block;
}

// ---------------------------------------------------------------- scenarios

export interface LoadStep extends Node { type: 'load' }
export interface UnloadStep extends Node { type: 'unload' }
export interface IrpStep extends Node { type: 'irp'; major: Identifier }
export interface DpcStep extends Node { type: 'dpc'; routine: Identifier }
export interface WorkitemStep extends Node { type: 'workitem'; routine: Identifier }
export interface CallStep extends Node { type: 'call'; routine: Identifier }
export interface RepeatStep extends Node { type: 'repeat'; count: NumberLiteral; steps: ScenarioStep[] }
export interface ProcessStep extends Node { type: 'process'; name: StringLiteral; steps: ScenarioStep[] }
export interface SnapshotStep extends Node { type: 'snapshot'; label: StringLiteral | undefined }
/** `hittag 'Abc ';` sets PoolHitTag; `hittag off;` clears it (`tag` undefined). */
export interface HittagStep extends Node { type: 'hittag'; tag: TagLiteral | undefined }
export interface ErrorStep extends Node { type: 'error' }

export type ScenarioStep =
  | LoadStep
  | UnloadStep
  | IrpStep
  | DpcStep
  | WorkitemStep
  | CallStep
  | RepeatStep
  | ProcessStep
  | SnapshotStep
  | HittagStep
  | ErrorStep;

export interface Scenario extends Node {
  type: 'scenario';
  /** The scenario name, from an identifier or a string. */
  name: string;
  nameRange: Range;
  steps: ScenarioStep[];
}

export type Declaration = DriverDeclaration | GlobalDeclaration | ListDeclaration | Routine | Scenario;

export interface Comment extends Node {
  /** Text including the comment markers (line or block). */
  text: string;
  block: boolean;
}

/** A script with no declarations, at the start of the file unless given a range (what a parser or linter that gave up returns). */
export function emptyScript(range?: Range): Script {
  const start: Position = { line: 1, column: 1, offset: 0 };
  return {
    type: 'script',
    range: range ?? { start, end: start },
    declarations: [],
    driver: undefined,
    globals: [],
    lists: [],
    routines: [],
    scenarios: [],
    comments: [],
  };
}

export interface Script extends Node {
  type: 'script';
  /** All top-level declarations in source order. */
  declarations: Declaration[];
  /** Convenience views of `declarations`. */
  driver: DriverDeclaration | undefined;
  globals: GlobalDeclaration[];
  lists: ListDeclaration[];
  routines: Routine[];
  scenarios: Scenario[];
  comments: Comment[];
}
