import { describe, expect, it } from 'vitest';
import { SchedulerServer } from '../../src/scheduler/server.js';
import { makeCurveCredentials } from '../../src/transport/security.js';

describe('the ZAP handler of authenticated schedulers', () => {
  it('lets a secured scheduler start right after the last one closed (the handler address is freed late)', async () => {
    const credentials = makeCurveCredentials();
    const addresses: string[] = [];
    for (let i = 0; i < 20; i++) {
      const scheduler = await SchedulerServer.start({ host: '127.0.0.1', security: credentials });
      addresses.push(scheduler.address);
      await scheduler.close();
    }
    expect(addresses).toHaveLength(20);
    expect(addresses.every((a) => a.startsWith('tcp://127.0.0.1:'))).toBe(true);
  });
});
