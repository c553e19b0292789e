/**
 * The learned detector-box mappings, one per detector, written by
 * scripts/fit-box-mapping.ts from 300-W training photos. Browser-safe.
 */

import type { BoxMapping } from '../inference/boxes.js';
import mappings from './box-mappings.json' with { type: 'json' };

/** The detectors with a learned mapping. */
export type MappedDetector = 'blazeface' | 'tiny' | 'ssd';

/** The learned map from a detector's boxes to the model's training boxes. */
export function learnedBoxMapping(detector: MappedDetector): BoxMapping {
  return (mappings as Record<MappedDetector, { mapping: BoxMapping }>)[detector].mapping;
}
