/**
 * Synthetic kernel addresses and the ways WinDbg prints them.
 *
 * Addresses are kept as offsets from the start of the simulated pool region
 * (0xffffc000`00000000) so that they stay exact JavaScript numbers; the high half is added
 * only when printing.
 */

/** High 32 bits of every simulated kernel-pool address. */
export const POOL_REGION_HIGH = 0xffffc000;

/** Where the first pool block starts (offset within the region). */
export const FIRST_BLOCK_OFFSET = 0x10000;

/**
 * Fixed, documented addresses for the structures that bug check 0xC4 / 0x62 points at
 * (docs/simulator.md): the driver's name (a UNICODE_STRING) and Driver Verifier's internal
 * per-driver data (MI_VERIFIER_DRIVER_ENTRY on a real machine). They sit below the first
 * pool block so they can never collide with one.
 */
export const DRIVER_NAME_OFFSET = 0x1000;
export const VERIFIER_DRIVER_DATA_OFFSET = 0x2000;

const ZEROS = '00000000';

function hex8(n: number): string {
  const h = (n >>> 0).toString(16);
  return h.length === 8 ? h : ZEROS.slice(h.length) + h;
}

const REGION_HIGH_TEXT = hex8(POOL_REGION_HIGH);

function split(offset: number): [number, number] {
  const low = offset % 4294967296;
  const high = (POOL_REGION_HIGH + Math.floor(offset / 4294967296)) >>> 0;
  return [high, low];
}

/** `ffffc000`00012340`, as `!poolfind`, `!verifier` and `kb` print a pointer. */
export function formatAddress(offset: number): string {
  if (offset >= 0 && offset < 4294967296) return REGION_HIGH_TEXT + '`' + hex8(offset);
  const [high, low] = split(offset);
  return `${hex8(high)}\`${hex8(low)}`;
}

/** The 64-bit value of an address, for bug-check parameters. */
export function addressValue(offset: number): bigint {
  const [high, low] = split(offset);
  return (BigInt(high) << 32n) | BigInt(low);
}

/**
 * A bug-check parameter as cli.md wants it: `0x` then upper-case hex digits, at least two of
 * them (`0x62`, `0x0A`, `0x02`, `0xFFFFC00000012340`), as the spec's bug-check table writes them.
 */
export function formatParameter(value: number | bigint): string {
  const v = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  const digits = (v < 0n ? v + (1n << 64n) : v).toString(16).toUpperCase();
  return '0x' + digits.padStart(2, '0');
}
