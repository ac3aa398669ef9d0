// The allocation side of cpu-prof-preload.mjs: the sampling heap profiler from start to exit, with
// the objects the GC already collected included (what a drain allocates, not what it keeps),
// written to $HEAP_PROF_DIR. Usage: NODE_OPTIONS="--import ./bench/heap-prof-preload.mjs" HEAP_PROF_DIR=... node ...
import inspector from 'node:inspector';
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const session = new inspector.Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
process.on('exit', () => {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (!error) writeFileSync(`${process.env.HEAP_PROF_DIR}/agent-${process.pid}.heapprofile`, JSON.stringify(result.profile));
  });
});
