/**
 * Long, CPU-bound work (parsing and validating large or hostile input) run in a worker thread: the main thread
 * only waits, so Ctrl-C, SIGTERM and a closed terminal are handled at once (src/ui/interrupt.ts ends the process,
 * and the worker with it) however long one document takes. Where no worker file exists (Node's single-executable
 * build) the job runs in this thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JOBS, type JobInput, type JobName, type JobResult } from './jobs.js';

export async function runCancellable<N extends JobName>(job: N, input: JobInput<N>): Promise<JobResult<N>> {
  // this module and worker.js sit side by side both in tsc's output and in the bundle
  const url = new URL('./worker.js', import.meta.url);
  if (url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) return (await JOBS[job]())(input as never) as Promise<JobResult<N>>;
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(url);
  try {
    return await new Promise<JobResult<N>>((resolve, reject) => {
      // an error comes back with its name and message (its class stays in the worker): callers tell errors apart by name
      worker.once('message', (msg: { ok: true; result: JobResult<N> } | { ok: false; name: string; message: string; stack?: string }) => {
        if (msg.ok) resolve(msg.result);
        else reject(Object.assign(new Error(msg.message), { name: msg.name, stack: msg.stack }));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the worker thread ended (exit ${code}) before its result`)));
      worker.postMessage({ job, input });
    });
  } finally {
    await worker.terminate();
  }
}
