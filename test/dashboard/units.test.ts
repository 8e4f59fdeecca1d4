/** The pure parts: address parsing, loopback detection, group progress, report packing, page scripts. */
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { hostOfSchedulerAddress, isLoopbackHost, parseDashboardAddress } from '../../src/dashboard/address.js';
import { statusPageHtml } from '../../src/dashboard/page/status-page.js';
import { reportPageHtml } from '../../src/dashboard/page/report-page.js';
import { jsonForScript, packReport } from '../../src/dashboard/report-data.js';
import { groupProgress } from '../../src/dashboard/snapshot.js';
import { ConfigurationError } from '../../src/index.js';

describe('parseDashboardAddress', () => {
  it('reads ports, :port, host:port, [v6]:port and http:// forms', () => {
    expect(parseDashboardAddress(undefined)).toEqual({ port: 8787 });
    expect(parseDashboardAddress(0)).toEqual({ port: 0 });
    expect(parseDashboardAddress('8788')).toEqual({ port: 8788 });
    expect(parseDashboardAddress(':8789')).toEqual({ port: 8789 });
    expect(parseDashboardAddress('0.0.0.0:8787')).toEqual({ host: '0.0.0.0', port: 8787 });
    expect(parseDashboardAddress('node12.cluster:0')).toEqual({ host: 'node12.cluster', port: 0 });
    expect(parseDashboardAddress('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseDashboardAddress('http://127.0.0.1:8000/')).toEqual({ host: '127.0.0.1', port: 8000 });
  });

  it('names what was wrong and shows good forms', () => {
    expect(() => parseDashboardAddress('nonsense')).toThrow(ConfigurationError);
    expect(() => parseDashboardAddress('nonsense')).toThrow(/"nonsense" is not a port or 'host:port'; use for example 8787/);
    expect(() => parseDashboardAddress(-1)).toThrow(/0 to 65535.*got -1 \(number\)/);
    expect(() => parseDashboardAddress(':99999')).toThrow(/got ":99999"/);
    expect(() => parseDashboardAddress(1.5)).toThrow(/whole number/);
    expect(() => parseDashboardAddress(true as unknown as number)).toThrow(/got true \(boolean\)/);
  });
});

describe('hosts', () => {
  it('tells loopback from other hosts', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.0.2.2', '10.0.0.1', 'node12', '128.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('takes the host from a scheduler address', () => {
    expect(hostOfSchedulerAddress('tcp://127.0.0.1:8786')).toBe('127.0.0.1');
    expect(hostOfSchedulerAddress('tcp://node12:8786')).toBe('node12');
    expect(hostOfSchedulerAddress('tcp://*:8786')).toBe('0.0.0.0');
    expect(hostOfSchedulerAddress('tcp://[::1]:8786')).toBe('::1');
  });
});

describe('groupProgress', () => {
  it('counts current waiting/queued/processing and cumulative finished/erred, leaving out groups with nothing to show', () => {
    const groups = groupProgress({
      sim: { states: { waiting: 2, queued: 3, processing: 4, memory: 10, released: 1 }, finished: 11, erred: 1 },
      data: { states: { memory: 5 }, finished: 0, erred: 0 },
      done: { states: {}, finished: 7, erred: 0 },
    });
    expect(groups).toEqual([
      { group: 'done', waiting: 0, queued: 0, processing: 0, finished: 7, erred: 0, total: 7 },
      { group: 'sim', waiting: 2, queued: 3, processing: 4, finished: 11, erred: 1, total: 21 },
    ]);
  });
});

describe('report data', () => {
  it('packs runs in columns relative to the start, numbers workers in name order, and drops runs that ended before', () => {
    const start = 1_000_000;
    const summary = (id: string, memory: number) => ({
      id, name: id, host: 'h', address: 'tcp://h:1', nthreads: 2, memoryLimit: 100, memory, running: 0, queued: 0, pid: 1, resources: {},
    });
    const data = packReport('t', start, start + 50, [
      { key: 'b-1', group: 'b', worker: 'local-10', thread: 1, start: start + 5.5, stop: start + 7.25, status: 'erred', nbytes: 0, transfer: 0 },
      { key: 'a-1', group: 'a', worker: 'local-2', thread: 0, start: start + 1, stop: start + 3, status: 'memory', nbytes: 8, transfer: 0 },
      { key: 'old', group: 'a', worker: 'local-2', thread: 0, start: start - 10, stop: start - 1, status: 'memory', nbytes: 8, transfer: 0 },
    ], [{ time: start + 10, workers: [summary('local-10', 30), summary('local-2', 20)], tasks: { memory: 1 } }], []);
    expect(data.workers.map((w) => w.id)).toEqual(['local-2', 'local-10']);
    expect(data.groups).toEqual(['a', 'b']);
    expect(data.runs).toEqual({
      key: ['a-1', 'b-1'], group: [0, 1], worker: [0, 1], thread: [0, 1], start: [1, 5.5], stop: [3, 7.25], erred: [0, 1], nbytes: [8, 0],
      transfer: [0, 0], source: ['', ''], destination: ['', ''],
    });
    expect(data.samples).toEqual({ time: [10], tasks: [{ memory: 1 }], memory: [[20, 30]] });
  });

  it('embeds JSON that cannot close its script element', () => {
    const text = jsonForScript({ key: '</script><script>alert(1)</script>', sep: '\u2028' });
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual({ key: '</script><script>alert(1)</script>', sep: '\u2028' });
  });
});

describe('page scripts', () => {
  const inlineScripts = (html: string) => [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);

  it('the live page and the report hold inline scripts that parse', () => {
    const live = inlineScripts(statusPageHtml(300_000));
    const report = inlineScripts(reportPageHtml(packReport('r', 0, 1, [], [], [])));
    // The shared drawing code, the flame graph's, and the page's own.
    expect(live).toHaveLength(3);
    expect(report).toHaveLength(3);
    for (const source of [...live, ...report]) expect(() => new Script(source)).not.toThrow();
    expect(live[1]).toContain('var FlotillaFlame');
    expect(live[2]).toContain('var HISTORY_MS = 300000;');
  });

  it('escapes the report title', () => {
    const html = reportPageHtml(packReport('<b>"x"</b>', 0, 1, [], [], []));
    expect(html).toContain('<title>&lt;b&gt;&quot;x&quot;&lt;/b&gt;</title>');
  });
});
