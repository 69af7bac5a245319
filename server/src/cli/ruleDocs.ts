/**
 * The rule pages `docs/rules/<rule>.md`, read at run time: they are the one source of the help
 * that SARIF rule descriptors carry (code scanning shows it on every alert), so the text an
 * alert shows is the page a developer reads in the repository. The npm package ships
 * `docs/rules/` beside `dist/` for this (package.json `files`).
 *
 * Where the pages are: `dist/cli.js` (the bundle, installed or in the repository) finds them at
 * `../docs/rules`; the sources run by the tests (`server/src/cli/`) at `../../../docs/rules`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCS_BASE_URL } from '../core/rules/meta';

export interface RuleDoc {
  /** Plain text of the first paragraph of "What it finds": the alert's one-paragraph description. */
  fullDescription: string;
  /** The page without its `# rule` title, relative links made absolute (GitHub renders it away from the repository). */
  markdown: string;
}

let docsDir: string | undefined;

function rulesDirectory(): string {
  if (docsDir) return docsDir;
  const candidates = [join(__dirname, '..', 'docs', 'rules'), join(__dirname, '..', '..', '..', 'docs', 'rules')];
  const found = candidates.find((d) => existsSync(join(d, 'README.md')));
  if (!found) throw new Error(`the rule documentation (docs/rules) is missing beside ${__dirname}; reinstall poolscope`);
  return (docsDir = found);
}

const cache = new Map<string, RuleDoc>();

/** `[text](other.md)` → `[text](https://…/docs/rules/other.md)`; absolute URLs and `#anchors` stay. */
function absoluteLinks(markdown: string): string {
  return markdown.replace(/\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)/gi, (_, target: string) => `](${new URL(target, DOCS_BASE_URL).href})`);
}

/** Markdown inline syntax removed: `code`, **bold**, [text](url) → text. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

function firstParagraphOf(markdown: string, heading: string): string | undefined {
  const lines = markdown.split(/\r?\n/);
  const at = lines.findIndex((l) => l.trim().toLowerCase() === `## ${heading.toLowerCase()}`);
  if (at < 0) return undefined;
  const paragraph: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() === '') {
      if (paragraph.length) break;
      continue;
    }
    if (line.startsWith('#') || line.startsWith('```')) break;
    paragraph.push(line);
  }
  return paragraph.length ? plainText(paragraph.join(' ')) : undefined;
}

export function ruleDoc(rule: string): RuleDoc {
  const cached = cache.get(rule);
  if (cached) return cached;
  const path = join(rulesDirectory(), `${rule}.md`);
  const page = readFileSync(path, 'utf8');
  const body = page.replace(/^# [^\n]*\n+/, '');
  const doc: RuleDoc = {
    fullDescription: firstParagraphOf(page, 'What it finds') ?? plainText(body.split(/\n\s*\n/)[0] ?? rule),
    markdown: absoluteLinks(body).trimEnd() + '\n',
  };
  cache.set(rule, doc);
  return doc;
}
