/**
 * Child process of the raw zeromq.js baseline (forked by raw-zmq-round-trip.ts): a DEALER that
 * connects to the ROUTER endpoint given as the first argument, says hello, and sends every frame it
 * receives straight back, until an empty frame tells it to stop. It also exits when the parent's IPC
 * channel closes, so a bench that dies (even by SIGKILL) leaves no echo process behind.
 */
import * as zmq from 'zeromq';

const endpoint = process.argv[2];
if (!endpoint) {
  process.stderr.write('raw-zmq-echo: expected the ROUTER endpoint as first argument, e.g. tcp://127.0.0.1:5555\n');
  process.exit(2);
}
process.on('disconnect', () => process.exit(0));

const dealer = new zmq.Dealer({ linger: 0 });
dealer.connect(endpoint);
try {
  await dealer.send('hello');
  // Bounded by the parent: it sends the stop frame, or kills this process, or goes away.
  for (;;) {
    const [frame] = await dealer.receive();
    if (!frame || frame.length === 0) break;
    await dealer.send(frame);
  }
} finally {
  dealer.close();
}
process.exit(0);
