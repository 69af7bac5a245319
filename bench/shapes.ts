/**
 * Script shapes that users meet and the benchmarks used not to generate (issue #13). Each
 * generator takes a size in lines and returns a script of about that many lines, so that the
 * bench can time N and 2N lines of the same shape and print the growth ratio.
 * Shared by `bench/shapes.bench.ts` and the tests that check the findings on these shapes.
 */

/** A four-character tag from a number: 'T' + three base-52 digits. */
export function shapeTag(prefix: string, i: number): string {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return prefix + a[Math.floor(i / 2704) % 52] + a[Math.floor(i / 52) % 52] + a[i % 52];
}

export interface Shape {
  name: string;
  /** What the shape stresses, for the bench's table. */
  what: string;
  generate(lines: number): string;
}

/** N routines each pushing a fresh paged block (1,000 tags) into one list; no unload. */
export function oneList(lines: number): string {
  const out = ['driver "OneList.sys";', 'list g_L;', 'entry DriverEntry { }', ''];
  for (let i = 0; out.length < lines; i++) {
    out.push(`routine R${i} {`, `    p = ExAllocatePool2(POOL_FLAG_PAGED, 16, '${shapeTag('T', i % 1000)}');`, '    if (p != NULL) push g_L, p;', '}', '');
  }
  return out.join('\n');
}

/** One tag at N allocation sites, each freed again. */
export function oneTag(lines: number): string {
  const out = ['driver "OneTag.sys";', 'entry DriverEntry { }', ''];
  for (let i = 0; out.length < lines; i++) {
    out.push(`dispatch IRP_MJ_READ Read${i} {`, "    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 'Same');", '    if (b == NULL) return;', "    ExFreePoolWithTag(b, 'Same');", '}', '');
  }
  return out.join('\n');
}

/**
 * A helper chain as deep as the script is long (`H0 { H1(); }` … with a leaf that allocates
 * and frees), called from a dispatch routine, and an unrelated dispatch routine that leaks.
 */
export function helperChain(lines: number): string {
  const depth = Math.max(2, lines - 12);
  const out = ['driver "Chain.sys";', 'entry DriverEntry { }', 'dispatch IRP_MJ_READ ReadDispatch { H0(); }'];
  out.push('dispatch IRP_MJ_WRITE WriteDispatch {', "    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, 'Leak');", '}');
  for (let i = 0; i < depth; i++) out.push(i + 1 < depth ? `routine H${i} { H${i + 1}(); }` : `routine H${i} { p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Leaf'); if (p != NULL) ExFreePool(p); }`);
  return out.join('\n') + '\n';
}

/** Routines of 5,000 statements with 200 sequential `if`s each (one every 25 statements). */
export function longRoutine(lines: number): string {
  const out = ['driver "Long.sys";', 'global g_Ctx;', 'entry DriverEntry { }', ''];
  for (let r = 0; out.length < lines; r++) {
    out.push(`dispatch IRP_MJ_READ Read${r} {`);
    for (let s = 0; s < 5000 && out.length < lines - 1; s += 5) {
      const t = shapeTag('S', s % 700);
      if (s % 25 === 0) {
        out.push(`    if (chance(50%)) {`, `        b${s % 50} = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, '${t}');`, `        if (b${s % 50} != NULL) ExFreePoolWithTag(b${s % 50}, '${t}');`, '    }');
      } else {
        out.push(`    q = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, '${t}');`, "    KeAcquireSpinLock(L);", '    KeReleaseSpinLock(L);', '    if (q != NULL) ExFreePool(q);');
      }
      out.push(s % 100 === 0 ? '    g_Ctx = NULL;' : '    DoNothing();');
    }
    out.push('}', '');
  }
  out.push('routine DoNothing { }');
  return out.join('\n') + '\n';
}

/** k routines that all call each other (k·(k−1) calls ≈ the line count: 300 routines ≈ 90k lines). */
export function allCallAll(lines: number): string {
  const k = Math.max(2, Math.round(Math.sqrt(lines)));
  const out = ['driver "Mesh.sys";', 'list g_L;', 'entry DriverEntry { A0(NULL); }', 'unload DriverUnload { foreach p in g_L { ExFreePool(p); } }', ''];
  for (let i = 0; i < k; i++) {
    out.push(`routine A${i}(x) {`, `    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, '${shapeTag('M', i)}');`, '    if (b != NULL) push g_L, b;');
    for (let j = 0; j < k; j++) if (j !== i) out.push(`    A${j}(x);`);
    out.push('}');
  }
  return out.join('\n') + '\n';
}

/** Many sites pushed into a few lists, and routines that walk the lists with `foreach`. */
export function foreachLists(lines: number): string {
  const out = ['driver "Lists.sys";', 'list g_A, g_B, g_C;', 'entry DriverEntry { }', ''];
  const lists = ['g_A', 'g_B', 'g_C'];
  out.push('unload DriverUnload {', ...lists.map((l) => `    foreach p in ${l} { ExFreePool(p); }`), '}', '');
  for (let i = 0; out.length < lines; i++) {
    const l = lists[i % 3];
    if (i % 4 === 3) {
      out.push(`dpc Walk${i} {`, `    foreach e in ${l} {`, `        if (chance(10%)) ExFreePoolWithTag(e, '${shapeTag('F', i % 500)}');`, '    }', `    x = pop ${lists[(i + 1) % 3]};`, '    if (x != NULL) ExFreePool(x);', '}', '');
    } else {
      out.push(`routine Put${i} {`, `    p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, '${shapeTag('F', i % 500)}');`, `    if (p != NULL) push ${l}, p;`, '}', '');
    }
  }
  return out.join('\n');
}

export const SHAPES: readonly Shape[] = [
  { name: 'one-list', what: 'N sites pushed into one list', generate: oneList },
  { name: 'one-tag', what: 'one tag at N sites', generate: oneTag },
  { name: 'helper-chain', what: 'helper chain N deep', generate: helperChain },
  { name: 'long-routine', what: '5,000-statement routines, 200 ifs each', generate: longRoutine },
  { name: 'all-call-all', what: '√N routines all calling each other', generate: allCallAll },
  { name: 'foreach-lists', what: 'foreach over lists of many sites', generate: foreachLists },
];
