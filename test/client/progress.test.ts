import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressLog, formatSeconds } from '../../src/client/progress-log.js';
import { withCluster } from '../support/with-cluster.js';

/** A writable that records what was written; `isTTY` as given. */
function recorder(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } }) as unknown as NodeJS.WriteStream;
  if (isTTY) (stream as { isTTY?: boolean }).isTTY = true;
  return { stream, text: () => text };
}

describe('progress log lines (no terminal)', () => {
  afterEach(() => vi.useRealTimers());

  it('writes a line at the start, at each tenth reached, and at the end; never two within the interval', () => {
    vi.useFakeTimers({ now: 0 });
    const lines: string[] = [];
    const at = (line: string) => lines.push(`${Date.now()} ${line}`);
    const log = new ProgressLog(10, at, { intervalMs: 5_000, quietMs: 60_000 });
    log.start();
    vi.advanceTimersByTime(1_000);
    log.settled(false); // 1/10: a tenth, but within 5 s of the first line
    vi.advanceTimersByTime(1_000);
    log.settled(true); // 2/10, still inside the window
    vi.advanceTimersByTime(3_000); // the window closes at 5 s: one line with the counts of then
    vi.advanceTimersByTime(60_000); // nothing happens for a minute: a line shows the work is alive
    for (let i = 0; i < 8; i++) log.settled(false);
    log.finish();
    log.finish();
    expect(lines).toEqual([
      '0 progress: 0/10 done (0%), 0.0 s elapsed',
      '5000 progress: 2/10 done (20%), 1 failed, 5.0 s elapsed, about 20 s left',
      '65000 progress: 2/10 done (20%), 1 failed, 65.0 s elapsed, about 4 min 20 s left',
      '65000 progress: 10/10 done (100%), 1 failed, in 65.0 s',
    ]);
  });

  it('with the interval passed, a tenth reached is a line at once; the next one waits for the window to close', () => {
    vi.useFakeTimers({ now: 0 });
    const lines: string[] = [];
    const log = new ProgressLog(100, (line) => lines.push(line), { intervalMs: 5_000 });
    log.start();
    vi.advanceTimersByTime(6_000);
    for (let i = 0; i < 9; i++) log.settled(false);
    expect(lines).toHaveLength(1); // 9/100 is not yet a tenth
    log.settled(false);
    expect(lines.at(-1)).toBe('progress: 10/100 done (10%), 6.0 s elapsed, about 54 s left');
    vi.advanceTimersByTime(6_000);
    for (let i = 0; i < 25; i++) log.settled(false);
    // 20 came after the window: at once; 30 inside the next one: later, with the counts of then.
    expect(lines.slice(1)).toEqual(['progress: 10/100 done (10%), 6.0 s elapsed, about 54 s left', 'progress: 20/100 done (20%), 12.0 s elapsed, about 48 s left']);
    vi.advanceTimersByTime(5_000);
    expect(lines.at(-1)).toBe('progress: 35/100 done (35%), 17.0 s elapsed, about 32 s left');
    log.finish();
    expect(lines.at(-1)).toBe('progress: 35/100 done (35%), in 17.0 s');
    // After the end no timer is left to write more.
    vi.advanceTimersByTime(120_000);
    expect(lines).toHaveLength(5);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('formats remaining time for a log reader', () => {
    expect(formatSeconds(36.6)).toBe('37 s');
    expect(formatSeconds(250)).toBe('4 min 10 s');
    expect(formatSeconds(7500)).toBe('2 h 5 min');
  });
});

describe('client.progress on a cluster', () => {
  it('writes a line per tenth of the work as tasks finish when the stream is not a terminal', async () => {
    await withCluster({ nWorkers: 2 }, async ({ client }) => {
      const out = recorder(false);
      const futures = client.map((x: number) => {
        if (x === 7) throw new Error('seven');
        return x;
      }, Array.from({ length: 20 }, (_, i) => i));
      await client.progress(futures, { stream: out.stream, intervalMs: 0 });
      const lines = out.text().trimEnd().split('\n');
      const counts = lines.map((line) => Number(/^progress: (\d+)\/20 done/.exec(line)?.[1]));
      // Whatever batches the completions arrive in, each tenth reached (2, 4, … 18 of 20) gets its line.
      expect(counts[0]).toBeLessThan(2);
      expect(counts.slice(-10)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
      for (const line of lines.slice(0, -1)) expect(line).toMatch(/^progress: \d+\/20 done \(\d+%\)(, 1 failed)?, [\d.]+ s elapsed(, about .+ left)?$/);
      expect(lines.at(-1)).toMatch(/^progress: 20\/20 done \(100%\), 1 failed, in [\d.]+ s$/);
    });
  });

  it('draws the bar in place on a terminal, as before', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const out = recorder(true);
      await client.progress(client.map((x: number) => x, [1, 2, 3]), { stream: out.stream, width: 10 });
      const frames = out.text().split('\r').filter(Boolean);
      expect(frames.at(-1)).toMatch(/^\[#{10}\] 3\/3 done \| [\d.]+ s\n$/);
      for (const frame of frames.slice(0, -1)) expect(frame).toMatch(/^\[[# ]{10}\] \d\/3 done \| [\d.]+ s$/);
    });
  });

  it('writes only the final line for futures that are already done', async () => {
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const futures = client.map((x: number) => x, [1, 2]);
      await client.gather(futures);
      const out = recorder(false);
      await client.progress(futures, { stream: out.stream });
      expect(out.text()).toMatch(/^progress: 2\/2 done \(100%\), in [\d.]+ s\n$/);
    });
  });
});
