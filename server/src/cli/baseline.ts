/**
 * `poolscope lint --baseline FILE` / `--write-baseline FILE`: new findings only. A team that
 * adopts PoolScope on an existing driver records today's findings once and fails its build only
 * on findings that a change adds. A baseline is a previous `--format sarif` log (results'
 * `partialFingerprints`) or `--format json` output (each diagnostic's `fingerprint`); findings
 * are matched by fingerprint (findingIdentity.ts), so edits that only move them keep them
 * matched. `--write-baseline` writes the `--format json` object of every finding of this run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { FINGERPRINT_KEY } from './findingIdentity';
import type { LintedFile } from './formatText';
import { CliError } from './io';

interface SarifLike {
  runs?: { results?: { partialFingerprints?: Record<string, unknown> }[] }[];
}
interface JsonLike {
  files?: { diagnostics?: { fingerprint?: unknown }[] }[];
}

/** The fingerprints a baseline file holds; a clear CliError (exit 2) when it is neither form. */
export function readBaseline(path: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`poolscope lint: cannot read baseline '${path}': ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CliError(`poolscope lint: baseline '${path}' is not JSON (use the output of --format sarif, --format json or --write-baseline)`);
  }
  const found = new Set<string>();
  const sarif = data as SarifLike;
  const json = data as JsonLike;
  if (Array.isArray(sarif?.runs)) {
    for (const run of sarif.runs) {
      for (const r of run.results ?? []) {
        const f = r.partialFingerprints?.[FINGERPRINT_KEY];
        if (typeof f === 'string') found.add(f);
      }
    }
  } else if (Array.isArray(json?.files)) {
    for (const file of json.files) {
      for (const d of file.diagnostics ?? []) if (typeof d.fingerprint === 'string') found.add(d.fingerprint);
    }
  } else {
    throw new CliError(`poolscope lint: baseline '${path}' is neither a SARIF log nor poolscope's JSON output`);
  }
  return found;
}

/** The files with only the findings whose fingerprint is not in `baseline`. */
export function newFindings(files: readonly LintedFile[], baseline: ReadonlySet<string>): LintedFile[] {
  return files.map((f) => {
    const keep = f.diagnostics.map((_, i) => !baseline.has(f.fingerprints?.[i] ?? ''));
    return {
      ...f,
      diagnostics: f.diagnostics.filter((_, i) => keep[i]),
      fingerprints: f.fingerprints?.filter((_, i) => keep[i]),
    };
  });
}

export function writeBaseline(path: string, json: string): void {
  try {
    writeFileSync(path, json);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`poolscope lint: cannot write baseline '${path}': ${code ?? String(e)}`);
  }
}
