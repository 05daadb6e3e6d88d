// dynalite in a worker thread: the embedded DynamoDB is the local runner's heaviest CPU user, and on
// the main thread it would compete with the handlers it serves. Plain JavaScript so that the worker
// needs no TypeScript loader.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');

const server = dynalite({ ...(workerData.dataDir ? { path: workerData.dataDir } : {}), createTableMs: 0 });
server.once('error', (error) => parentPort.postMessage({ error: String(error) }));
server.listen(0, workerData.host, () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  server.closeAllConnections?.();
  // Closing the server also closes dynalite's LevelDB, releasing the data directory's lock.
  server.close(() => parentPort.postMessage({ stopped: true }));
});
