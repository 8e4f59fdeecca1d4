/** A module of the example `what-travels`: its tasks import it by a relative specifier. */

/** Rounds to one decimal. */
export function roundTo10th(x: number): number {
  return Math.round(x * 10) / 10;
}
