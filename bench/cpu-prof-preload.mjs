// `--cpu-prof` is not allowed in NODE_OPTIONS; this preload (NODE_OPTIONS=--import ...) does the
// same for a child daemon: profile from start to exit, written to $CPU_PROF_DIR.
import inspector from 'node:inspector';
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.start');
process.on('exit', () => {
  session.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(`${process.env.CPU_PROF_DIR}/agent-${process.pid}.cpuprofile`, JSON.stringify(result.profile));
  });
});
