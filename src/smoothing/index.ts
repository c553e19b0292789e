/** Temporal smoothing of landmarks on video. */
export * from './one-euro.js';
export * from './landmark-smoother.js';
export * from './metrics.js';
