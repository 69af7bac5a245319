/**
 * pooltag.txt: the list of known pool tags and their owners that ships with Debugging Tools for
 * Windows (triage directory) and the WDK. `!poolused`, `!pool` and PoolMon's `/g` column read it
 * to say who owns a tag.
 *
 * Format (one tag per line, `//` comments):
 *   8042 - i8042prt.sys - PS/2 kb and mouse
 *   AcdN - TDI AcdObjectInfoG
 * WinDbg prints the owner at the end of a `!poolused` row as `Description , Binary: binary`,
 * or `Description ` when no binary is listed, and `UNKNOWN pooltag 'Tag ', please update
 * pooltag.txt` for a tag it does not know.
 *
 * Sources (Microsoft Learn):
 * - !poolused: https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/-poolused
 * - !pool (pooltag.txt location): https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/-pool
 * - PoolMon /g and pooltag.txt: https://learn.microsoft.com/windows-hardware/drivers/devtest/poolmon-examples
 */
import { padTag } from '../poolTag';

export interface PoolTagEntry {
  /** 4-character display form, padded (`'Io  '`). */
  tag: string;
  /** The binary that uses the tag (`i8042prt.sys`, `nt!etw`), when the line names one. */
  binary: string | null;
  description: string;
}

export interface PoolTagDatabase {
  /** Keyed by the padded tag; the first definition of a tag wins, as later ones are usually duplicates. */
  entries: Map<string, PoolTagEntry>;
  /** Lines that were not comments, blanks or tag definitions (1-based), kept for diagnostics. */
  skippedLines: number[];
}

/**
 * Parses pooltag.txt. Tolerant by design: the file is hand-edited by every team, so a line that is
 * not a definition is skipped (and its number recorded), never an error. Linear in the input:
 * 100,000 lines parse in a few tens of milliseconds.
 */
export function parsePoolTagFile(text: string): PoolTagDatabase {
  const entries = new Map<string, PoolTagEntry>();
  const skippedLines: number[] = [];
  let start = 0;
  let lineNo = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    lineNo++;
    const raw = text.slice(start, end);
    start = end + 1;
    const entry = parsePoolTagLine(raw);
    if (entry === undefined) continue;
    if (entry === null) {
      skippedLines.push(lineNo);
      continue;
    }
    if (!entries.has(entry.tag)) entries.set(entry.tag, entry);
  }
  return { entries, skippedLines };
}

/** One line: an entry, `undefined` for blanks and comments, `null` for a line that is neither. */
function parsePoolTagLine(raw: string): PoolTagEntry | null | undefined {
  let line = raw.replace(/\r$/, '');
  const comment = line.indexOf('//');
  if (comment >= 0) line = line.slice(0, comment);
  if (line.trim() === '') return undefined;
  // The tag is everything before the first " - "; it may be shorter than four characters
  // (trailing spaces of the real tag are not written).
  const dash = line.indexOf(' - ');
  if (dash < 0) return null;
  const tagText = line.slice(0, dash).trim();
  if (tagText.length === 0 || tagText.length > 4) return null;
  const rest = line.slice(dash + 3);
  const second = rest.indexOf(' - ');
  let binary: string | null = null;
  let description: string;
  if (second >= 0) {
    binary = rest.slice(0, second).trim() || null;
    description = rest.slice(second + 3).trim();
  } else {
    description = rest.trim();
  }
  // `<unknown>` is how some entries say "no binary known".
  if (binary !== null && /^<.*>$/.test(binary)) binary = null;
  return { tag: padTag(tagText), binary, description };
}

/** The entry for a tag (display form, padded or not), if pooltag.txt lists it. */
export function lookupPoolTag(db: PoolTagDatabase, tag: string): PoolTagEntry | undefined {
  return db.entries.get(padTag(tag));
}

/**
 * The owner text WinDbg prints after a `!poolused` row: `PS/2 kb and mouse , Binary: i8042prt.sys`,
 * `TDI AcdObjectInfoG ` (no binary), or undefined when the tag is not in the file.
 */
export function lookupOwner(db: PoolTagDatabase, tag: string): string | undefined {
  const entry = lookupPoolTag(db, tag);
  return entry ? ownerText(entry) : undefined;
}

export function ownerText(entry: PoolTagEntry): string {
  return entry.binary ? `${entry.description} , Binary: ${entry.binary}` : `${entry.description} `;
}

/** What `!poolused` prints for a tag pooltag.txt does not list. */
export function unknownOwnerText(tag: string): string {
  return `UNKNOWN pooltag '${padTag(tag)}', please update pooltag.txt`;
}
