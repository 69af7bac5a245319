/**
 * Reads `!poolfind` output into blocks. Two line formats exist:
 * - the classic one, documented on Learn:
 *     `826fa130 size:   c0 previous size:   40  (Allocated) SeSd`
 *   (PoolScope's own report prints the same without `previous size`), under
 *   `Searching NonPaged pool (823b1000 : 82800000) for Tag: SeSd` section lines;
 * - the one-line form of newer debuggers, which names the pool on each line:
 *     `ffffd48ca040f340 : tag Proc, size     0xb70, Nonpaged pool`
 *
 * Source (Microsoft Learn): https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/-poolfind
 * (PoolType 0 = non-paged, the default; 1 = paged; session and special pool are counted with the
 * pool kind they come from: session pool is paged, special pool is read as non-paged.)
 */
import { padTag } from '../poolTag';
import type { PoolName } from '../simulator/result';
import { isBlank, isChatter, normaliseAddress, type LogLine } from './lines';
import { LogParseError, type ParsedLog, type PoolFindBlock } from './types';

const ADDRESS = String.raw`[0-9a-fA-F]{8}(?:\x60?[0-9a-fA-F]{8})?`;
const SEARCHING = /^\s*Searching\s+(NonPaged|Paged|Session|Special)?\s*pool\b.*?\bfor Tag:\s?(.{0,4})/i;
const SCANNING = /^\s*Scanning large pool allocation table for (?:Tag: ?(.{1,4})|tag 0x[0-9a-fA-F]+ \((.{1,4})\))/i;
const TERMINATING = /^\s*\.\.\.terminating\b/;
const CLASSIC_ROW = new RegExp(
  String.raw`^\s*\*?(${ADDRESS})\s+size:\s*([0-9a-fA-F]+)(?:\s+previous size:\s*[0-9a-fA-F]+)?\s+\((Allocated|Free)\)(?:\s+\*?(\S.{0,3}).*)?$`,
);
const ONE_LINE_ROW = new RegExp(
  String.raw`^\s*(${ADDRESS})\s*:\s*tag\s(.{1,4}?),\s*size\s+(0x[0-9a-fA-F]+|\d+),\s*(Nonpaged|Paged|Session|Special)\s+pool\s*$`,
  'i',
);

function poolOf(word: string | undefined): PoolName {
  const w = (word ?? '').toLowerCase();
  return w === 'paged' || w === 'session' ? 'PagedPool' : 'NonPagedPool';
}

export function isPoolFindAnchor(text: string): boolean {
  return SEARCHING.test(text) || SCANNING.test(text) || CLASSIC_ROW.test(text) || ONE_LINE_ROW.test(text);
}

export function parsePoolFind(lines: readonly LogLine[], start: number): ParsedLog {
  const blocks: PoolFindBlock[] = [];
  let pool: PoolName = 'NonPagedPool';
  let tag: string | undefined;
  let sawSection = false;
  for (let i = start; i < lines.length; i++) {
    const { number, text } = lines[i];
    if (isBlank(text) || isChatter(text) || TERMINATING.test(text)) continue;
    const searching = SEARCHING.exec(text);
    if (searching) {
      pool = poolOf(searching[1]);
      if (searching[2]) tag ??= padTag(searching[2]);
      sawSection = true;
      continue;
    }
    const scanning = SCANNING.exec(text);
    if (scanning) {
      const t = scanning[1] ?? scanning[2];
      if (t) tag ??= padTag(t);
      sawSection = true;
      continue;
    }
    const classic = CLASSIC_ROW.exec(text);
    if (classic) {
      blocks.push({
        address: normaliseAddress(classic[1]),
        tag: padTag(classic[4] ?? ''),
        pool,
        size: parseInt(classic[2], 16),
        status: classic[3] as PoolFindBlock['status'],
      });
      continue;
    }
    const oneLine = ONE_LINE_ROW.exec(text);
    if (oneLine) {
      blocks.push({
        address: normaliseAddress(oneLine[1]),
        tag: padTag(oneLine[2]),
        pool: poolOf(oneLine[4]),
        size: oneLine[3].toLowerCase().startsWith('0x') ? parseInt(oneLine[3].slice(2), 16) : Number(oneLine[3]),
        status: 'Allocated',
      });
      continue;
    }
    throw new LogParseError(
      number,
      text,
      "expected a !poolfind line ('<address> size: <hex> (Allocated) <tag>' or '<address> : tag <tag>, size 0x<hex>, <pool> pool')",
    );
  }
  if (!sawSection && blocks.length === 0) {
    const last = lines[lines.length - 1] ?? { number: 1, text: '' };
    throw new LogParseError(last.number, last.text, '!poolfind output without a search line or any block');
  }
  const log: ParsedLog = { format: 'poolfind', blocks };
  if (tag !== undefined) log.tag = tag;
  return log;
}
