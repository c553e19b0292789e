/**
 * A small seeded random number generator (mulberry32) so that augmentation and
 * data order are reproducible from one integer seed.
 */

/**
 * Seeded pseudo-random numbers. Not cryptographic. The whole state is one 32-bit
 * integer (`state`), so a training run can save and restore it.
 */
export class Rng {
  /** The generator state; `new Rng(0).state = s` resumes a saved stream. */
  state: number;

  /** @param seed any number; its low 32 bits are used. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform number in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A standard normal number (Box-Muller; uses two uniform draws). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles an array in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }

  /** A new generator seeded from this one (e.g. one per loader worker). */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 4294967296));
  }
}
