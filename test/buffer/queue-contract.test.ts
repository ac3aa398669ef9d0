// One contract, two queues: the LevelDB buffer and the in-memory queue publisher tests may use.
import { MemoryQueue } from '../helpers/memory-queue.js';
import { bufferFixture } from './buffer-fixture.js';
import { describeQueueContract } from './queue-contract.js';

describeQueueContract('LevelDB buffer', async () => {
  const fx = await bufferFixture();
  const buffer = await fx.open();
  return { source: buffer, append: (r) => buffer.append(r), backlog: () => buffer.stats().backlog, close: () => fx.cleanup() };
});

describeQueueContract('in-memory queue', async () => {
  const queue = new MemoryQueue();
  return { source: queue, append: (r) => queue.append(r), backlog: () => queue.stats().backlog, close: async () => undefined };
});
