// graphile-worker as the peer of Media Magic's job queue and event triggers, for
// `e2e/bench/run.sh compare` (e2e/src/compare/). Usage:
//   DATABASE_URL=... node graphile-bench.mjs migrate
//   DATABASE_URL=... CONCURRENCY=8 node graphile-bench.mjs work
// `work` runs a worker (unbatched: the default job fetching; with BATCHED=1 its documented
// fast settings: a local queue of CONCURRENCY+1 jobs fetched per round trip and batched
// completion, `completeJobBatchDelay: 0`) with two tasks that do nothing:
// `noop` (queue jobs) and `event` (jobs an AFTER INSERT trigger adds). It prints JSON lines:
// {"ready": true}, then {"start": <job key>, "t": <epoch ms>} when a job is taken and
// {"done": <job key>, "t": <epoch ms>} once its completion is written back; for `event` jobs
// {"event": <key>, "latency_ms": <from the row's insert>} too. The key is the payload's `n`.
// With EXPECT=<n> (a drain) it prints nothing per job, only
// {"drained": n, "first_start": <epoch ms>, "last_done": <epoch ms>} once n jobs completed.
import { run, runMigrations } from 'graphile-worker';

const connectionString = process.env.DATABASE_URL;
const mode = process.argv[2];
const now = () => performance.timeOrigin + performance.now();
const out = (line) => process.stdout.write(JSON.stringify(line) + '\n');

if (mode === 'migrate') {
  await runMigrations({ connectionString });
  out({ migrated: true });
  process.exit(0);
}

const concurrency = Number(process.env.CONCURRENCY || 8);
const batched = process.env.BATCHED === '1';
const runner = await run({
  connectionString,
  concurrency,
  ...(batched
    ? { preset: { worker: { localQueue: { size: concurrency + 1 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } }
    : {}),
  noHandleSignals: false,
  pollInterval: 1000,
  taskList: {
    noop: async () => {},
    event: async (payload) => {
      out({ event: payload.n, latency_ms: now() - Number(payload.t) });
    },
  },
});
const expect = Number(process.env.EXPECT || 0);
let done = 0;
let firstStart = null;
runner.events.on('job:start', ({ job }) => {
  if (firstStart === null) firstStart = now();
  if (!expect) out({ start: job.payload?.n, t: now() });
});
runner.events.on('job:complete', ({ job }) => {
  done += 1;
  if (!expect) out({ done: job.payload?.n, t: now() });
  else if (done === expect) out({ drained: done, first_start: firstStart, last_done: now() });
});
out({ ready: true });
await runner.promise;
