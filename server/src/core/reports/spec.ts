/**
 * Report specs as `simulate --report` takes them (cli.md):
 *   poolused[:FLAGS[:PATTERN]] | poolfind:TAG | verifier | hits | quota | timeline | bugcheck | all
 * FLAGS are read the way WinDbg reads them, in hex (`4`, `0x4`, `5` = verbose + paged sort).
 */
import { padTag, validateTagPattern } from '../poolTag';
import { validatePoolUsedFlags } from './poolused';

export type ReportSpec =
  | { kind: 'poolused'; flags: number; pattern?: string }
  | { kind: 'poolfind'; tag: string }
  | { kind: 'verifier' }
  | { kind: 'hits' }
  | { kind: 'quota' }
  | { kind: 'timeline' }
  | { kind: 'bugcheck' }
  | { kind: 'all' };

export const REPORT_SPEC_SYNTAX = 'poolused[:FLAGS[:PATTERN]]|poolfind:TAG|verifier|hits|quota|timeline|bugcheck|all';

/** What `all` stands for, in print order. */
export const ALL_REPORTS = ['bugcheck', 'poolused:4', 'verifier', 'hits', 'quota', 'timeline'] as const;

/** `simulate`'s reports when no `--report` is given. */
export const DEFAULT_REPORTS = ['bugcheck', 'poolused:4'] as const;

/** `'Abc '` and `"Abc "` → `Abc `: quotes a shell user typed to keep the trailing space. */
function unquote(text: string): string {
  const m = /^'(.*)'$/s.exec(text) ?? /^"(.*)"$/s.exec(text);
  return m ? m[1] : text;
}

/** `0x636f7250` → `Proc`: !poolfind's TagValue form, the ULONG whose low byte is the first character. */
function tagFromValue(text: string): string | undefined {
  if (!/^0x[0-9a-fA-F]{1,8}$/.test(text)) return undefined;
  const v = parseInt(text.slice(2), 16);
  let s = '';
  for (let i = 0; i < 4; i++) s += String.fromCharCode((v >>> (8 * i)) & 0xff);
  return s;
}

function parseFlags(text: string, spec: string): number {
  if (text === '') return 0;
  const digits = text.replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]+$/.test(digits)) throw new Error(`invalid report '${spec}': flags '${text}' are not a hex number`);
  const flags = parseInt(digits, 16);
  const problem = validatePoolUsedFlags(flags);
  if (problem) throw new Error(`invalid report '${spec}': ${problem}`);
  return flags;
}

/** Parses one spec; throws an Error whose message names the spec and what is wrong with it. */
export function parseReportSpec(spec: string): ReportSpec {
  const colon = spec.indexOf(':');
  const name = (colon < 0 ? spec : spec.slice(0, colon)).trim().toLowerCase();
  const args = colon < 0 ? undefined : spec.slice(colon + 1);
  switch (name) {
    case 'poolused': {
      if (args === undefined) return { kind: 'poolused', flags: 0 };
      const second = args.indexOf(':');
      const flags = parseFlags((second < 0 ? args : args.slice(0, second)).trim(), spec);
      if (second < 0) return { kind: 'poolused', flags };
      const pattern = unquote(args.slice(second + 1));
      const bad = validateTagPattern(pattern);
      if (bad) throw new Error(`invalid report '${spec}': ${bad}`);
      return { kind: 'poolused', flags, pattern };
    }
    case 'poolfind': {
      const raw = args === undefined ? '' : unquote(args);
      if (raw === '') throw new Error(`invalid report '${spec}': poolfind needs a tag (poolfind:TAG)`);
      const tag = tagFromValue(raw) ?? raw;
      const bad = validateTagPattern(tag);
      if (bad) throw new Error(`invalid report '${spec}': ${bad}`);
      return { kind: 'poolfind', tag: tag.includes('*') ? tag : padTag(tag) };
    }
    case 'verifier':
    case 'hits':
    case 'quota':
    case 'timeline':
    case 'bugcheck':
    case 'all':
      if (args !== undefined && args !== '') throw new Error(`invalid report '${spec}': ${name} takes no arguments`);
      return { kind: name };
    default:
      throw new Error(`invalid report '${spec}': expected ${REPORT_SPEC_SYNTAX}`);
  }
}
