import { describe, expect, it } from 'vitest';

import { createProgressBar, duration } from '../../src/cli/progress.js';

/** A stand-in for stderr that records what is written. */
function recorder(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { write: (s: string) => chunks.push(s) > 0, isTTY: false };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

describe('createProgressBar', () => {
  it('prints about ten lines to a log, with count, rate and ETA', () => {
    const { stream, text } = recorder();
    let t = 0;
    const bar = createProgressBar({ total: 100, label: 'faces', stream, now: () => t });
    for (let i = 0; i < 100; i++) {
      t += 100;
      bar.tick();
    }
    bar.done();
    const lines = text().trimEnd().split('\n');
    expect(lines.length).toBe(10);
    expect(lines[0]).toBe('faces [##------------------]  10% 10/100 10.0/s ETA 0:09');
    expect(lines[9]).toBe('faces [####################] 100% 100/100 10.0/s in 0:10');
  });

  it('stays quiet in a log for the first second', () => {
    const { stream, text } = recorder();
    const bar = createProgressBar({ total: 10, label: 'x', stream, now: () => 0 });
    bar.tick(5);
    expect(text()).toBe('');
    bar.done();
    bar.done();
    expect(text().split('\n').length).toBe(2);
  });

  it('redraws one line in place on a terminal', () => {
    const { stream, text } = recorder();
    let t = 0;
    const bar = createProgressBar({
      total: 4,
      label: 'x',
      stream,
      interactive: true,
      now: () => t,
    });
    for (let i = 0; i < 4; i++) {
      t += 200;
      bar.tick();
    }
    bar.done();
    expect(text().startsWith('\rx [')).toBe(true);
    expect(text().split('\n').length).toBe(2);
    expect(text()).toContain('4/4');
  });

  it('formats durations', () => {
    expect([duration(5), duration(65), duration(3725)]).toEqual([
      '0:05',
      '1:05',
      '1:02:05',
    ]);
  });
});
