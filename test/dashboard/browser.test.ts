/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The status page and a performance report in a real browser: Debian's headless Chromium driven by
 * playwright-core. While a job of 3000 short tasks (and a few failing ones) runs on a two-worker
 * LocalCluster, the page must show both workers, progress reaching 100 %, one task-stream bar per task
 * and the errors. A screenshot goes to test-artifacts/dashboard.png (and to docs/dashboard.png when
 * FLOTILLA_UPDATE_SCREENSHOT=1 or that file is missing).
 *
 * Without /usr/bin/chromium the tests skip and say why; with CI=true they fail instead
 * (`.ci/run` installs it with scripts/install-browser.sh).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { performanceReport, startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { startCluster, type Started } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('test-artifacts');
const DOCS_SCREENSHOT = resolve('docs/dashboard.png');
const inCI = ['true', '1'].includes(String(process.env.CI).toLowerCase());
const haveChromium = existsSync(CHROMIUM);

/** Skips (saying why) when Chromium is missing on a developer machine; fails under CI. */
function requireChromium(ctx: TestContext): void {
  if (haveChromium) return;
  const why = `${CHROMIUM} is missing; install it with: sudo bash scripts/install-browser.sh`;
  if (inCI) throw new Error(`CI=true and ${why}`);
  ctx.skip(`skipped: ${why}`);
}

let started: Started | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  started = await startCluster(2);
  // playwright gives every launch a fresh temporary profile; the flags keep Chromium from reaching
  // for the network (this machine has none beyond loopback and the package registries).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
    timeout: 30_000,
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await started?.close();
});

/** Opens a page that records script errors (a broken inline script must fail the test). */
async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(`console: ${message.text()}`); });
  await page.goto(url, { timeout: 15_000 });
  return { page, errors };
}

/**
 * Reads back, from the canvas pixels, the colour of the middle of the first transfer bar and of the
 * first task-run bar the task stream drew (from the layout it keeps for its tooltips).
 */
async function streamColours(page: Page): Promise<{ transfers: number; transfer: number[] | null; task: number[] | null }> {
  return page.evaluate(() => {
    type Run = { start: number; stop: number; kind?: string };
    const canvas = document.getElementById('task-stream') as HTMLCanvasElement & { _layout?: { t0: number; t1: number; x0: number; width: number; top: number; rowH: number; byRow: Run[][] } };
    const l = canvas._layout!;
    const ratio = canvas.width / canvas.clientWidth;
    const ctx = canvas.getContext('2d')!;
    const pixel = (want: (run: Run) => boolean): number[] | null => {
      for (let row = 0; row < l.byRow.length; row++) {
        for (const run of l.byRow[row]!) {
          if (!want(run)) continue;
          const xa = l.x0 + (Math.max(run.start, l.t0) - l.t0) / (l.t1 - l.t0) * l.width;
          const y = l.top + row * l.rowH + l.rowH / 2;
          // One device pixel in from the bar's left edge: fully inside a bar at least 2 CSS pixels wide.
          return [...ctx.getImageData(Math.floor(xa * ratio) + 1, Math.floor(y * ratio), 1, 1).data.slice(0, 3)];
        }
      }
      return null;
    };
    return { transfers: Number(canvas.dataset.transfers), transfer: pixel((r) => r.kind === 'transfer'), task: pixel((r) => r.kind !== 'transfer') };
  });
}

/** #b5179e, the transfers' colour. */
const TRANSFER_RGB = [0xb5, 0x17, 0x9e];
/** The largest difference of one channel between two colours (canvas blending shifts a channel by one or two). */
const colourDistance = (a: number[] | null, b: number[]) => (a ? Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) : Infinity);

describe('the status page in headless Chromium', () => {
  it('shows two workers, progress reaching 100 % and a task-stream bar per task while 3000 tasks run', async (ctx) => {
    requireChromium(ctx);
    const { client } = started!;
    const dashboard: Dashboard = (await startDashboard(started!.cluster.scheduler, { address: 0 }))!;
    try {
      const { page, errors } = await openPage(dashboard.url);
      await page.waitForFunction(() => document.body.dataset.connected === '1' &&
        document.getElementById('workers-body')?.dataset.workerCount === '2', undefined, { timeout: 15_000 });

      const shortTask = async (x: number) => {
        await new Promise((r) => setTimeout(r, 2));
        return x;
      };
      const failingCheck = (x: number) => {
        throw new RangeError(`check ${x} failed on purpose`);
      };
      const n = 3000;
      const futures = client.map(shortTask, Array.from({ length: n }, (_, i) => i));
      const failing = client.map(failingCheck, [1, 2, 3, 4, 5]);
      // While the job runs, the page shows it in progress: some finished, not all.
      await page.waitForFunction(() => {
        const row = document.querySelector<HTMLElement>('#progress [data-group="shortTask"]');
        return row !== null && Number(row.dataset.finished) > 0;
      }, undefined, { timeout: 30_000 });
      const results = await client.gather(futures);
      expect(results).toHaveLength(n);
      await client.gather(failing, { errors: 'skip' });

      await page.waitForFunction((total) => {
        const row = document.querySelector<HTMLElement>('#progress [data-group="shortTask"]');
        const bad = document.querySelector<HTMLElement>('#progress [data-group="failingCheck"]');
        const stream = document.getElementById('task-stream')!;
        return row?.dataset.percent === '100.0' && row.dataset.finished === String(total) && bad?.dataset.erred === '5' &&
          Number(stream.dataset.bars) >= total + 5;
      }, n, { timeout: 30_000 });

      const seen = await page.evaluate(() => {
        const stream = document.getElementById('task-stream')!;
        const row = document.querySelector<HTMLElement>('#progress [data-group="shortTask"]')!;
        const workerRows = [...document.querySelectorAll<HTMLElement>('#workers-body tr')].map((tr) => tr.dataset.worker);
        return {
          workers: document.getElementById('workers-body')!.dataset.workerCount,
          workerRows,
          percent: row.dataset.percent, finished: row.dataset.finished, total: row.dataset.total,
          bars: Number(stream.dataset.bars), erred: Number(stream.dataset.erred),
          threadRows: (stream as HTMLCanvasElement & { _layout?: { rows: { thread: number }[] } })._layout!.rows.filter((r) => r.thread >= 0).length,
          canvasWidth: (stream as HTMLCanvasElement).width,
          legend: document.getElementById('stream-legend')!.textContent,
          tasksRate: document.getElementById('fig-tasks-rate')!.textContent,
          updates: Number(document.body.dataset.updates),
        };
      });
      expect(seen.workers).toBe('2');
      expect(seen.workerRows).toHaveLength(2);
      expect(seen).toMatchObject({ percent: '100.0', finished: String(n), total: String(n) });
      expect(seen.bars).toBe(n + 5);
      expect(seen.erred).toBe(5);
      expect(seen.threadRows).toBe(2);
      expect(seen.canvasWidth).toBeGreaterThan(500);
      expect(seen.legend).toContain('shortTask');
      expect(seen.legend).toContain('erred');

      // The small results rode to this client with their completion reports: transfers, drawn in their own colour.
      const colours = await streamColours(page);
      expect(colours.transfers).toBeGreaterThan(0);
      expect(colourDistance(colours.transfer, TRANSFER_RGB)).toBeLessThanOrEqual(4);
      expect(colours.task).not.toBeNull();
      expect(colourDistance(colours.task, TRANSFER_RGB)).toBeGreaterThan(40);
      expect(seen.legend).toContain('transfer');

      // Batched: at most about four updates a second, whatever the task rate.
      const before = await page.evaluate(() => Number(document.body.dataset.updates));
      const t0 = Date.now();
      await page.waitForTimeout(2_000);
      const after = await page.evaluate(() => Number(document.body.dataset.updates));
      const seconds = (Date.now() - t0) / 1000;
      expect(after - before).toBeGreaterThan(0);
      expect((after - before) / seconds).toBeLessThanOrEqual(5);

      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, 'dashboard.png');
      await page.screenshot({ path: shot });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      if (process.env.FLOTILLA_UPDATE_SCREENSHOT === '1' || !existsSync(DOCS_SCREENSHOT)) {
        mkdirSync(resolve('docs'), { recursive: true });
        copyFileSync(shot, DOCS_SCREENSHOT);
      }
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await dashboard.close();
    }
  }, 120_000);
});

describe('a performance report in headless Chromium', () => {
  it('opens from disk without a server and draws every task of the body', async (ctx) => {
    requireChromium(ctx);
    const { client } = started!;
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-report-'));
    try {
      const file = join(dir, 'report.html');
      const reportedTask = async (x: number) => {
        await new Promise((r) => setTimeout(r, 3));
        return x + 1;
      };
      const futures = await performanceReport(client, file, async () => {
        const fs = client.map(reportedTask, Array.from({ length: 400 }, (_, i) => i));
        await client.gather(fs);
        return fs;
      });
      const { page, errors } = await openPage(pathToFileURL(file).href);
      const seen = await page.evaluate(() => ({
        runs: document.body.dataset.runs,
        bars: document.getElementById('task-stream')!.dataset.bars,
        memoryPoints: Number(document.getElementById('memory-chart')!.dataset.points),
        groups: [...document.querySelectorAll<HTMLElement>('#groups-body tr')].map((tr) => tr.dataset.group),
        percent: document.querySelector<HTMLElement>('#progress [data-group="reportedTask"]')?.dataset.percent,
      }));
      expect(seen.runs).toBe(String(futures.length));
      expect(seen.bars).toBe(String(futures.length));
      expect(seen.groups).toEqual(['reportedTask']);
      expect(seen.percent).toBe('100.0');
      expect(seen.memoryPoints).toBeGreaterThanOrEqual(2 * 2);
      const colours = await streamColours(page);
      expect(colours.transfers).toBeGreaterThan(0);
      expect(colourDistance(colours.transfer, TRANSFER_RGB)).toBeLessThanOrEqual(4);
      expect(colourDistance(colours.task, TRANSFER_RGB)).toBeGreaterThan(40);
      expect(await page.evaluate(() => document.getElementById('stream-legend')!.textContent)).toContain('transfer');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'performance-report.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/**
 * Spends about `n` loop turns in itself. The loop is in the task function, not in a helper: V8 may
 * inline a helper into its caller, and then (for code optimized since the profiler last restarted)
 * counts the helper's samples as the caller's.
 */
function spinHot(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x + i * 7) % 1_000_003;
  return x;
}

/** The same work in a function of another name. */
function spinOther(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x + i * 5) % 1_000_033;
  return x;
}

const TURNS = 30_000_000;

interface FlameBox { name: string; file: string; count: number; width: number; label: string; title: string; index: string; parent: string }

/** The boxes the flame graph in `#flame-graph` drew, as the SVG holds them. */
async function flameBoxes(page: Page): Promise<FlameBox[]> {
  return page.evaluate(() => [...document.querySelectorAll<SVGGElement>('#flame-graph g.frame')].map((g) => ({
    name: g.dataset.name!, file: g.dataset.file!, count: Number(g.dataset.count),
    width: Number(g.querySelector('rect')!.getAttribute('width')),
    label: g.querySelector('text')?.textContent ?? '', title: g.querySelector('title')?.textContent ?? '',
    index: g.dataset.index!, parent: g.dataset.parent!,
  })));
}

/**
 * spinHot has a box labelled with its name, nested under the task thread's frames and wider than each
 * of its siblings; its boxes together are more than twice as wide as spinOther's. (A task function
 * may be called through more than one path of the task thread's code, so it may have several boxes.)
 */
function expectHotDominates(boxes: FlameBox[]): void {
  const hot = boxes.filter((b) => b.name === 'spinHot').sort((a, b) => b.width - a.width);
  expect(hot.length, JSON.stringify(boxes.filter((b) => b.name.startsWith('spin')))).toBeGreaterThanOrEqual(1);
  expect(hot[0]!.label).toBe('spinHot');
  expect(hot[0]!.title).toMatch(/browser\.test\.ts:\d+/);
  expect(hot[0]!.title).toMatch(/\d+ samples/);
  const siblings = boxes.filter((b) => b.parent === hot[0]!.parent && b.index !== hot[0]!.index);
  for (const sibling of siblings) expect(hot[0]!.width).toBeGreaterThan(sibling.width);
  const width = (list: FlameBox[]) => list.reduce((sum, b) => sum + b.width, 0);
  expect(width(hot)).toBeGreaterThan(2 * width(boxes.filter((b) => b.name === 'spinOther')));
  // Nested by call stack: below the root, under the frames that run a task on its thread.
  const caller = boxes.find((b) => b.index === hot[0]!.parent)!;
  expect(caller.name).not.toBe('(all)');
  expect(caller.width).toBeGreaterThanOrEqual(hot[0]!.width);
}

describe('the flame graph in headless Chromium', () => {
  it('the status page draws the merged profile; a task spending its time in spinHot gives it the widest box, and the group filter works', async (ctx) => {
    requireChromium(ctx);
    const { client } = started!;
    const dashboard: Dashboard = (await startDashboard(started!.cluster.scheduler, { address: 0 }))!;
    try {
      const { page, errors } = await openPage(dashboard.url);
      await page.waitForFunction(() => Number(document.body.dataset.profiles) >= 1, undefined, { timeout: 15_000 });
      await client.gather([...client.map(spinHot, [TURNS, TURNS + 1, TURNS + 2]), client.submit(spinOther, TURNS)]);

      // Each click fetches the profile again (an answer less than half a second old may be reused: a bounded retry).
      let boxes: FlameBox[] = [];
      for (let attempt = 0; attempt < 5 && !boxes.some((b) => b.name === 'spinHot'); attempt++) {
        const before = await page.evaluate(() => Number(document.body.dataset.profiles));
        await page.click('#profile-refresh');
        await page.waitForFunction((n) => Number(document.body.dataset.profiles) > n, before, { timeout: 30_000 });
        boxes = await flameBoxes(page);
      }
      expectHotDominates(boxes);
      expect(await page.evaluate(() => document.getElementById('profile-note')!.textContent)).toMatch(/samples from 2 worker/);

      // Only spinOther's samples.
      const before = await page.evaluate(() => Number(document.body.dataset.profiles));
      await page.selectOption('#profile-group', 'spinOther');
      await page.waitForFunction((n) => Number(document.body.dataset.profiles) > n, before, { timeout: 30_000 });
      const filtered = await flameBoxes(page);
      const widthOf = (name: string) => filtered.filter((b) => b.name === name).reduce((sum, b) => sum + b.width, 0);
      expect(widthOf('spinOther')).toBeGreaterThan(0);
      // At most a sample or two at the boundary with a spinHot run on the same thread (on a loaded
      // machine V8's sample times are a few milliseconds off the task's start and end).
      expect(widthOf('spinHot')).toBeLessThan(widthOf('spinOther') / 5);

      // Clicking a box zooms to it: it then fills the width.
      await page.click('#flame-graph g.frame[data-name="spinOther"]');
      const zoomed = (await flameBoxes(page)).find((b) => b.name === 'spinOther')!;
      const full = await page.evaluate(() => Number(document.querySelector('#flame-graph svg')!.getAttribute('width')));
      expect(zoomed.width).toBeGreaterThan(full - 2);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await dashboard.close();
    }
  }, 120_000);

  it('a performance report draws the profile of its body', async (ctx) => {
    requireChromium(ctx);
    const { client } = started!;
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-report-'));
    try {
      const file = join(dir, 'report.html');
      await performanceReport(client, file, () => client.gather([...client.map(spinHot, [TURNS + 3, TURNS + 4, TURNS + 5]), client.submit(spinOther, TURNS + 1)]));
      const { page, errors } = await openPage(pathToFileURL(file).href);
      expectHotDominates(await flameBoxes(page));
      expect(await page.evaluate(() => document.getElementById('profile-note')!.textContent)).toMatch(/samples from 2 worker/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report-flame-graph.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
