import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start real processes; two cores are shared by everything, so keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Many clusters start at once in tests; their dashboards would only fight over port 8787. Tests of
    // the dashboard pass their own addresses.
    env: { FLOTILLA_DASHBOARD_ADDRESS: 'false' },
    hookTimeout: 60_000,
  },
});
