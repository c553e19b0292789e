/**
 * Running a landmark predictor over a dataset, photo by photo, for evaluation.
 */

import type { FaceRecord } from '../data/dataset.js';
import type { NamedPoints } from '../data/predictions.js';
import { InvalidInputError } from '../errors.js';
import type { Box } from '../geometry/box.js';
import { readGrey, type GreyImage } from '../image/image.js';

/** Anything that turns a grey photo and face boxes into landmarks (1-based photo pixels). */
export interface LandmarkPredictor {
  /** One interleaved point array per box, in the same order. */
  predict(image: GreyImage, boxes: Box[]): Promise<Float64Array[]>;
}

/**
 * Predicts every face of a dataset, reading each photo once and passing all its
 * faces' boxes together.
 *
 * @param onProgress called with the number of faces done and the total
 * @returns one entry per face, in dataset order, named like the face
 * @throws InvalidInputError when the predictor returns the wrong number of faces
 */
export async function predictFaces(
  faces: readonly FaceRecord[],
  predictor: LandmarkPredictor,
  onProgress?: (done: number, total: number) => void,
): Promise<NamedPoints[]> {
  const byImage = new Map<string, number[]>();
  faces.forEach((face, k) =>
    byImage.set(face.imagePath, [...(byImage.get(face.imagePath) ?? []), k]),
  );
  const out = new Array<NamedPoints>(faces.length);
  let done = 0;

  // One photo at a time, all its faces in one call
  for (const [imagePath, indices] of byImage) {
    const image = await readGrey(imagePath);
    const boxes = indices.map((k) => (faces[k] as FaceRecord).box);
    const points = await predictor.predict(image, boxes);
    if (points.length !== boxes.length) {
      const found = `${points.length} results for ${boxes.length} boxes`;
      throw new InvalidInputError(
        `${imagePath}: expected one prediction per box, found ${found}`,
      );
    }
    indices.forEach((k, j) => {
      const face = faces[k] as FaceRecord;
      out[k] = { name: face.name, points: points[j] as Float64Array, box: face.box };
    });
    done += indices.length;
    onProgress?.(done, faces.length);
  }
  return out;
}
