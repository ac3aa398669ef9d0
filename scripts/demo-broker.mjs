// An embedded MQTT broker (Aedes) for the demo, on 127.0.0.1:1883 by default.
// Not part of the daemon: production devices talk to a real broker.
import { Aedes } from 'aedes';
import { createServer } from 'node:net';

export async function startDemoBroker(port = 1883, host = '127.0.0.1') {
  const aedes = await Aedes.createBroker();
  // server.close() waits for every open connection to end; a subscriber (`npx mqtt sub`, as the
  // README suggests) never ends its own, so close() destroys them instead of waiting.
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: server.address().port,
    /** Stops listening, cuts every client (subscribers included) and closes the broker. */
    close: () =>
      new Promise((resolve) => {
        server.close(() => aedes.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 1883);
  await startDemoBroker(port);
  console.log(`aedes broker listening on 127.0.0.1:${port}`);
}
