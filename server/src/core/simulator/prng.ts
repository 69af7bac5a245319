/**
 * The simulator's only source of randomness: `chance(P%)` branches and `--low-resources`
 * failures draw from one seeded xorshift128 generator, so the same seed always gives the
 * same run (simulator.md, "Determinism"). Nothing here reads the clock.
 */
export class SeededRandom {
  private x: number;
  private y: number;
  private z: number;
  private w: number;

  constructor(seed: number) {
    // Expand the seed into four non-zero 32-bit words with splitmix32, so that nearby seeds
    // (1, 2, 3…) give unrelated streams.
    let s = Math.trunc(seed) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b) >>> 0;
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35) >>> 0;
      return (t ^ (t >>> 16)) >>> 0;
    };
    this.x = next() || 1;
    this.y = next() || 2;
    this.z = next() || 3;
    this.w = next() || 4;
  }

  /** The next 32-bit unsigned value (Marsaglia's xorshift128). */
  nextUint32(): number {
    const t = this.x ^ (this.x << 11);
    this.x = this.y;
    this.y = this.z;
    this.z = this.w;
    this.w = (this.w ^ (this.w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return this.w;
  }

  /** True with probability `percent`/100 (0 never, 100 always). */
  chance(percent: number): boolean {
    // One draw per test, even for 0% and 100%, so that editing a percentage does not shift
    // every later outcome of the run.
    const r = this.nextUint32() / 4294967296;
    return r * 100 < percent;
  }
}
