/** A routing id as a log line can show it: as is when printable ASCII, otherwise in hex. */
export function printable(peer: string): string {
  return /^[\x20-\x7e]+$/.test(peer) ? peer : Buffer.from(peer, 'latin1').toString('hex');
}
