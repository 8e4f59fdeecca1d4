/**
 * ZAP: the ZeroMQ authentication protocol. With CURVE alone, anyone who knows a server's public key can
 * connect with a key pair of their own; this handler lets in only the client public keys registered for
 * the socket's ZAP domain (each authenticated scheduler has its own domain), and refuses the rest.
 *
 * One handler serves each ZeroMQ context: libzmq asks it over `inproc://zeromq.zap.01` in the sockets'
 * context (zeromq.js's global one, shared by every thread, unless a socket was given its own: an actor's
 * thread serves its calls from a context of its own, see src/worker/actor-server.ts), and only one
 * socket per context may bind that address.
 */
import * as zmq from 'zeromq';

const allowed = new Map<string, Set<string>>();
/** The context each domain's sockets live in (undefined: zeromq.js's global one). */
const domainContext = new Map<string, zmq.Context | undefined>();
/** One handler per context: libzmq asks the handler bound in the socket's own context. */
interface Handler {
  readonly socket: zmq.Router;
  /** Settles once the socket is bound (see allowClients). */
  readonly bound: Promise<void>;
}
const handlers = new Map<zmq.Context | undefined, Handler>();

/** Where libzmq asks for ZAP decisions (RFC 27). */
const ZAP_ADDRESS = 'inproc://zeromq.zap.01';
/** How long to retry binding while a closed handler still holds the address (usually well under 1 ms). */
const BIND_RETRY_MS = 2_000;

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const Z85_VALUE = new Map([...Z85].map((c, i) => [c, i]));

/** Decodes a Z85 key (40 characters) to its 32 bytes, as hex for comparison. */
export function z85ToHex(key: string): string {
  if (key.length % 5 !== 0) throw new RangeError('a Z85 string has a length divisible by 5');
  const out = Buffer.alloc((key.length / 5) * 4);
  for (let i = 0, o = 0; i < key.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = Z85_VALUE.get(key[i + j]!);
      if (digit === undefined) throw new RangeError(`not a Z85 character: ${key[i + j]}`);
      value = value * 85 + digit;
    }
    out.writeUInt32BE(value >>> 0, o);
  }
  return out.toString('hex');
}

async function serve(socket: zmq.Router): Promise<void> {
  // The loop ends when the socket is closed (zeromq.js finishes the iterator quietly).
  for await (const [routing, empty, version, requestId, domain, , , mechanism, key] of socket) {
    const domainName = domain?.toString() ?? '';
    const keys = allowed.get(domainName);
    const ok = mechanism?.toString() === 'CURVE' && key !== undefined && keys !== undefined && keys.has(key.toString('hex'));
    await socket.send([routing!, empty ?? Buffer.alloc(0), version ?? Buffer.from('1.0'), requestId ?? Buffer.alloc(0),
      ok ? '200' : '400', ok ? 'OK' : 'unknown client key', '', '']);
  }
}

/**
 * Allows `clientPublicKeys` (Z85) on sockets whose ZAP domain is `domain`; starts the handler once.
 * Resolves when the handler is bound: a server socket must not listen before, since libzmq lets CURVE
 * clients in unchecked while no handler is there.
 */
export function allowClients(domain: string, clientPublicKeys: string[], context?: zmq.Context): Promise<void> {
  allowed.set(domain, new Set(clientPublicKeys.map(z85ToHex)));
  domainContext.set(domain, context);
  let handler = handlers.get(context);
  if (!handler) {
    const socket = new zmq.Router({ linger: 0, ...(context ? { context } : {}) });
    handler = { socket, bound: bindWhenFree(socket).then(() => void serve(socket)) };
    handlers.set(context, handler);
  }
  return handler.bound;
}

/**
 * Binds the handler's address. A handler closed just before (the last authenticated scheduler closed)
 * gives the address up only a few event-loop turns later, so a scheduler started right after retries
 * for a moment instead of failing with "Address already in use".
 */
async function bindWhenFree(socket: zmq.Router): Promise<void> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      socket.bindSync(ZAP_ADDRESS);
      return;
    } catch (error) {
      if (socket.closed) return; // forgotten before it was bound: nothing to serve
      if ((error as { code?: string }).code !== 'EADDRINUSE' || Date.now() - started >= BIND_RETRY_MS) throw error;
      // 1 ms apart at first, then up to 20 ms: bounded in time, and cheap while it waits.
      await new Promise((resolve) => setTimeout(resolve, Math.min(20, attempt)));
    }
  }
}

/** Forgets a domain (its scheduler closed); the last one of a context closes its handler, which would keep the process alive. */
export function forgetDomain(domain: string): void {
  if (!allowed.delete(domain)) return;
  const context = domainContext.get(domain);
  domainContext.delete(domain);
  for (const other of domainContext.values()) if (other === context) return;
  const handler = handlers.get(context);
  if (!handler) return;
  handlers.delete(context);
  handler.socket.close();
}
