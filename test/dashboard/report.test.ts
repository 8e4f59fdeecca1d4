/** performanceReport against a real LocalCluster: the HTML file, the data it embeds, failures. */
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { performanceReport, type ReportData } from '../../src/dashboard/index.js';
import { ConfigurationError, TaskError } from '../../src/index.js';
import { startCluster, type Started } from './helpers.js';

let started: Started;
let dir: string;

beforeAll(async () => {
  started = await startCluster(2);
  dir = mkdtempSync(join(tmpdir(), 'flotilla-report-test-'));
});

afterAll(async () => {
  await started?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The JSON the report embeds for its script. */
function embeddedData(html: string): ReportData {
  const match = /<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('the report has no embedded data block');
  return JSON.parse(match[1]!) as ReportData;
}

describe('performanceReport', () => {
  it('writes one self-contained HTML file with the task stream, groups and memory samples of the body', async () => {
    const { client } = started;
    const file = join(dir, 'nested', 'report.html');
    const slowSquare = async (x: number) => {
      await new Promise((r) => setTimeout(r, 5));
      return x * x;
    };
    const half = (x: number) => x / 2;
    const before = Date.now();
    // The report polls schedulerInfo for its samples: watch its polls, and let the body end only after
    // three of them, the last with memory from both workers (it comes with their heartbeats).
    let samplesWithMemory = 0;
    let enoughSamples!: () => void;
    const sampled = new Promise<void>((r) => (enoughSamples = r));
    const watched = {
      getTaskStream: (options: { since?: number }) => client.getTaskStream(options),
      schedulerInfo: async () => {
        const info = await client.schedulerInfo();
        const bothReported = info.workers.length === 2 && info.workers.every((w) => w.memory > 10_000_000);
        if (bothReported && ++samplesWithMemory >= 3) enoughSamples();
        return info;
      },
    };
    const result = await performanceReport(watched, file, async () => {
      const squares = client.map(slowSquare, Array.from({ length: 200 }, (_, i) => i));
      const halves = client.map(half, squares.slice(0, 50));
      await sampled;
      return { squares: await client.gather(squares), halves: await client.gather(halves), keys: squares.map((f) => f.key) };
    });
    const after = Date.now();
    expect(result.squares[7]).toBe(49);
    expect(result.halves[7]).toBe(24.5);

    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Opens without a server: nothing is loaded from anywhere.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['report.html']);

    const data = embeddedData(html);
    expect(data.start).toBeGreaterThanOrEqual(before);
    expect(data.stop).toBeLessThanOrEqual(after);
    expect(new Set(data.groups)).toEqual(new Set(['slowSquare', 'half']));
    const squareGroup = data.groups.indexOf('slowSquare');
    const squareKeys = data.runs.key.filter((_, i) => data.runs.group[i] === squareGroup);
    expect(new Set(squareKeys)).toEqual(new Set(result.keys));
    // 250 task runs; the rest are the moves of squares to the workers of their halves (and to the client).
    const taskRuns = data.runs.transfer.filter((t) => t === 0);
    expect(taskRuns).toHaveLength(250);
    for (let i = 0; i < data.runs.key.length; i++) {
      if (data.runs.transfer[i] === 1) expect(data.runs.source[i]).not.toBe(data.runs.destination[i]);
    }
    expect(data.runs.erred.every((e) => e === 0)).toBe(true);
    for (let i = 0; i < data.runs.key.length; i++) {
      expect(data.runs.stop[i]!).toBeGreaterThanOrEqual(data.runs.start[i]!);
      expect(data.workers[data.runs.worker[i]!]).toBeDefined();
    }
    const slow = data.runs.key.map((_, i) => i).filter((i) => data.runs.group[i] === squareGroup);
    expect(slow.every((i) => data.runs.stop[i]! - data.runs.start[i]! >= 4)).toBe(true);
    expect(data.workers.map((w) => w.id)).toEqual(['local-0', 'local-1']);
    expect(data.workers.every((w) => w.nthreads === 1 && w.memoryLimit > 0)).toBe(true);
    expect(data.samples.time.length).toBeGreaterThanOrEqual(3);
    expect(data.samples.memory.every((row) => row.length === 2 && row.every((m) => m !== null))).toBe(true);
    // Memory arrives with heartbeats (every 500 ms); by the end of the body both workers have sent some.
    expect(data.samples.memory.at(-1)!.every((m) => m! > 10_000_000)).toBe(true);
    expect(data.notes).toEqual([]);
  });

  it('still writes the report when the body fails, and rethrows the body error', async () => {
    const { client } = started;
    const file = join(dir, 'failed.html');
    const explode = (x: number) => {
      throw new Error(`boom ${x}`);
    };
    const failure = performanceReport(client, file, async () => {
      await client.submit(explode, 3);
    });
    await expect(failure).rejects.toBeInstanceOf(TaskError);
    await expect(failure).rejects.toThrow('boom 3');
    const data = embeddedData(readFileSync(file, 'utf8'));
    expect(data.runs.erred).toEqual([1]);
    expect(data.groups).toEqual(['explode']);
    expect(data.notes).toHaveLength(1);
    expect(data.notes[0]).toContain('The body failed');
    expect(data.notes[0]).toContain('boom 3');
  });

  it('refuses a missing file name or body with a clear error, before running anything', async () => {
    const { client } = started;
    await expect(performanceReport(client, '', async () => 1)).rejects.toBeInstanceOf(ConfigurationError);
    await expect(performanceReport(client, '  ', async () => 1)).rejects.toThrow(/path of the HTML file to write, got "  "/);
    await expect(performanceReport(client, join(dir, 'x.html'), undefined as unknown as () => Promise<void>)).rejects.toThrow(/needs a function to run/);
    await expect(performanceReport(client, join(dir, 'x.html'), async () => 1, { sampleIntervalMs: 0 })).rejects.toThrow(/sampleIntervalMs.*>= 10, got 0/);
    expect(existsSync(join(dir, 'x.html'))).toBe(false);
  });
});
