/**
 * A link between a client and a scheduler that live in the same process (a LocalCluster's scheduler
 * runs in the caller's process). Messages are handed over as objects, batched per turn of the event
 * loop like a socket would, without encoding or copying: the ZeroMQ hop would only cost time here.
 */
export interface MessageLink<Out extends object = object> {
  send(message: Out): void;
  start(onMessage: (raw: unknown) => void, onDecodeFailure: (error: unknown) => void): void;
  close(options?: { flush?: boolean }): Promise<void>;
  readonly closed: boolean;
  /** Resolves when what was sent so far has left this process (links with a send queue). */
  drained?(): Promise<void>;
}

export class LocalLink<Up extends object = object, Down extends object = object> implements MessageLink<Up> {
  #toServer: Up[] = [];
  #toClient: Down[] = [];
  #onMessage: ((raw: unknown) => void) | undefined;
  #closed = false;
  #serverScheduled = false;
  #clientScheduled = false;

  constructor(
    readonly routingId: string,
    private readonly deliverToServer: (routingId: string, batch: Up[]) => void,
    private readonly onClose: (routingId: string) => void,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  start(onMessage: (raw: unknown) => void): void {
    this.#onMessage = onMessage;
    if (this.#toClient.length) this.#scheduleClient();
  }

  /** Client → scheduler. */
  send(message: Up): void {
    if (this.#closed) return;
    this.#toServer.push(message);
    if (this.#serverScheduled) return;
    this.#serverScheduled = true;
    queueMicrotask(() => {
      this.#serverScheduled = false;
      const batch = this.#toServer;
      this.#toServer = [];
      if (batch.length) this.deliverToServer(this.routingId, batch);
    });
  }

  /** Scheduler → client. */
  deliver(message: Down): void {
    if (this.#closed) return;
    this.#toClient.push(message);
    this.#scheduleClient();
  }

  #scheduleClient(): void {
    if (this.#clientScheduled || !this.#onMessage) return;
    this.#clientScheduled = true;
    queueMicrotask(() => {
      this.#clientScheduled = false;
      const batch = this.#toClient;
      this.#toClient = [];
      if (batch.length && !this.#closed) this.#onMessage!(batch);
    });
  }

  async close(options: { flush?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    if (options.flush && this.#toServer.length) {
      const batch = this.#toServer;
      this.#toServer = [];
      this.deliverToServer(this.routingId, batch);
    }
    this.#closed = true;
    this.onClose(this.routingId);
  }
}
