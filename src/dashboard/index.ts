/**
 * The dashboard: a live status page served by the scheduler's process, and performance reports
 * written from the client side. See the README section "Dashboard".
 */
export { startDashboard } from './dashboard-server.js';
export type { Dashboard, DashboardOptions } from './options.js';
export { DEFAULT_DASHBOARD_PORT, defaultDashboardAddress, parseDashboardAddress } from './address.js';
export { performanceReport } from './performance-report.js';
export type { PerformanceReportOptions, ReportClient } from './performance-report.js';
export type { DashboardState, DashboardUpdate, GroupProgress, JobView, SchedulerFigures, WorkerRow } from './snapshot.js';
export type { ReportData } from './report-data.js';
export type { FlameGraph } from '../profile/flame.js';
