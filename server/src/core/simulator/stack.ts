/**
 * Call stacks as shared, parent-linked frames.
 *
 * Every allocation and every HitTag break records "where it came from"; copying an array of
 * frames per event would make memory grow with the number of events. Instead each distinct
 * call path is one chain of interned `StackNode`s: a block keeps a pointer to the node of its
 * innermost driver frame, and thousands of blocks allocated on the same path share it.
 * The number of nodes is bounded by the program's call structure (and the recursion limit).
 */
import type { StackFrame } from './result';

export class StackNode {
  private children: Map<string, StackNode> | undefined;
  private frames: StackFrame[] | undefined;
  /** Index in the registry shared by every node of one tree (blocks store this number). */
  readonly id: number;

  constructor(
    /** `nt!ExAllocatePoolWithTag`, `Leaky!ReadDispatch`, `nt!IofCallDriver`. */
    readonly frame: string,
    /** Script line, for driver frames only. */
    readonly line: number | undefined,
    readonly parent: StackNode | null,
    /** Every node of the tree, by id. */
    readonly registry: StackNode[] = [],
  ) {
    this.id = registry.length;
    registry.push(this);
  }

  /** The node for `frame` (at `line`) called from this one, created once per path. */
  child(frame: string, line: number | undefined): StackNode {
    const key = line === undefined ? frame : `${frame}\u0000${line}`;
    let map = this.children;
    if (!map) map = this.children = new Map();
    let node = map.get(key);
    if (!node) {
      node = new StackNode(frame, line, this, this.registry);
      map.set(key, node);
    }
    return node;
  }

  /** Frames innermost first, as the JSON and `kb` show them. Cached: stacks are immutable. */
  toFrames(): StackFrame[] {
    if (this.frames) return this.frames;
    const out: StackFrame[] = [];
    for (let n: StackNode | null = this; n && n.frame !== ''; n = n.parent) {
      out.push(n.line === undefined ? { frame: n.frame } : { frame: n.frame, line: n.line });
    }
    this.frames = out;
    return out;
  }
}

/** The root of every chain: no frame of its own. */
export function createStackRoot(): StackNode {
  return new StackNode('', undefined, null);
}

/** A chain of system frames, given outermost first (`nt!NtReadFile`, `nt!IofCallDriver`). */
export function systemChain(root: StackNode, outermostFirst: readonly string[]): StackNode {
  let node = root;
  for (const f of outermostFirst) node = node.child(f, undefined);
  return node;
}

/** A one-entry cache from a caller's stack to this call site's driver frame. */
export class SiteFrame {
  private base: StackNode | null = null;
  private node: StackNode | null = null;
  constructor(
    private readonly frame: string,
    private readonly line: number,
  ) {}
  at(base: StackNode): StackNode {
    if (base === this.base) return this.node!;
    this.base = base;
    return (this.node = base.child(this.frame, this.line));
  }
}
