/**
 * `parseLog`: finds which tool printed a text and hands it to that format's parser. The first
 * line that only one format prints decides (a column header, a `Sorting by` line, a `Searching …
 * pool` line, a `Child-SP RetAddr` header). Before it only blank lines and debugger chatter
 * (prompts, symbol warnings, progress dots) may appear; anything else is a LogParseError naming
 * the line — an unrecognised text never becomes an empty table.
 */
import { isKbAnchor, parseKb } from './kb';
import { isSkippable, splitLines, type LogLine } from './lines';
import { isPoolFindAnchor, parsePoolFind } from './poolfind';
import { isPoolMonAnchor, parsePoolMon } from './poolmon';
import { isPoolUsedAnchor, parsePoolUsed } from './poolused';
import { LogParseError, type ParsedLog } from './types';

type Parser = (lines: readonly LogLine[], start: number) => ParsedLog;

const DETECTORS: Array<{ test: (text: string) => boolean; parse: Parser }> = [
  { test: isPoolUsedAnchor, parse: parsePoolUsed },
  { test: isPoolMonAnchor, parse: parsePoolMon },
  { test: isPoolFindAnchor, parse: parsePoolFind },
  { test: isKbAnchor, parse: parseKb },
];

export const ACCEPTED_FORMATS = '!poolused (default or verbose), PoolMon, !poolfind or kb';

export function parseLog(text: string): ParsedLog {
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const { number, text: line } = lines[i];
    const detector = DETECTORS.find((d) => d.test(line));
    if (detector) return detector.parse(lines, i);
    if (!isSkippable(line)) throw new LogParseError(number, line, `unrecognised text: not ${ACCEPTED_FORMATS} output`);
  }
  const last = lines[lines.length - 1];
  throw new LogParseError(last.number, '', `no ${ACCEPTED_FORMATS} output found`);
}
