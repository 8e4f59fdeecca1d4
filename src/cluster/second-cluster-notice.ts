/**
 * The notice a LocalCluster gives, at once in its constructor, when others are still open in this process:
 * usually a notebook cell re-run, which would otherwise quietly start a second scheduler and more workers
 * (and move the dashboard to another port). It names the open ones and gives the line that closes them.
 */

/** What the notice says about one open cluster. */
export interface OpenClusterView {
  /** `LocalCluster #1`. */
  label: string;
  /** One phrase: when it started, its scheduler, workers and dashboard. */
  describe(): string;
}

const LISTED = 5;

/** The dashboard port the new cluster asks for and the open cluster whose dashboard holds it. */
export interface PortTaken {
  port: number;
  holder: string;
}

export function secondClusterNotice(open: readonly OpenClusterView[], label: string, taken?: PortTaken): string {
  const listed = open.slice(0, LISTED).map((cluster) => `  ${cluster.label}: ${cluster.describe()}`);
  if (open.length > LISTED) listed.push(`  … and ${open.length - LISTED} more`);
  const one = open.length === 1;
  const close = one
    ? '`await LocalCluster.running()[0].close()`'
    : `\`for (const old of LocalCluster.running().slice(0, -1)) await old.close()\` (closes all but the newest)`;
  return [
    `${label} is starting while ${one ? 'another LocalCluster is' : `${open.length} other LocalClusters are`} still open in this process:`,
    ...listed,
    `${label} starts a scheduler and workers of its own` +
      (taken
        ? `; port ${taken.port} is held by the dashboard of ${taken.holder}, so its dashboard moves to a free port (cluster.dashboardLink once ready).`
        : '.'),
    `If you meant to replace ${one ? 'it' : 'them'} (a re-run notebook cell, say), close ${one ? 'it' : 'them'}: ${close}; ` +
      `LocalCluster.running() lists the open clusters, oldest first. To use ${one ? 'it' : 'one'} instead, connect a Client to it.`,
  ].join('\n');
}
