/** Parsing real debugger and tool output (`poolscope logs`): one parser per format, detection, diff. */
export * from './types';
export { parseLog, ACCEPTED_FORMATS } from './detect';
export { diffLogs, formatLogDiff, rowsFromBlocks, type TagDiff, type PoolDelta } from './diff';
export { parsePoolUsed } from './poolused';
export { parsePoolMon } from './poolmon';
export { parsePoolFind } from './poolfind';
export { parseKb, parseCallSite, formatParsedStack } from './kb';
export { splitLines, normaliseAddress } from './lines';
