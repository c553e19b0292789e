/**
 * Dataset loading for commands, with a progress bar on stderr.
 */

import { loadDataset, type FaceRecord } from '../data/dataset.js';
import type { Scheme } from '../scheme/scheme.js';
import { createProgressBar, type ProgressBar } from './progress.js';

/** Loads a dataset (see `loadDataset`) while showing progress. */
export async function loadFaces(
  path: string,
  scheme: Scheme,
  label: string,
): Promise<FaceRecord[]> {
  let bar: ProgressBar | undefined;
  try {
    return await loadDataset(path, {
      scheme,
      onProgress: (done, total) => {
        bar ??= createProgressBar({ total, label });
        bar.update(done);
      },
    });
  } finally {
    bar?.done();
  }
}
