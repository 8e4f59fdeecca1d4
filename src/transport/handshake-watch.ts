/**
 * Telling an authentication failure from silence. ZeroMQ retries a refused CURVE handshake forever
 * without a word on the data path; its socket events say what happened. This turns the first failed
 * handshake of a link (after a success: the first of the next failing streak) into an
 * AuthenticationError that names the address and what to change.
 */
import type * as zmq from 'zeromq';
import { AuthenticationError } from '../errors/index.js';

let watching = true;

/**
 * Turns the watch off in this thread. Task threads do: ZeroMQ aborts the whole process when a thread
 * that read socket events is ended, and a task thread's client uses its worker's own credentials.
 */
export function stopWatchingHandshakes(): void {
  watching = false;
}

/**
 * Watches `socket`'s handshakes until it closes. `secured` says whether this side uses CURVE.
 * `onFailure` is called once per failing streak.
 */
export function watchHandshake(socket: zmq.Socket, url: string, secured: boolean, onFailure: (error: AuthenticationError) => void): void {
  if (!watching) return;
  let reported = false;
  void (async () => {
    for await (const event of socket.events) {
      if (event.type === 'handshake') {
        reported = false;
        continue;
      }
      if (!event.type.startsWith('handshake:error') || reported) continue;
      const error = describe(event as { type: string; error?: { code?: string; message?: string } }, url, secured);
      if (!error) continue;
      reported = true;
      onFailure(error);
    }
  })().catch(() => {
    // The socket closed while events were read: nothing left to watch.
  });
}

function describe(event: { type: string; error?: { code?: string; message?: string } }, url: string, secured: boolean): AuthenticationError | undefined {
  const detail = event.error?.message ? ` (${event.error.message.trim()})` : '';
  if (event.type === 'handshake:error:auth') {
    return new AuthenticationError(`${url} refused this connection's key in the CURVE handshake${detail}: ` +
      'the security file or credentials are not the ones this scheduler accepts. Use the file the scheduler was started with ' +
      '(--security-file), or connect through the cluster object.');
  }
  if (!secured) {
    return new AuthenticationError(`${url} requires authentication (CURVE), and this connection has no keys${detail}. ` +
      'Pass the scheduler\'s security file (--security-file FILE, or { security } in code), or connect through the cluster object.');
  }
  if (event.type === 'handshake:error:protocol') {
    return new AuthenticationError(`the CURVE handshake with ${url} failed${detail}: the server there does not use CURVE ` +
      '(started with --no-security?). Connect without a security file, or restart it with one.');
  }
  return new AuthenticationError(`the CURVE handshake with ${url} failed${detail}: the server\'s public key in this ` +
    'security file is not the key of the server at that address (a file of another scheduler, or one regenerated since).');
}
