import { describe, expect, it } from 'vitest';

import { Rng } from '../../src/augment/rng.js';

describe('Rng', () => {
  it('repeats from a seed and from a saved state', () => {
    const a = new Rng(42);
    const first = [a.next(), a.next(), a.next()];
    expect([new Rng(42).next(), new Rng(42).next()]).toEqual([first[0], first[0]]);
    const saved = a.state;
    const later = [a.next(), a.next()];
    const resumed = new Rng(0);
    resumed.state = saved;
    expect([resumed.next(), resumed.next()]).toEqual(later);
    expect(new Rng(43).next()).not.toBe(first[0]);
  });

  it('draws uniform numbers in [0, 1) with mean 1/2', () => {
    const rng = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 2);
  });

  it('draws normal numbers with mean 0 and variance 1', () => {
    const rng = new Rng(2);
    const xs = Array.from({ length: 20000 }, () => rng.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('shuffles to a permutation and forks independent streams', () => {
    const rng = new Rng(3);
    const order = rng.shuffle([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(order).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const child = rng.fork();
    expect(child.next()).not.toBe(rng.next());
    expect([...Array(100)].map(() => rng.int(3)).every((k) => k >= 0 && k < 3)).toBe(
      true,
    );
  });
});
