/** Small networks and a seeded generator shared by the engine tests. */
import { validateDefinition, type ModelDefinition } from '../../src/model/definition.js';

/**
 * A three-conv network: pools after the first two convs (ceil rounding), `heads` SPLs.
 * @param side input side; 9 gives 9 -> 5 -> 3 (odd sides exercise ceil pooling)
 */
export function tinyDefinition(
  side: number,
  channels: [number, number, number],
  numPoints: number,
  heads = 1,
): ModelDefinition {
  return validateDefinition({
    inputSize: side,
    convs: [
      { name: 'c1', channels: channels[0], poolAfter: true },
      { name: 'c2', channels: channels[1], poolAfter: true },
      { name: 'c3', channels: channels[2], poolAfter: false },
    ],
    numPoints,
    heads,
    bnEpsilon: 1e-5,
  });
}

/** A seeded uniform generator in [-0.5, 0.5) (linear congruential; tests only). */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
}
