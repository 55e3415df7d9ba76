/**
 * The worker thread that long, CPU-bound work runs in (src/worker/cancellable.ts), so that the main thread stays free to
 * answer Ctrl-C at once. Jobs one at a time: a job's name and input come in, its result (or its error's message) goes out.
 */
import { parentPort } from 'node:worker_threads';
import { JOBS, type JobName } from './jobs.js';

parentPort?.on('message', async (msg: { job: JobName; input: unknown }) => {
  try {
    const result = await (await JOBS[msg.job]())(msg.input as never);
    parentPort!.postMessage({ ok: true, result });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort!.postMessage({ ok: false, name: e.name, message: e.message, stack: e.stack });
  }
});
