/**
 * The two socket roles flotilla uses: a ROUTER that serves many peers (scheduler, worker data service)
 * and a DEALER link to one server (client → scheduler, worker → scheduler, peer fetches).
 * Both decode incoming batches and hand raw messages to a handler; validation is the caller's.
 */
import * as zmq from 'zeromq';
import { decodeBatch, encodeBatch } from '../protocol/codec.js';
import { SendQueue } from './send-queue.js';
import { planSend, Reassembler } from './chunking.js';
import { splitBody } from './small-frames.js';
import { resolveLimits, type WireLimits } from './limits.js';
import { allowClients, forgetDomain } from './zap.js';
import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../errors/index.js';
import type { CurveCredentials } from './security.js';
import type { MessageLink } from './local-link.js';
import { clientCurveOptions, serverCurveOptions } from './security.js';
import { watchHandshake } from './handshake-watch.js';
import type { AuthenticationError } from '../errors/index.js';
import { TurnPause } from './turn-pause.js';

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
  /** What one peer may make this socket hold (see limits.ts); unset ones come from the environment or the defaults. */
  limits?: Partial<WireLimits>;
  /** The ZeroMQ context of the socket (and of its ZAP handler); zeromq.js's global one when unset. */
  context?: zmq.Context;
}

/** ZMQ_ROUTER_NOTIFY (a draft option zeromq.js does not name) and its disconnect flag. */
const ROUTER_NOTIFY = 97;
const NOTIFY_DISCONNECT = 2;

/**
 * A ROUTER that tells when a peer's connection closes: an empty message from its routing id. A closed
 * connection drops reassembly at once, and the owner learns which peer went (a dead worker is seen in
 * milliseconds, not at its heartbeat time-out).
 */
class NotifyingRouter extends zmq.Router {
  constructor(options: zmq.SocketOptions<zmq.Router>) {
    super(options);
    this.setInt32Option(ROUTER_NOTIFY, NOTIFY_DISCONNECT);
  }
}

/** A ROUTER's notice that a peer's connection closed: its routing id and one empty frame. */
function isDisconnectNotice(frames: Uint8Array[]): boolean {
  return frames.length === 1 && frames[0]!.byteLength === 0;
}

/** Runs `sweep` every so often while the process has other reasons to live. */
function sweepTimer(limits: WireLimits, sweep: () => void): NodeJS.Timeout {
  const timer = setInterval(sweep, Math.max(250, Math.min(limits.assemblyTimeoutMs / 2, 10_000)));
  timer.unref();
  return timer;
}

let nextStream = 1;
const streamId = () => nextStream++ % 0xffffffff;

/** Sends `frames` after `prefix` (a routing id, or nothing), streaming large frames in chunks first. */
async function sendChunked(send: (frames: Uint8Array[]) => Promise<void>, prefix: Uint8Array[], frames: Uint8Array[]): Promise<void> {
  const plan = planSend(frames, streamId);
  if (!plan) return send([...prefix, ...splitBody(frames)]);
  for (const chunk of plan.chunks) await send([...prefix, ...chunk]);
  await send([...prefix, ...splitBody(plan.main)]);
}

/**
 * A bound ROUTER socket sending messages of type `Out`. `mandatory` makes sends to a vanished peer fail
 * instead of vanishing silently.
 */
export class RouterEndpoint<Out extends object> {
  readonly #socket: zmq.Router;
  readonly #sendQueue: SendQueue<string, Out>;
  #closed = false;
  #loop: Promise<void> | undefined;

  readonly #reassemblers = new Map<string, Reassembler>();
  readonly #zapDomain = `flotilla-${randomBytes(8).toString('hex')}`;
  /** The ZAP handler is listening (only with security): binding waits for it. */
  readonly #zapReady: Promise<void> | undefined;
  readonly #allocate: ((size: number) => Uint8Array) | undefined;
  readonly #reclaim: boolean;
  readonly #limits: WireLimits;
  readonly #sweep: NodeJS.Timeout;
  #onDecodeFailure: DecodeFailureHandler = () => {};

  constructor(
    private readonly onSendFailure: (peer: string, error: unknown, messages: Out[]) => void,
    security?: CurveCredentials,
    receive: ReceiveOptions = {},
  ) {
    this.#zapReady = security ? allowClients(this.#zapDomain, [security.clientPublicKey], receive.context) : undefined;
    // Surfaces in bind(); an endpoint closed before binding must not leave an unhandled rejection.
    this.#zapReady?.catch(() => {});
    this.#limits = resolveLimits(receive.limits);
    this.#socket = new NotifyingRouter({
      mandatory: true,
      linger: 0,
      sendHighWaterMark: 0,
      receiveHighWaterMark: receive.receiveHighWaterMark ?? 0,
      maxMessageSize: this.#limits.maxFrameBytes,
      ...(receive.context ? { context: receive.context } : {}),
      ...(security ? serverCurveOptions(security, this.#zapDomain) : {}),
    });
    this.#sweep = sweepTimer(this.#limits, () => this.#sweepReassembly());
    this.#allocate = receive.allocate;
    this.#reclaim = receive.reclaim ?? false;
    this.#sendQueue = new SendQueue<string, Out>(
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

  /** The limits this endpoint enforces. */
  get limits(): Readonly<WireLimits> {
    return this.#limits;
  }

  /** Bytes held in reassembly for `peer` (for tests and the chaos suite). */
  assemblyBytes(peer: string): number {
    return this.#reassemblers.get(peer)?.heldBytes ?? 0;
  }

  /**
   * Starts receiving. `onDisconnect` hears of every peer whose connection closed (a process that died
   * included), by routing id; a peer that reconnects under the same id just sends again.
   */
  start(onMessage: InboundHandler, onDecodeFailure: DecodeFailureHandler, onDisconnect: (peer: string) => void = () => {}): void {
    this.#onDecodeFailure = onDecodeFailure;
    this.#loop = (async () => {
      const pause = new TurnPause();
      for await (const [routing, ...received] of this.#socket) {
        const paused = pause.now();
        if (paused) await paused;
        this.#receive(routing!.toString('latin1'), received, onMessage, onDecodeFailure, onDisconnect);
        pause.handled();
      }
    })().catch((error: unknown) => {
      if (!this.#closed) onDecodeFailure('(socket)', error);
    });
  }

  /** One received message from `peer`: a disconnect notice, a chunk, or a whole batch handed to `onMessage`. */
  #receive(peer: string, received: Buffer[], onMessage: InboundHandler, onDecodeFailure: DecodeFailureHandler, onDisconnect: (peer: string) => void): void {
    if (isDisconnectNotice(received)) {
      this.#reassemblers.delete(peer);
      onDisconnect(peer);
      return;
    }
    let raw: unknown;
    try {
      let reassembler = this.#reassemblers.get(peer);
      if (!reassembler) {
        reassembler = new Reassembler(this.#allocate, this.#reclaim, { maxBytes: this.#limits.maxAssemblyBytes });
        this.#reassemblers.set(peer, reassembler);
      }
      const frames = reassembler.accept(received);
      if (!frames) return;
      raw = decodeBatch(frames);
    } catch (error) {
      onDecodeFailure(peer, error);
      return;
    }
    onMessage(peer, raw);
  }

  send(peer: string, message: Out): void {
    if (!this.#closed) this.#sendQueue.push(peer, message);
  }

  /** Drops reassembly that made no progress within the time bound, and forgets quiet peers. */
  #sweepReassembly(): void {
    const now = Date.now();
    for (const [peer, reassembler] of this.#reassemblers) {
      if (now - reassembler.lastActivity <= this.#limits.assemblyTimeoutMs) continue;
      this.#reassemblers.delete(peer);
      if (reassembler.idle) continue;
      const held = reassembler.heldBytes;
      reassembler.clear();
      this.#onDecodeFailure(peer, new ProtocolError(`dropped ${held} bytes of an unfinished streamed message: no progress for ${this.#limits.assemblyTimeoutMs} ms (assemblyTimeoutMs)`));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.race([this.#sendQueue.drained(), new Promise((r) => setTimeout(r, 200))]);
    this.closeNow();
    await this.#loop;
  }

  /**
   * Sends `messages` to `peer` in one batch now, past the send queue, and reports whether ZeroMQ took
   * them: for last words before `closeNow` (small messages; nothing is streamed in chunks).
   */
  sendNow(peer: string, messages: Out[]): boolean {
    if (this.#closed) return false;
    try {
      this.#socket.send([Buffer.from(peer, 'latin1'), ...splitBody(encodeBatch(messages))]).catch(() => {});
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Closes the socket (and its context's ZAP handler when it was the last) at once, without waiting for
   * queued sends: for a thread about to end (ZeroMQ aborts the process when a thread ends with sockets
   * open). What `sendNow` handed over still leaves for up to `lingerMs`.
   */
  closeNow(lingerMs = 0): void {
    if (this.#closed) return;
    clearInterval(this.#sweep);
    this.#closed = true;
    if (lingerMs > 0) this.#socket.linger = lingerMs;
    this.#socket.close();
    forgetDomain(this.#zapDomain);
  }
}

/**
 * A DEALER connected to one ROUTER, sending messages of type `Out`. Messages sent before the connection
 * is up wait in ZeroMQ's queue.
 */
export class DealerLink<Out extends object> implements MessageLink<Out> {
  readonly #socket: zmq.Dealer;
  readonly #sendQueue: SendQueue<0, Out>;
  #closed = false;
  #loop: Promise<void> | undefined;

  readonly #reassembler: Reassembler;
  #handshakeFailure: AuthenticationError | undefined;
  #onHandshakeFailure: ((error: AuthenticationError) => void) | undefined;
  readonly #limits: WireLimits;
  readonly #sweep: NodeJS.Timeout;
  #onDecodeFailure: (error: unknown) => void = () => {};

  constructor(
    readonly url: string,
    readonly routingId: string,
    onSendFailure: (error: unknown, messages: Out[]) => void,
    security?: CurveCredentials,
    receive: ReceiveOptions = {},
  ) {
    this.#limits = resolveLimits(receive.limits);
    this.#socket = new zmq.Dealer({
      routingId,
      linger: 0,
      sendHighWaterMark: 0,
      receiveHighWaterMark: receive.receiveHighWaterMark ?? 0,
      maxMessageSize: this.#limits.maxFrameBytes,
      ...(receive.receiveBufferBytes ? { receiveBufferSize: receive.receiveBufferBytes } : {}),
      ...(security ? clientCurveOptions(security) : {}),
    });
    this.#reassembler = new Reassembler(receive.allocate, receive.reclaim ?? false, { maxBytes: this.#limits.maxAssemblyBytes });
    this.#sweep = sweepTimer(this.#limits, () => {
      const reassembler = this.#reassembler;
      if (reassembler.idle || Date.now() - reassembler.lastActivity <= this.#limits.assemblyTimeoutMs) return;
      const held = reassembler.heldBytes;
      reassembler.clear();
      this.#onDecodeFailure(new ProtocolError(`dropped ${held} bytes of an unfinished streamed message from ${url}: no progress for ${this.#limits.assemblyTimeoutMs} ms (assemblyTimeoutMs)`));
    });
    this.#sendQueue = new SendQueue<0, Out>((_, frames) => sendChunked((parts) => this.#socket.send(parts), [], frames), (_, error, messages) => onSendFailure(error, messages));
    // Watched before connecting: on loopback a refused handshake can be over before the next line runs.
    watchHandshake(this.#socket, url, security !== undefined, (error) => {
      this.#handshakeFailure = error;
      this.#onHandshakeFailure?.(error);
    });
    this.#socket.connect(url);
  }

  start(onMessage: (raw: unknown) => void, onDecodeFailure: (error: unknown) => void): void {
    this.#onDecodeFailure = onDecodeFailure;
    this.#loop = (async () => {
      const pause = new TurnPause();
      for await (const received of this.#socket) {
        const paused = pause.now();
        if (paused) await paused;
        this.#receive(received, onMessage, onDecodeFailure);
        pause.handled();
      }
    })().catch((error: unknown) => {
      if (!this.#closed) onDecodeFailure(error);
    });
  }

  /** One received message: a chunk, or a whole batch handed to `onMessage`. */
  #receive(received: Buffer[], onMessage: (raw: unknown) => void, onDecodeFailure: (error: unknown) => void): void {
    let raw: unknown;
    try {
      const frames = this.#reassembler.accept(received);
      if (!frames) return;
      raw = decodeBatch(frames);
    } catch (error) {
      onDecodeFailure(error);
      return;
    }
    onMessage(raw);
  }

  send(message: Out): void {
    if (!this.#closed) this.#sendQueue.push(0, message);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves when every message sent so far has been handed to ZeroMQ. */
  drained(): Promise<void> {
    return this.#sendQueue.drained();
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
    if (options.flush) await Promise.race([this.#sendQueue.drained(), new Promise((r) => setTimeout(r, 200))]);
    clearInterval(this.#sweep);
    this.#closed = true;
    this.#socket.close();
    await this.#loop;
  }
}
