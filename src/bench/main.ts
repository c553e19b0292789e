#!/usr/bin/env node
/**
 * `npm run bench [-- SECTION...]`: prints speed tables. Sections: engine, data,
 * jitter, align (default all). Each section times its baseline in the same run.
 */
import { runAlignBench } from './align.js';
import { runDataBench } from './data.js';
import { runEngineBench } from './engine.js';
import { runJitterBench } from './jitter.js';

const sections: Record<string, () => Promise<void>> = {
  engine: () => runEngineBench(Number(process.env.BENCH_RUNS ?? 5)),
  data: () => runDataBench(process.env.BENCH_DATA ?? '../shared/data/300w/train'),
  jitter: () =>
    runJitterBench(process.env.BENCH_JITTER_DATA ?? '../shared/data/300w/test'),
  align: () =>
    runAlignBench(
      process.env.BENCH_ALIGN_DATA ?? '../shared/data/300w/test',
      Number(process.env.BENCH_RUNS ?? 5),
    ),
};

const asked = process.argv.slice(2);
const names = asked.length === 0 ? Object.keys(sections) : asked;
for (const name of names) {
  const section = sections[name];
  if (section === undefined) {
    console.error(
      `bench: unknown section ${name}; expected one of ${Object.keys(sections).join(', ')}`,
    );
    process.exit(2);
  }
  await section();
}
