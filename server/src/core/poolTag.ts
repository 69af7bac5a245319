/**
 * Pool tags, in one place: what a tag is, how a user writes one, the forms the debugger and a C
 * source use, and `!poolused`'s wildcard match. The lexer, the rules, the reports, the log
 * parsers, the simulator, the language server, the CLI and the VS Code client (which may import
 * this module: test/unit/architecture) all go through it, so a tag means the same everywhere.
 *
 * Microsoft Learn, ExAllocatePoolWithTag
 * (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepoolwithtag):
 * the tag is "a character literal of one to four characters delimited by single quotation marks
 * (for example, 'Tag1'). The string is usually specified in reverse order (for example,
 * '1gaT'). Each ASCII character in the tag must be a value in the range 0x20 (space) to 0x7E
 * (tilde)." The kernel stores and compares the tag as a 32-bit ULONG; the debugger
 * (`!poolused`, PoolMon, `db nt!poolhittag`) shows its bytes in memory order, the *display
 * order* the language writes: display `'Abc '` = bytes 41 62 63 20 = ULONG 0x20636241 = C
 * constant `' cbA'` (a multi-character constant's first character is its most significant byte,
 * and x64 stores the ULONG little-endian, so the C text reads reversed).
 */

/** A tag is four bytes; shorter ones are padded (`'Abc'` is `'Abc '`). */
export const TAG_LENGTH = 4;

/** Printable ASCII 0x20–0x7E: the characters a pool tag may contain. */
export function isTagCharacter(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

/** Pads a 1–4 character tag with trailing spaces to its 4-character display form. */
export function padTag(raw: string): string {
  return (raw + '    ').slice(0, 4);
}

/**
 * The padded display form of the characters between a script tag literal's quotes, or
 * undefined when they are not a tag (empty, more than 4, outside printable ASCII).
 */
export function tagDisplayValue(raw: string): string | undefined {
  if (raw.length < 1 || raw.length > TAG_LENGTH) return undefined;
  for (let i = 0; i < raw.length; i++) if (!isTagCharacter(raw.charCodeAt(i))) return undefined;
  return padTag(raw);
}

// ------------------------------------------------------------------ ULONG and C constant

/** The ULONG the kernel compares (`ed nt!poolhittag` takes it): display byte 0 is the low byte. */
export function tagToUlong(display: string): number {
  let v = 0;
  for (let i = 3; i >= 0; i--) v = (v << 8) | (display.charCodeAt(i) & 0xff);
  return v >>> 0;
}

/**
 * The display form of a ULONG read from memory little-endian (a POOL_HEADER's PoolTag, a
 * `dd nt!poolhittag`). A zero byte, which a tag written with fewer than four characters in C
 * leaves in its high bytes, shows as a space, as the padding of a short tag does.
 */
export function ulongToTag(value: number): string {
  let out = '';
  for (let i = 0; i < TAG_LENGTH; i++) {
    const byte = (value >>> (8 * i)) & 0xff;
    out += byte === 0 ? ' ' : String.fromCharCode(byte);
  }
  return out;
}

/** `0x20636241`: the ULONG as the debugger prints and `ed` takes it. */
export function tagUlongText(display: string): string {
  return `0x${tagToUlong(display).toString(16).padStart(8, '0')}`;
}

/** `ed nt!poolhittag 0x20636241`: what a WinDbg user types to break on the tag. */
export function hitTagCommand(display: string): string {
  return `ed nt!poolhittag ${tagUlongText(display)}`;
}

/** The multi-character constant a C source contains for a display tag: `'Abc '` → `' cbA'`. */
export function tagToCConstant(display: string): string {
  return `'${[...display].reverse().join('')}'`;
}

/** The escapes a C character constant in a driver's tag may use (C11 6.4.4.4, simple escapes). */
const C_ESCAPES: Record<string, number> = { "'": 0x27, '"': 0x22, '?': 0x3f, '\\': 0x5c, '0': 0 };

/**
 * The display tag of a C multi-character constant, quotes included or not: C `'ZtaF'` is display
 * `FatZ`, `'gaT'` is `Tag ` (its value 0x00676154 has a zero high byte). The value is computed as
 * MSVC and GCC do (the first character the most significant byte), then read little-endian.
 * Returns an error for an empty constant, more than four characters, a character outside
 * printable ASCII or an escape other than `\'` `\"` `\?` `\\` `\0`.
 */
export function tagFromCConstant(constant: string): { tag: string; ulong: number } | { error: string } {
  const body = /^'(.*)'$/s.exec(constant)?.[1] ?? constant;
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    let code = body.charCodeAt(i);
    if (code === 0x5c) {
      const next = body[++i];
      if (next === undefined || !(next in C_ESCAPES)) return { error: `the C constant ${constant} uses an escape a pool tag cannot hold` };
      code = C_ESCAPES[next];
    } else if (!isTagCharacter(code)) {
      return { error: `the C constant ${constant} has a character outside printable ASCII (0x20–0x7E)` };
    }
    bytes.push(code);
  }
  if (bytes.length === 0) return { error: 'an empty C constant is not a pool tag' };
  if (bytes.length > TAG_LENGTH) return { error: `the C constant ${constant} has ${bytes.length} characters; a pool tag has at most 4` };
  let value = 0;
  for (const b of bytes) value = value * 256 + b;
  return { tag: ulongToTag(value), ulong: value >>> 0 };
}

// ------------------------------------------------------------------ a tag as a user types it

/** The forms of one tag that the hover, the PoolHitTag commands and `!poolfind` show. */
export interface ParsedPoolTag {
  /** Four characters, padded with trailing spaces. */
  display: string;
  /** `0x20636241` */
  ulong: string;
  /** `ed nt!poolhittag 0x20636241` */
  edCommand: string;
  /** The multi-character constant a C source would contain: `' cbA'`. */
  cConstant: string;
}

/** Why typed text is not a tag: the message, and which rule it broke (for callers that word it). */
export interface PoolTagInputError {
  error: string;
  problem: 'empty' | 'too-long' | 'not-printable';
  /** The characters taken as the tag (quotes removed). */
  text: string;
}

/** Every form of a display tag. */
export function poolTagForms(display: string): ParsedPoolTag {
  return { display, ulong: tagUlongText(display), edCommand: hitTagCommand(display), cConstant: tagToCConstant(display) };
}

/**
 * A tag as a user types it into an input box, a command line (`--hit-tag`) or an LSP request:
 * `Abc`, `'Abc '`, `"Abc "`, `Tron`. Inside quotes (single, or double as a shell user writes
 * them) every character counts, spaces too. Unquoted, text of exactly four characters is the
 * display form as it is (so parsing a parsed tag gives it back, `' Abc'` included); otherwise
 * the spaces around it are dropped (`  Abc  ` is `Abc `). Short tags are padded.
 */
export function parsePoolTag(input: string): ParsedPoolTag | PoolTagInputError {
  if (input.trim().length === 0) return { error: "A pool tag has 1 to 4 characters, e.g. Abc or 'Abc '.", problem: 'empty', text: '' };
  const text = tagInputText(input);
  if (text.length === 0) return { error: 'An empty tag cannot be matched.', problem: 'empty', text };
  if (text.length > TAG_LENGTH) {
    return { error: `'${text}' has ${text.length} characters; a pool tag has at most 4.`, problem: 'too-long', text };
  }
  for (const ch of text) {
    if (!isTagCharacter(ch.charCodeAt(0))) return { error: `A pool tag uses printable ASCII only (0x20–0x7E); '${ch}' is not.`, problem: 'not-printable', text };
  }
  return poolTagForms(padTag(text));
}

/** The characters of typed text that parsePoolTag takes as the tag: quotes removed, unpadded. */
export function tagInputText(input: string): string {
  const quoted = /^\s*'(.*)'\s*$/s.exec(input) ?? /^\s*"(.*)"\s*$/s.exec(input);
  return quoted ? quoted[1] : input.length === TAG_LENGTH ? input : input.trim();
}

/**
 * What a tag input box says under what has been typed: why it is not a tag, or the tag in
 * display order with the `ed nt!poolhittag` line and the C constant. Nothing for an empty box.
 */
export function describePoolTagInput(input: string): { error: string } | { info: string } | undefined {
  if (input.length === 0) return undefined;
  const p = parsePoolTag(input);
  if ('error' in p) return { error: p.error };
  return { info: `'${p.display}' → ${p.edCommand}  (C constant ${p.cConstant})` };
}

// ------------------------------------------------------------------ wildcard match

/** Why a `!poolused`/`!poolfind` tag pattern is refused, or undefined. */
export function validateTagPattern(pattern: string): string | undefined {
  if (pattern.length === 0) return 'empty tag pattern';
  if (!pattern.includes('*') && pattern.length > 4) return `tag pattern '${pattern}' is longer than four characters`;
  return undefined;
}

const patternCache = new Map<string, RegExp>();

/**
 * `!poolused`'s TagString match (https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/-poolused):
 * case-sensitive, `*` for any run of characters, `?` for exactly one. A pattern without `*` is
 * compared with the 4-character tag, padded with spaces the way a tag is (`Abc` matches
 * `'Abc '`). The empty pattern (an empty filter box) matches every tag; the reports refuse it
 * first (validateTagPattern).
 */
export function matchTagPattern(tag: string, pattern: string): boolean {
  if (pattern.length === 0) return true;
  let re = patternCache.get(pattern);
  if (!re) {
    const full = pattern.includes('*') ? pattern : padTag(pattern);
    const source = Array.from(full, (c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()[\]{}|/]/g, '\\$&'))).join('');
    re = new RegExp(`^${source}$`, 's');
    if (patternCache.size > 256) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re.test(padTag(tag));
}
