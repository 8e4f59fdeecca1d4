/**
 * The child programs of the raw zeromq.js baselines, as strings run with `node -e` (so they start the
 * same way from the compiled bench and from the TypeScript sources under vitest). CommonJS, as
 * zeromq.js is; `process.argv[1]` is the ROUTER endpoint of the parent. Each says hello, sends every
 * frame it receives back, stops at an empty frame, and exits when the parent's IPC channel closes.
 *
 * - `direct`: a DEALER that echoes (one hop, the baseline of every latency row);
 * - `threadHop`: the same, but the main thread hands each frame to a worker thread by `postMessage` and
 *   sends back what the thread returns: one hop plus the main ↔ task-thread hop a flotilla worker makes;
 * - `relay`: a DEALER up to the parent and a ROUTER down to a `direct` echo grandchild, forwarding both
 *   ways: two hops, as a task from a remote client makes (client → scheduler → worker).
 */

/** Which program the echo child runs (see the module comment). */
export type EchoShape = 'direct' | 'threadHop' | 'relay';

/** The hello, the stop at an empty frame, the error report: shared by every program. */
function frame(name: string, zeromqPath: string, body: string): string {
  return `
    const zmq = require(${JSON.stringify(zeromqPath)});
    const endpoint = process.argv[1];
    if (!endpoint) { process.stderr.write('raw zeromq.js ${name}: expected the ROUTER endpoint as first argument\\n'); process.exit(2); }
    process.on('disconnect', () => process.exit(0));
    (async () => {
      const dealer = new zmq.Dealer({ linger: 0 });
      dealer.connect(endpoint);
      try {
        ${body}
      } finally {
        dealer.close();
      }
      process.exit(0);
    })().catch((error) => { process.stderr.write('raw zeromq.js ${name}: ' + String(error && error.stack || error) + '\\n'); process.exit(1); });
  `;
}

function directProgram(zeromqPath: string): string {
  return frame('echo', zeromqPath, `
    await dealer.send('hello');
    // Bounded by the parent: it sends the stop frame, or kills this process, or goes away.
    for (;;) {
      const [frame] = await dealer.receive();
      if (!frame || frame.length === 0) break;
      await dealer.send(frame);
    }
  `);
}

function threadHopProgram(zeromqPath: string): string {
  return frame('thread-hop echo', zeromqPath, `
    const { Worker } = require('node:worker_threads');
    const thread = new Worker("require('node:worker_threads').parentPort.on('message', (f) => require('node:worker_threads').parentPort.postMessage(f))", { eval: true });
    let answer;
    thread.on('message', (f) => answer(f));
    try {
      await dealer.send('hello');
      for (;;) {
        const [frame] = await dealer.receive();
        if (!frame || frame.length === 0) break;
        const back = new Promise((resolve) => (answer = resolve));
        thread.postMessage(frame);
        await dealer.send(await back);
      }
    } finally {
      await thread.terminate();
    }
  `);
}

function relayProgram(zeromqPath: string): string {
  return frame('relay', zeromqPath, `
    const { spawn } = require('node:child_process');
    const down = new zmq.Router({ linger: 0, mandatory: true });
    await down.bind('tcp://127.0.0.1:*');
    // The echo grandchild exits with this process (its IPC channel closes).
    const echo = spawn(process.execPath, ['-e', ${JSON.stringify(directProgram(zeromqPath))}, down.lastEndpoint], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    try {
      const [peer] = await down.receive();
      await dealer.send('hello');
      // Each socket has one sender: frames from the echo go up here, frames from the parent go down below.
      const upward = (async () => { for (;;) { const [, frame] = await down.receive(); await dealer.send(frame); } })();
      upward.catch(() => {}); // ends when the socket closes
      for (;;) {
        const [frame] = await dealer.receive();
        await down.send([peer, frame]);
        if (!frame || frame.length === 0) break;
      }
    } finally {
      down.close();
      echo.kill('SIGKILL');
    }
  `);
}

/** The program of an echo child of this shape. */
export function echoProgram(shape: EchoShape, zeromqPath: string): string {
  switch (shape) {
    case 'direct': return directProgram(zeromqPath);
    case 'threadHop': return threadHopProgram(zeromqPath);
    case 'relay': return relayProgram(zeromqPath);
  }
}
