/**
 * The two socket roles flotilla uses: a ROUTER that serves many peers (scheduler, worker data service)
 * and a DEALER link to one server (client → scheduler, worker → scheduler, peer fetches).
 * Both decode incoming batches and hand raw messages to a handler; validation is the caller's.
 */
import * as zmq from 'zeromq';
import { decodeBatch } from '../protocol/codec.js';
import { Outbox } from './outbox.js';
import { planSend, Reassembler } from './chunking.js';
import { allowClients, forgetDomain } from './zap.js';
import { randomBytes } from 'node:crypto';
import type { CurveCredentials } from './security.js';
import { clientCurveOptions, serverCurveOptions } from './security.js';
import { watchHandshake } from './handshake-watch.js';
import type { AuthenticationError } from '../errors/index.js';

export interface InboundHandler {
  (peer: string, raw: unknown): void;
}

export interface DecodeFailureHandler {
  (peer: string, error: unknown): void;
}

/** How an endpoint receives large frames. */
export interface ReceiveOptions {
  /** Where streamed frames are assembled; a SharedArrayBuffer on workers. */
  allocate?: (size: number) => Uint8Array;
  /**
   * Messages queued before the receiver pushes back through TCP (0 = unbounded). Bounded on links
   * that receive large data, so a fast sender cannot pile a whole dataset into the receiver's memory.
   */
  receiveHighWaterMark?: number;
  /** The kernel's receive buffer for the connection (SO_RCVBUF), in bytes; small keeps data in flight small. */
  receiveBufferBytes?: number;
  /** Collect garbage as received chunks are consumed (see reclaim.ts). @defaultValue false */
  reclaim?: boolean;
}

let nextStream = 1;
const streamId = () => nextStream++ % 0xffffffff;

/** Sends `frames` after `prefix` (a routing id, or nothing), streaming large frames in chunks first. */
async function sendChunked(send: (frames: Uint8Array[]) => Promise<void>, prefix: Uint8Array[], frames: Uint8Array[]): Promise<void> {
  const plan = planSend(frames, streamId);
  if (!plan) return send([...prefix, ...frames]);
  for (const chunk of plan.chunks) await send([...prefix, ...chunk]);
  await send([...prefix, ...plan.main]);
}

/** A bound ROUTER socket. `mandatory` makes sends to a vanished peer fail instead of vanishing silently. */
export class RouterEndpoint {
  readonly #socket: zmq.Router;
  readonly #outbox: Outbox<string>;
  #closed = false;
  #loop: Promise<void> | undefined;

  readonly #reassemblers = new Map<string, Reassembler>();
  readonly #zapDomain = `flotilla-${randomBytes(8).toString('hex')}`;
  /** The ZAP handler is listening (only with security): binding waits for it. */
  readonly #zapReady: Promise<void> | undefined;
  readonly #allocate: ((size: number) => Uint8Array) | undefined;
  readonly #reclaim: boolean;

  constructor(
    private readonly onSendFailure: (peer: string, error: unknown, messages: object[]) => void,
    security?: CurveCredentials,
    receive: ReceiveOptions = {},
  ) {
    this.#zapReady = security ? allowClients(this.#zapDomain, [security.clientPublicKey]) : undefined;
    // Surfaces in bind(); an endpoint closed before binding must not leave an unhandled rejection.
    this.#zapReady?.catch(() => {});
    this.#socket = new zmq.Router({
      mandatory: true,
      linger: 0,
      sendHighWaterMark: 0,
      receiveHighWaterMark: receive.receiveHighWaterMark ?? 0,
      ...(security ? serverCurveOptions(security, this.#zapDomain) : {}),
    });
    this.#allocate = receive.allocate;
    this.#reclaim = receive.reclaim ?? false;
    this.#outbox = new Outbox<string>(
      (peer, frames) => sendChunked((parts) => this.#socket.send(parts), [Buffer.from(peer, 'latin1')], frames),
      (peer, error, messages) => this.onSendFailure(peer, error, messages),
    );
  }

  /** Binds and returns the concrete address (with the port the OS chose for port 0). */
  async bind(url: string): Promise<string> {
    await this.#zapReady;
    await this.#socket.bind(url);
    const endpoint = this.#socket.lastEndpoint;
    if (!endpoint) throw new Error(`bound ${url} but ZeroMQ reported no endpoint`);
    return endpoint;
  }

  start(onMessage: InboundHandler, onDecodeFailure: DecodeFailureHandler): void {
    this.#loop = (async () => {
      for await (const [routing, ...received] of this.#socket) {
        const peer = routing!.toString('latin1');
        let raw: unknown;
        try {
          let reassembler = this.#reassemblers.get(peer);
          if (!reassembler) this.#reassemblers.set(peer, (reassembler = new Reassembler(this.#allocate, this.#reclaim)));
          const frames = reassembler.accept(received);
          if (!frames) continue;
          raw = decodeBatch(frames);
        } catch (error) {
          onDecodeFailure(peer, error);
          continue;
        }
        onMessage(peer, raw);
      }
    })().catch((error: unknown) => {
      if (!this.#closed) onDecodeFailure('(socket)', error);
    });
  }

  send(peer: string, message: object): void {
    if (!this.#closed) this.#outbox.push(peer, message);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.race([this.#outbox.drained(), new Promise((r) => setTimeout(r, 200))]);
    this.#closed = true;
    this.#socket.close();
    forgetDomain(this.#zapDomain);
    await this.#loop;
  }
}

/** A DEALER connected to one ROUTER. Messages sent before the connection is up wait in ZeroMQ's queue. */
export class DealerLink {
  readonly #socket: zmq.Dealer;
  readonly #outbox: Outbox<0>;
  #closed = false;
  #loop: Promise<void> | undefined;

  readonly #reassembler: Reassembler;
  #handshakeFailure: AuthenticationError | undefined;
  #onHandshakeFailure: ((error: AuthenticationError) => void) | undefined;

  constructor(
    readonly url: string,
    readonly routingId: string,
    onSendFailure: (error: unknown, messages: object[]) => void,
    security?: CurveCredentials,
    receive: ReceiveOptions = {},
  ) {
    this.#socket = new zmq.Dealer({
      routingId,
      linger: 0,
      sendHighWaterMark: 0,
      receiveHighWaterMark: receive.receiveHighWaterMark ?? 0,
      ...(receive.receiveBufferBytes ? { receiveBufferSize: receive.receiveBufferBytes } : {}),
      ...(security ? clientCurveOptions(security) : {}),
    });
    this.#reassembler = new Reassembler(receive.allocate, receive.reclaim ?? false);
    this.#outbox = new Outbox<0>((_, frames) => sendChunked((parts) => this.#socket.send(parts), [], frames), (_, error, messages) => onSendFailure(error, messages));
    // Watched before connecting: on loopback a refused handshake can be over before the next line runs.
    watchHandshake(this.#socket, url, security !== undefined, (error) => {
      this.#handshakeFailure = error;
      this.#onHandshakeFailure?.(error);
    });
    this.#socket.connect(url);
  }

  start(onMessage: (raw: unknown) => void, onDecodeFailure: (error: unknown) => void): void {
    this.#loop = (async () => {
      for await (const received of this.#socket) {
        let raw: unknown;
        try {
          const frames = this.#reassembler.accept(received);
          if (!frames) continue;
          raw = decodeBatch(frames);
        } catch (error) {
          onDecodeFailure(error);
          continue;
        }
        onMessage(raw);
      }
    })().catch((error: unknown) => {
      if (!this.#closed) onDecodeFailure(error);
    });
  }

  send(message: object): void {
    if (!this.#closed) this.#outbox.push(0, message);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Calls `handler` once per failing streak of handshakes: refused keys, or security on one side only.
   * A failure before this call (the link was watched from the start) is handed over at once.
   */
  onHandshakeFailure(handler: (error: AuthenticationError) => void): void {
    this.#onHandshakeFailure = handler;
    if (this.#handshakeFailure) handler(this.#handshakeFailure);
  }

  async close(options: { flush?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    if (options.flush) await Promise.race([this.#outbox.drained(), new Promise((r) => setTimeout(r, 200))]);
    this.#closed = true;
    this.#socket.close();
    await this.#loop;
  }
}
