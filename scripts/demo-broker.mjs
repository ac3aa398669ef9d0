// An embedded MQTT broker (Aedes) for the demo, on 127.0.0.1:1883 by default.
// Not part of the daemon: production devices talk to a real broker.
import { Aedes } from 'aedes';
import { createServer } from 'node:net';

export async function startDemoBroker(port = 1883, host = '127.0.0.1') {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    close: () => new Promise((resolve) => server.close(() => aedes.close(resolve))),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 1883);
  await startDemoBroker(port);
  console.log(`aedes broker listening on 127.0.0.1:${port}`);
}
