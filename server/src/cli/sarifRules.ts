/**
 * The SARIF `reportingDescriptor` of each rule, shaped as CodeQL's query packs shape theirs, so
 * that code scanning files, filters and shows PoolScope alerts like CodeQL's driver queries:
 * `properties.tags` (CodeQL's `reliability` / `correctness` / `maintainability` and, where one
 * fits, `external/cwe/cwe-N`), `properties.precision` (how often a finding is a real bug:
 * `very-high` for what the grammar or names decide, `high` for path-sensitive ownership, `medium`
 * where the model may not know the driver's intent), `properties.kind` (`path-problem` for
 * findings with a code flow, else `problem`) and `properties["problem.severity"]`.
 * Texts come from docs/rules/<rule>.md (ruleDocs.ts), the one source.
 * CodeQL's metadata: https://codeql.github.com/docs/writing-codeql-queries/metadata-for-codeql-queries/
 */
import type * as Sarif from 'sarif';
import type { RuleName } from '../core/diagnostics';
import { ruleDocUrl, type RuleMeta } from '../core/rules/meta';
import { PATH_RULES } from './findingIdentity';
import { ruleDoc } from './ruleDocs';

type Precision = 'very-high' | 'high' | 'medium' | 'low';

/** CWE ids: 401 missing release of memory, 415 double free, 762 mismatched memory management routines, 763 release of invalid pointer, 772 missing release of resource, 477 obsolete function, 665 improper initialization. */
const CLASSIFICATION: Record<RuleName, { tags: string[]; precision: Precision }> = {
  'syntax-error': { tags: ['correctness'], precision: 'very-high' },
  'unknown-name': { tags: ['correctness'], precision: 'very-high' },
  'duplicate-name': { tags: ['correctness'], precision: 'very-high' },
  'wrong-kind': { tags: ['correctness'], precision: 'very-high' },
  'invalid-tag': { tags: ['correctness'], precision: 'very-high' },
  'short-tag': { tags: ['maintainability'], precision: 'very-high' },
  'unbalanced-allocation': { tags: ['reliability', 'correctness', 'external/cwe/cwe-401'], precision: 'high' },
  'leak-at-unload': { tags: ['reliability', 'correctness', 'external/cwe/cwe-401'], precision: 'high' },
  'double-free': { tags: ['reliability', 'correctness', 'external/cwe/cwe-415'], precision: 'high' },
  'free-tag-mismatch': { tags: ['reliability', 'correctness', 'external/cwe/cwe-763'], precision: 'high' },
  'mismatched-free': { tags: ['reliability', 'correctness', 'external/cwe/cwe-762'], precision: 'high' },
  'quota-in-dpc': { tags: ['reliability', 'correctness'], precision: 'high' },
  'paged-free-at-dispatch': { tags: ['reliability', 'correctness'], precision: 'high' },
  'paged-at-dispatch': { tags: ['reliability', 'correctness'], precision: 'high' },
  'shared-tag': { tags: ['maintainability'], precision: 'very-high' },
  'untagged-allocation': { tags: ['maintainability'], precision: 'very-high' },
  'locked-pages-leak': { tags: ['reliability', 'correctness', 'external/cwe/cwe-772'], precision: 'high' },
  'deprecated-allocator': { tags: ['maintainability', 'external/cwe/cwe-477'], precision: 'very-high' },
  'bad-argument': { tags: ['correctness'], precision: 'very-high' },
  'unknown-rule': { tags: ['maintainability'], precision: 'very-high' },
};

/** `quota-in-dpc` → `QuotaInDpc`: the end-user identifier SARIF viewers show beside the id. */
function pascalName(rule: string): string {
  return rule
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** CodeQL's `problem.severity`: error, warning or recommendation. */
function problemSeverity(meta: RuleMeta): string {
  return meta.defaultSeverity === 'error' ? 'error' : meta.defaultSeverity === 'warning' ? 'warning' : 'recommendation';
}

export function ruleDescriptor(meta: RuleMeta): Sarif.ReportingDescriptor {
  const doc = ruleDoc(meta.name);
  const { tags, precision } = CLASSIFICATION[meta.name];
  const level = meta.defaultSeverity === 'error' ? 'error' : meta.defaultSeverity === 'warning' ? 'warning' : 'note';
  return {
    id: meta.name,
    name: pascalName(meta.name),
    shortDescription: { text: meta.summary },
    fullDescription: { text: doc.fullDescription },
    help: { text: doc.markdown, markdown: doc.markdown },
    helpUri: ruleDocUrl(meta.name),
    defaultConfiguration: { level },
    properties: {
      tags,
      precision,
      kind: PATH_RULES.has(meta.name) ? 'path-problem' : 'problem',
      'problem.severity': problemSeverity(meta),
    },
  };
}
