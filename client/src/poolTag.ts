/**
 * Pool tags as the user types them into an input box: `Abc`, `'Abc '`, `Tron`. Display order,
 * as `!poolused` and PoolMon print them; `ed nt!poolhittag` wants the little-endian ULONG,
 * because the kernel compares the tag as a 32-bit number (display 'Abc ' = bytes 41 62 63 20 =
 * ULONG 0x20636241 = C constant ' cbA').
 */

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

/** Returns the parsed tag, or a message saying why the text is not a tag. */
export function parsePoolTag(input: string): ParsedPoolTag | { error: string } {
  let text = input;
  if (text.trim().length === 0) return { error: 'A pool tag has 1 to 4 characters, e.g. Abc or \'Abc \'.' };
  // Quotes are optional; spaces inside them are significant, outside they are not.
  const quoted = /^\s*'(.*)'\s*$/.exec(text);
  text = quoted ? quoted[1] : text.trim();
  if (text.length === 0) return { error: 'An empty tag cannot be matched.' };
  if (text.length > 4) return { error: `'${text}' has ${text.length} characters; a pool tag has at most 4.` };
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code > 0x7e) return { error: `A pool tag uses printable ASCII only (0x20–0x7E); '${ch}' is not.` };
  }
  const display = text.padEnd(4, ' ');
  let value = 0;
  for (let i = 3; i >= 0; i--) value = value * 256 + display.charCodeAt(i);
  const ulong = `0x${value.toString(16).padStart(8, '0')}`;
  return { display, ulong, edCommand: `ed nt!poolhittag ${ulong}`, cConstant: `'${[...display].reverse().join('')}'` };
}

/**
 * What the tag input box says under what has been typed: why it is not a tag, or the tag in
 * display order with the `ed nt!poolhittag` line and the C constant. Nothing for an empty box.
 */
export function describePoolTagInput(input: string): { error: string } | { info: string } | undefined {
  if (input.length === 0) return undefined;
  const p = parsePoolTag(input);
  if ('error' in p) return p;
  return { info: `'${p.display}' → ${p.edCommand}  (C constant ${p.cConstant})` };
}

/** `Ab*` / `A?c ` against a 4-character tag, like `!poolused 4 Ab*` (case-sensitive). */
export function tagMatches(pattern: string, tag: string): boolean {
  if (pattern.length === 0) return true;
  let re = '^';
  for (const ch of pattern) re += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${re}$`).test(tag) || new RegExp(`${re}$`).test(tag.trimEnd());
}
