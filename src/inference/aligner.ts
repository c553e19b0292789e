/**
 * The aligner: a DMCL model in an ONNX Runtime session, turning photos and face
 * boxes into landmarks in photo pixels. It takes the ONNX Runtime module it runs
 * on (onnxruntime-node or onnxruntime-web) and decoded pixels, so this file and
 * everything it imports stay free of Node-only modules; file decoding, the
 * shipped model's path and the default detector live in `node.ts`.
 */

import { ConfigError, InvalidInputError, ModelFormatError } from '../errors.js';
import { boxFromPoints, type Box } from '../geometry/box.js';
import { cropToPhoto, cropTransform, type CropTransform } from '../geometry/crop.js';
import { cropGrey } from '../image/crop-grey.js';
import type { GreyImage } from '../image/image.js';
import { IBUG68, type Scheme } from '../scheme/scheme.js';
import { checkBoxInPhoto, mapDetectorBox, type BoxMapping } from './boxes.js';
import { readModelInfo, type ModelInfo } from './model-info.js';
import { isPixelImage, pixelsToGrey, type PixelImage } from './pixels.js';

/** A tensor as the aligner sees it (both ONNX Runtime packages' `Tensor` fit). */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** An inference session as the aligner sees it. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

/**
 * The parts of an ONNX Runtime module the aligner uses: pass
 * `import * as ort from 'onnxruntime-node'` or `'onnxruntime-web'`.
 */
export interface OrtModule {
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike>;
  };
  Tensor: new (
    type: 'float32',
    data: Float32Array,
    dims: readonly number[],
  ) => OrtTensorLike;
}

/** A face found by a detector, in 1-based photo pixels (the detector's own box). */
export interface FaceDetection {
  /** The detector's box, before mapping to the model's box convention. */
  box: Box;
  /** The detector's confidence, 0..1. */
  score: number;
}

/** A face detector the aligner can call when no boxes are given. */
export interface FaceDetector {
  /** A short name for reports, e.g. `BlazeFace (@vladmandic/human)`. */
  readonly name: string;
  /**
   * The map from this detector's boxes to the model's training boxes (the tight
   * box of the 68 points), learned on training photos.
   */
  readonly boxMapping: BoxMapping;
  /** The faces of a photo, best first; an empty array when there are none. */
  detect(image: PixelImage): Promise<FaceDetection[]>;
  /** Frees the detector's resources. */
  dispose(): Promise<void>;
}

/** One aligned face. All coordinates are 1-based photo pixels, as in 300-W. */
export interface AlignedFace {
  /**
   * The box the crop was made from, in the model's convention (the tight box of
   * the landmarks): the given box; for a detected face, the detector's box after
   * its mapping, or with `refineDetected` the tight box of the first pass's points.
   */
  box: Box;
  /**
   * The landmarks, interleaved `[x1, y1, x2, y2, ...]`, `scheme.numPoints` points
   * (68 for iBUG), in the scheme's order. Pixel (1, 1) is the top-left pixel's
   * centre: subtract 0.5 for canvas coordinates, 1 for 0-based pixel indices.
   */
  landmarks: Float64Array;
  /** Where the network's input crop lies in the photo (crop pixel to photo pixel). */
  transform: CropTransform;
  /** The detector's own box and score, when the box came from the detector. */
  detection?: FaceDetection;
}

/**
 * A photo to align: a file path or encoded bytes (with a decoder, as the Node
 * entry has), or decoded pixels such as a canvas's `ImageData`.
 */
export type ImageInput = string | Uint8Array | PixelImage;

/** Turns an `ImageInput` into pixels; `name` is what error messages call it. */
export type ImageDecoder = (input: ImageInput, name: string) => Promise<PixelImage>;

/** Load-time settings of an `Aligner`. */
export interface AlignerOptions {
  /**
   * The scheme the model must predict; a model of another scheme is refused with
   * a ModelFormatError. Default: the iBUG 68-point scheme.
   */
  scheme?: Scheme;
  /**
   * Most faces sent to ONNX Runtime in one call; a larger batch is split. Default
   * 128 (about 40 MB of activations).
   */
  maxBatch?: number;
  /**
   * The detector used when a photo comes without boxes, or a function that
   * creates it on first use. Default none: boxes are then required.
   */
  detector?: FaceDetector | (() => Promise<FaceDetector>);
  /**
   * Align each detected face twice, the second time in the tight box of the first
   * pass's landmarks: the box convention the model was trained on, which a
   * detector's box only approximates. On held-out 300-W training photos this took
   * NME with BlazeFace boxes most of the way to NME with ground-truth boxes
   * (scripts/fit-box-mapping.ts); it costs one more network pass per detected
   * face. Given boxes are used as they are. Default true.
   */
  refineDetected?: boolean;
  /** Decoder for paths and encoded bytes. Default none: pixels only. */
  decode?: ImageDecoder;
  /**
   * Creates the session from the model bytes, e.g. with execution providers or
   * thread settings. Default `ort.InferenceSession.create(bytes)`.
   */
  createSession?: (bytes: Uint8Array) => Promise<OrtSessionLike>;
  /** What error messages call the model, e.g. its path. Default `"model buffer"`. */
  source?: string;
}

/** Per-call settings of `align`. */
export interface AlignOptions {
  /**
   * Face boxes in 1-based photo pixels, in the model's convention (the tight box
   * of the 68 points, as 300-W gives). Default: detect the faces. An empty array
   * aligns nothing.
   */
  boxes?: readonly Box[];
}

/** Per-call settings of `alignBatch`. */
export interface AlignBatchOptions {
  /**
   * Boxes per photo (see `AlignOptions.boxes`); `undefined` for a photo, or no
   * array at all, detects that photo's faces. Default: detect every photo's faces.
   */
  boxes?: readonly (readonly Box[] | undefined)[];
}

/** A decoded photo with the faces to align. */
interface Job {
  grey: GreyImage;
  faces: { box: Box; detection?: FaceDetection }[];
  /** Whether the faces came from the detector. */
  detected: boolean;
}

const DEFAULT_MAX_BATCH = 128;

/**
 * A loaded DMCL model. Create it with `Aligner.create` (any ONNX Runtime) or, in
 * Node, with `loadAligner`; call `dispose()` when done.
 */
export class Aligner {
  private detector: FaceDetector | undefined;
  private detectorLoading: Promise<FaceDetector> | undefined;
  private disposed = false;

  private constructor(
    /** What the model file says about itself. */
    readonly info: ModelInfo,
    private readonly ort: OrtModule,
    private readonly session: OrtSessionLike,
    private readonly options: AlignerOptions,
    private readonly maxBatch: number,
  ) {
    if (typeof options.detector === 'object') this.detector = options.detector;
  }

  /**
   * Loads a model from its bytes.
   *
   * @param ort the ONNX Runtime module: onnxruntime-node or onnxruntime-web
   * @param bytes the `.onnx` file
   * @throws ModelFormatError for a file of another format, version or scheme
   * @throws ConfigError for a `maxBatch` that is not a positive integer
   */
  static async create(
    ort: OrtModule,
    bytes: Uint8Array,
    options: AlignerOptions = {},
  ): Promise<Aligner> {
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new ConfigError(`maxBatch: expected a positive integer, found ${maxBatch}`);
    }
    const source = options.source ?? 'model buffer';
    const info = readModelInfo(bytes, source, options.scheme ?? IBUG68);

    // The session, checked for the graph names the format promises
    const session = await (options.createSession?.(bytes) ??
      ort.InferenceSession.create(bytes));
    if (
      !session.inputNames.includes('input') ||
      !session.outputNames.includes('landmarks')
    ) {
      await session.release();
      const found = `inputs [${session.inputNames.join(', ')}], outputs [${session.outputNames.join(', ')}]`;
      throw new ModelFormatError(
        `${source}: expected graph input "input" and output "landmarks", found ${found}`,
      );
    }
    return new Aligner(info, ort, session, options, maxBatch);
  }

  /** The landmark scheme of the model's output. */
  get scheme(): Scheme {
    return this.info.scheme;
  }

  /**
   * The landmarks of every face in one photo.
   *
   * @param image a path or encoded bytes (given a decoder), or decoded pixels
   * @returns one entry per box, in the boxes' order, or per detected face, best
   *   first; an empty array when there is no face
   * @throws DataFormatError when a file cannot be read or decoded
   * @throws InvalidInputError for malformed pixels or a box that is empty or lies
   *   outside the photo
   */
  async align(image: ImageInput, options: AlignOptions = {}): Promise<AlignedFace[]> {
    const boxes = options.boxes === undefined ? undefined : [options.boxes];
    const [faces] = await this.alignBatch([image], boxes === undefined ? {} : { boxes });
    return faces ?? [];
  }

  /**
   * The landmarks of every face in several photos, all crops in one ONNX Runtime
   * call (or several of at most `maxBatch` faces).
   *
   * @returns one array per photo, in order (see `align`)
   * @throws InvalidInputError when `boxes` has another length than `images`
   */
  async alignBatch(
    images: readonly ImageInput[],
    options: AlignBatchOptions = {},
  ): Promise<AlignedFace[][]> {
    this.assertOpen();
    const boxes = options.boxes;
    if (boxes !== undefined && boxes.length !== images.length) {
      throw new InvalidInputError(
        `alignBatch: expected one boxes entry per photo (${images.length}), found ${boxes.length}`,
      );
    }

    // Decode, then take the given boxes or detect
    const jobs: Job[] = [];
    for (const [k, image] of images.entries()) {
      const name = typeof image === 'string' ? image : `images[${k}]`;
      const pixels = await this.decode(image, name);
      const grey = pixelsToGrey(pixels, name);
      const given = boxes?.[k];
      const faces =
        given === undefined
          ? await this.detect(pixels)
          : given.map((box, j) => ({
              box: checkBoxInPhoto(box, grey.width, grey.height, `${name}: boxes[${j}]`),
            }));
      jobs.push({ grey, faces, detected: given === undefined });
    }
    const results = await this.run(jobs);
    if (this.options.refineDetected === false) return results;

    // Second pass for detected faces, at the tight box of their first landmarks
    const again = jobs.flatMap((job, k) => (job.detected ? [k] : []));
    const refined = await this.run(
      again.map((k) => ({
        ...(jobs[k] as Job),
        faces: (results[k] ?? []).map((face) => ({
          box: boxFromPoints(face.landmarks),
          ...(face.detection === undefined ? {} : { detection: face.detection }),
        })),
      })),
    );
    again.forEach((k, i) => (results[k] = refined[i] ?? []));
    return results;
  }

  /**
   * Landmarks for grey photos with known boxes (the evaluation path: no decoding,
   * no detector).
   *
   * @returns one point array per box, in order
   */
  async alignGrey(image: GreyImage, boxes: readonly Box[]): Promise<Float64Array[]> {
    this.assertOpen();
    const faces = boxes.map((box, j) => ({
      box: checkBoxInPhoto(box, image.width, image.height, `boxes[${j}]`),
    }));
    const [result] = await this.run([{ grey: image, faces, detected: false }]);
    return (result ?? []).map((face) => face.landmarks);
  }

  /**
   * The raw network on ready crops: `count` inputs of size x size values
   * (`pixel / 128 - 1`) in, `count` rows of interleaved crop-pixel points out.
   * For benchmarks and tests.
   */
  async runCrops(inputs: Float32Array, count: number): Promise<Float32Array> {
    this.assertOpen();
    const size = this.info.inputSize;
    if (inputs.length !== count * size * size) {
      const what = `${count} x ${size} x ${size} = ${count * size * size} values`;
      throw new InvalidInputError(`runCrops: expected ${what}, found ${inputs.length}`);
    }
    const feeds = {
      input: new this.ort.Tensor('float32', inputs, [count, 1, size, size]),
    };
    const outputs = await this.session.run(feeds);
    const data = outputs.landmarks?.data;
    if (
      !(data instanceof Float32Array) ||
      data.length !== count * 2 * this.info.numPoints
    ) {
      const found =
        data instanceof Float32Array ? `${data.length} values` : 'no float32 data';
      const want = `${count * 2 * this.info.numPoints} float32 values`;
      throw new InvalidInputError(`landmarks output: expected ${want}, found ${found}`);
    }
    return data;
  }

  /** Releases the session and the detector. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
    const detector =
      this.detector ?? (await this.detectorLoading?.catch(() => undefined));
    await detector?.dispose();
  }

  /** Crops every face of every job, runs the network in chunks, maps points back. */
  private async run(jobs: readonly Job[]): Promise<AlignedFace[][]> {
    const size = this.info.inputSize;
    const crop = size * size;
    const all = jobs.flatMap((job, index) =>
      job.faces.map((face) => ({ job, index, face })),
    );
    const results: AlignedFace[][] = jobs.map(() => []);

    for (let start = 0; start < all.length; start += this.maxBatch) {
      const chunk = all.slice(start, start + this.maxBatch);
      const inputs = new Float32Array(chunk.length * crop);
      const transforms = chunk.map(({ job, face }, k) => {
        const t = cropTransform(face.box, { size, enlarge: this.info.enlarge });
        cropGrey(job.grey, t, inputs, k * crop);
        return t;
      });

      // One session call, then each row from crop pixels back to the photo
      const output = await this.runCrops(inputs, chunk.length);
      const n2 = 2 * this.info.numPoints;
      chunk.forEach(({ index, face }, k) => {
        const row = Float64Array.from(output.subarray(k * n2, (k + 1) * n2));
        const transform = transforms[k] as CropTransform;
        const aligned: AlignedFace = {
          box: face.box,
          landmarks: cropToPhoto(row, transform),
          transform,
        };
        if (face.detection !== undefined) aligned.detection = face.detection;
        results[index]?.push(aligned);
      });
    }
    return results;
  }

  /** Detected faces with their boxes mapped to the model's convention. */
  private async detect(pixels: PixelImage): Promise<Job['faces']> {
    const detector = await this.loadDetector();
    const found = await detector.detect(pixels);
    return found.map((detection) => ({
      box: mapDetectorBox(detection.box, detector.boxMapping),
      detection,
    }));
  }

  private async loadDetector(): Promise<FaceDetector> {
    if (this.detector !== undefined) return this.detector;
    const make = this.options.detector;
    if (typeof make !== 'function') {
      throw new ConfigError(
        'align: expected face boxes, or an aligner created with a detector, found neither',
      );
    }
    this.detectorLoading ??= make();
    this.detector = await this.detectorLoading;
    return this.detector;
  }

  private async decode(image: ImageInput, name: string): Promise<PixelImage> {
    if (isPixelImage(image)) return image;
    if (this.options.decode !== undefined) return this.options.decode(image, name);
    const found = typeof image === 'string' ? 'a path' : 'encoded bytes';
    throw new InvalidInputError(
      `${name}: expected decoded pixels { data, width, height } (no decoder given), found ${found}`,
    );
  }

  private assertOpen(): void {
    if (this.disposed) {
      throw new ConfigError(
        'aligner: expected an open aligner, found one already disposed',
      );
    }
  }
}
