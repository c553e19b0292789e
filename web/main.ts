/**
 * The demo page: a photo (dropped or picked) or the webcam goes through the
 * library's browser entry (decode, detect, crop, model, map back), and the page
 * draws the faces, shows the time per stage and offers the landmarks as JSON.
 *
 * For tests, `document.body.dataset.state` tells where the page is: `loading`,
 * `ready`, `busy`, `done` (a photo's results are shown), `video` or `error`.
 */

import {
  decodeImage,
  FaceTracker,
  LandmarkSmoother,
  loadAligner,
  readPixels,
  type WebAligner,
  type WebAlignment,
  type WebBackend,
} from '../src/web/index.js';
import { drawFrame } from './draw.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const view = $<HTMLCanvasElement>('view');
const video = $<HTMLVideoElement>('video');
const fileInput = $<HTMLInputElement>('file');
const drop = $<HTMLLabelElement>('drop');
const cameraButton = $<HTMLButtonElement>('camera');
const downloadButton = $<HTMLButtonElement>('download');
const smoothBox = $<HTMLInputElement>('smooth');
const backendSelect = $<HTMLSelectElement>('backend');
const statusLine = $<HTMLParagraphElement>('status');
const caption = $<HTMLElement>('caption');

/** What the download button saves: the last photo's or video frame's results. */
let lastReport: Record<string, unknown> | undefined;
let aligner: WebAligner | undefined;
let stream: MediaStream | undefined;

function setState(state: string, message: string): void {
  document.body.dataset.state = state;
  statusLine.textContent = message;
}

function fail(error: unknown): void {
  setState(
    'error',
    error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  );
}

/** Loads (or reloads, on a backend change) the model. */
async function start(): Promise<void> {
  setState('loading', 'Loading the model…');
  cameraButton.disabled = true;
  await aligner?.dispose();
  aligner = undefined;
  const wanted = backendSelect.value as WebBackend | 'auto';
  aligner = await loadAligner({
    modelUrl: new URL('models/dmcl-68.onnx', document.baseURI).href,
    wasmPaths: new URL('ort/', document.baseURI).href,
    ...(wanted === 'auto' ? {} : { backend: wanted }),
  });
  cameraButton.disabled = !('mediaDevices' in navigator);
  setState('ready', `Ready (${aligner.backend}). Drop a photo or start the webcam.`);
}

/** Shows the stage timings and the faces of one result. */
function showResult(result: WebAlignment, extra: Record<string, number>): void {
  const rows = Object.entries({ ...extra, ...result.timings });
  const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
  const body = document.querySelector('#timings tbody') as HTMLElement;
  body.replaceChildren(
    ...[...rows, ['total', total] as const].map(([stage, ms]) => {
      const tr = document.createElement('tr');
      tr.append(cell(stage), cell(ms.toFixed(1)));
      return tr;
    }),
  );
  $('faces').replaceChildren(
    ...result.faces.map((face) => {
      const li = document.createElement('li');
      const { left, right, top, bottom } = face.box;
      li.textContent = `box ${left.toFixed(0)}-${right.toFixed(0)} x ${top.toFixed(0)}-${bottom.toFixed(0)}`;
      return li;
    }),
  );
}

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

/** The JSON the download button saves. */
function report(
  source: { name: string; width: number; height: number },
  result: WebAlignment,
  timings: Record<string, number>,
): Record<string, unknown> {
  return {
    image: source,
    backend: aligner?.backend,
    model: modelSummary(),
    coordinates: '1-based photo pixels (the centre of the top-left pixel is (1, 1))',
    faces: result.faces.map((face) => ({
      box: face.box,
      ...(face.score === undefined ? {} : { score: face.score }),
      points: Array.from({ length: face.points.length / 2 }, (_, i) => [
        face.points[2 * i] as number,
        face.points[2 * i + 1] as number,
      ]),
    })),
    timingsMs: { ...timings, ...result.timings },
  };
}

/** The model's metadata without the long scheme JSON, plus the scheme's name. */
function modelSummary(): Record<string, string> {
  const entries = Object.entries(aligner?.metadata ?? {}).filter(
    ([key]) => key !== 'scheme',
  );
  return { ...Object.fromEntries(entries), scheme: aligner?.aligner.scheme.name ?? '' };
}

/** Decodes, aligns and draws one photo. */
async function alignPhoto(file: File): Promise<void> {
  if (aligner === undefined) return;
  stopCamera();
  setState('busy', `Aligning ${file.name}…`);

  // Decode in the browser, then the shared core from the pixels on
  const t0 = performance.now();
  const image = await decodeImage(file);
  const decodeMs = performance.now() - t0;
  const result = await aligner.align(image);

  // Draw from a bitmap of the same pixels, then report
  const bitmap = await createImageBitmap(
    new ImageData(new Uint8ClampedArray(image.data), image.width, image.height),
  );
  drawFrame(view, bitmap, image.width, image.height, result.faces);
  bitmap.close();
  showResult(result, { decode: decodeMs });
  const source = { name: file.name, width: image.width, height: image.height };
  lastReport = report(source, result, { decode: decodeMs });
  downloadButton.disabled = false;
  caption.textContent = `${file.name}: ${image.width}x${image.height}, ${result.faces.length} face(s)`;
  const found =
    result.faces.length === 0 ? 'No face found' : `${result.faces.length} face(s)`;
  setState('done', `${found} in ${file.name} (${aligner.backend}).`);
}

/** Webcam: one frame at a time, detecting now and then and following in between. */
async function startCamera(): Promise<void> {
  if (aligner === undefined) return;
  stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 640 },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  cameraButton.textContent = 'Stop webcam';
  setState('video', 'Webcam running.');

  const canvas = new OffscreenCanvas(1, 1);
  const smoother = new LandmarkSmoother();
  const tracker = new FaceTracker();
  let frames = 0;
  let since = performance.now();
  const step = async (now: number): Promise<void> => {
    if (stream === undefined || aligner === undefined) return;
    const { videoWidth: width, videoHeight: height } = video;

    // Align: detect now and then, otherwise crop where the faces were
    const t0 = performance.now();
    const image = readPixels(video, width, height, canvas);
    const readMs = performance.now() - t0;
    const boxes = tracker.boxes(now);
    const result = await aligner.align(image, boxes === undefined ? {} : { boxes });
    tracker.update(
      result.faces.map((f) => ({ box: f.box, points: f.points })),
      boxes === undefined,
      now,
    );

    // Smooth with the frame's timestamp, so the frame rate does not matter
    const points = result.faces.map((f) => f.points);
    const smooth = smoothBox.checked ? smoother.update(points, now) : points;
    const faces = result.faces.map((f, i) => ({
      ...f,
      points: smooth[i] as Float64Array,
    }));

    // Draw, report and count frames per second
    drawFrame(view, video, width, height, faces);
    showResult({ ...result, faces }, { frame: readMs });
    lastReport = report({ name: 'webcam', width, height }, { ...result, faces }, {});
    downloadButton.disabled = faces.length === 0;
    frames++;
    if (now - since > 1000) {
      caption.textContent = `webcam ${width}x${height}: ${((frames * 1000) / (now - since)).toFixed(1)} frames/s`;
      frames = 0;
      since = now;
    }
    video.requestVideoFrameCallback((t) => void step(t).catch(fail));
  };
  video.requestVideoFrameCallback((t) => void step(t).catch(fail));
}

function stopCamera(): void {
  if (stream === undefined) return;
  for (const track of stream.getTracks()) track.stop();
  stream = undefined;
  video.srcObject = null;
  cameraButton.textContent = 'Start webcam';
}

/** Saves the last report as a JSON file. */
function download(): void {
  if (lastReport === undefined) return;
  const blob = new Blob([JSON.stringify(lastReport, null, 2)], {
    type: 'application/json',
  });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  const name = String((lastReport.image as { name: string }).name).replace(
    /\.[^.]*$/,
    '',
  );
  a.download = `${name}.landmarks.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

// Wiring
fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (file !== undefined) void alignPhoto(file).catch(fail);
});
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file !== undefined) void alignPhoto(file).catch(fail);
});
cameraButton.addEventListener('click', () => {
  if (stream === undefined) void startCamera().catch(fail);
  else {
    stopCamera();
    setState('ready', 'Webcam stopped.');
  }
});
downloadButton.addEventListener('click', download);
backendSelect.addEventListener('change', () => void start().catch(fail));

// A backend may be asked for in the address: ?backend=wasm
const asked = new URLSearchParams(location.search).get('backend');
if (asked !== null && [...backendSelect.options].some((o) => o.value === asked)) {
  backendSelect.value = asked;
}
void start().catch(fail);
