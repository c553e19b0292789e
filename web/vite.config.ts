/**
 * Vite config of the demo page (`npm run demo`). The page, the library code it
 * imports from ../src, the model, ONNX Runtime's WASM files and the detector's
 * weights and WASM files all end up in web/dist, so the built page works offline
 * and loads nothing from a CDN.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

/** The model the page loads; `DMCL_MODEL` picks another file. */
const modelFile = resolve(root, process.env.DMCL_MODEL ?? 'models/dmcl-68.onnx');

/** ONNX Runtime Web's runtime (WASM binary and its loader) for all backends. */
const require = createRequire(import.meta.url);
const ortDist = dirname(require.resolve('onnxruntime-web'));
const ortFiles = ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs'];

/** Human's BlazeFace weights and TensorFlow.js's WASM backend, for the detector. */
const humanModels = join(dirname(require.resolve('@vladmandic/human')), '..', 'models');
const humanFiles = ['blazeface.json', 'blazeface.bin'];
const tfjsDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
const tfjsFiles = ['', '-simd', '-threaded-simd'].map(
  (v) => `tfjs-backend-wasm${v}.wasm`,
);

/** Served path -> file on disk. */
const assets: Record<string, string> = {
  'models/dmcl-68.onnx': modelFile,
  ...Object.fromEntries(ortFiles.map((f) => [`ort/${f}`, join(ortDist, f)])),
  ...Object.fromEntries(humanFiles.map((f) => [`human/${f}`, join(humanModels, f)])),
  ...Object.fromEntries(tfjsFiles.map((f) => [`tfjs/${f}`, join(tfjsDist, f)])),
};

const types: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.onnx': 'application/octet-stream',
  '.json': 'application/json',
};

/** Serves the model and WASM files in dev and copies them into the build. */
function dmclAssets(): Plugin {
  return {
    name: 'dmcl-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0]?.replace(/^\//, '') ?? '';
        const file = assets[path];
        if (file === undefined) return next();
        const ext = path.slice(path.lastIndexOf('.'));
        res.setHeader('Content-Type', types[ext] ?? 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const [fileName, file] of Object.entries(assets)) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [dmclAssets()],
  resolve: {
    // ONNX Runtime's build that loads its WASM runtime from `ort.env.wasm.wasmPaths`
    // rather than one that makes Vite copy a second 28 MB file into the assets
    conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
  },
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // Human with TensorFlow.js (the detector, loaded on first use) is 2 MB by nature
    chunkSizeWarningLimit: 2500,
  },
  server: { fs: { allow: [root] } },
  preview: { port: 4173, strictPort: false },
});
