/** Large but realistic scripts for the limit tests (shared by limits.test.ts and lintBig.ts). */

/** ~5 MB of realistic script: many routines with allocations, frees and comments. */
export function bigScript(targetBytes: number): string {
  const parts: string[] = ['driver "Big.sys";', 'global g_Ctx;', 'list g_Pending;', 'entry DriverEntry { g_Ctx = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, \'Ctx \'); }'];
  let size = parts.join('\n').length;
  for (let i = 0; size < targetBytes; i++) {
    const tag = `'T${(i % 1000).toString().padStart(3, '0')}'`;
    const r = [
      `// helper ${i}: allocates, maybe queues, frees`,
      `routine Helper${i}(p) {`,
      `    buf = ExAllocatePoolWithTag(NonPagedPoolNx, ${(i % 64) + 1}K, ${tag});`,
      `    if (buf == NULL) return;`,
      `    if (chance(10%)) { push g_Pending, buf; return; }`,
      `    ExFreePoolWithTag(buf, ${tag});`,
      `}`,
      '',
    ].join('\n');
    parts.push(r);
    size += r.length + 1;
  }
  parts.push('unload DriverUnload { foreach p in g_Pending { ExFreePool(p); } ExFreePool(g_Ctx); }');
  parts.push('scenario s { load; unload; }');
  return parts.join('\n');
}
