/**
 * A terminal progress bar on stderr: count, rate per second and time left. On a
 * terminal it redraws one line in place; otherwise (logs, pipes) it prints a line
 * at about every 10 % once the job has run for a second, and a final line.
 */

/** A running progress display. */
export interface ProgressBar {
  /** Records `n` more items done. Default 1. */
  tick(n?: number): void;
  /** Sets the number of items done. */
  update(done: number): void;
  /** Prints the final line (count, elapsed time, rate). Safe to call twice. */
  done(): void;
}

/** Options of `createProgressBar`. */
export interface ProgressOptions {
  /** Number of items expected. */
  total: number;
  /** Text in front of the bar. */
  label: string;
  /** Where to write. Default `process.stderr`. */
  stream?: NodeJS.WriteStream;
  /** Redraw in place. Default: whether the stream is a terminal. */
  interactive?: boolean;
  /** Clock in milliseconds (for tests). Default `Date.now`. */
  now?: () => number;
}

/** Starts a progress display. */
export function createProgressBar(options: ProgressOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const interactive = options.interactive ?? stream.isTTY === true;
  const now = options.now ?? Date.now;
  const total = Math.max(0, options.total);
  const start = now();
  let count = 0;
  let lastDraw = -Infinity;
  let lastDecile = 0;
  let finished = false;

  // One status line: label, bar, count, rate, ETA
  const line = (final: boolean): string => {
    const elapsed = Math.max(1e-3, (now() - start) / 1000);
    const rate = count / elapsed;
    const share = total > 0 ? Math.min(1, count / total) : 1;
    const filled = Math.round(share * 20);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}]`;
    const pct = `${Math.floor(share * 100)}%`.padStart(4);
    const tail = final
      ? `in ${duration(elapsed)}`
      : `ETA ${rate > 0 ? duration(Math.max(0, total - count) / rate) : '?'}`;
    return `${options.label} ${bar} ${pct} ${count}/${total} ${formatRate(rate)}/s ${tail}`;
  };

  const draw = (): void => {
    if (finished) return;
    if (interactive) {
      const t = now();
      if (t - lastDraw < 100 && count < total) return;
      lastDraw = t;
      stream.write(`\r${line(false)}\x1b[K`);
      return;
    }
    // Logs: a line per 10 %, once the job has run a second (short jobs print one line)
    const decile = total > 0 ? Math.floor((count / total) * 10) : 10;
    if (decile > lastDecile && count < total && now() - start >= 1000) {
      lastDecile = decile;
      stream.write(line(false) + '\n');
    }
  };

  return {
    tick(n = 1) {
      count += n;
      draw();
    },
    update(done) {
      count = done;
      draw();
    },
    done() {
      if (finished) return;
      finished = true;
      stream.write(
        `${interactive ? '\r' : ''}${line(true)}${interactive ? '\x1b[K' : ''}\n`,
      );
    },
  };
}

/** Seconds as `m:ss` or `h:mm:ss`. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}
