/**
 * Binding the dashboard's HTTP server, moving to a free port when the one asked for is taken: on a shared
 * login node several people's dashboards meet at 8787 (the common Dask complaint), and a dashboard
 * that refuses to start would take the cluster down with it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the server ended up listening. */
export interface Bound {
  port: number;
  /** The port asked for, when it was taken and the server moved to `port` instead. */
  movedFrom?: number;
}

/** Listens on `host:port`; if that port is in use, listens on a port the OS chooses. Other errors are thrown. */
export async function listenWithFallback(server: Server, host: string, port: number): Promise<Bound> {
  try {
    return { port: await listenOnce(server, host, port) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    return { port: await listenOnce(server, host, 0), movedFrom: port };
  }
}

function listenOnce(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}
