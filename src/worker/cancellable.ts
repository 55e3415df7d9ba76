/**
 * Long, CPU-bound work (parsing and validating large or hostile input) run in a worker thread: the main thread
 * only waits, so Ctrl-C, SIGTERM and a closed terminal are handled at once (src/ui/interrupt.ts ends the process,
 * and the worker with it) however long one document takes. Where no worker file exists (Node's single-executable
 * build) the job runs in this thread.
 *
 * A worker that finished its job is kept for the next one, unreferenced (it never keeps the process alive): a caller
 * that runs several jobs (the tests, running commands in process) does not start a thread and load its modules
 * each time. A worker whose job failed is ended.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { JOBS, type JobInput, type JobName, type JobResult } from './jobs.js';

let idle: Worker | undefined;

export async function runCancellable<N extends JobName>(job: N, input: JobInput<N>): Promise<JobResult<N>> {
  // this module and worker.js sit side by side both in tsc's output and in the bundle
  const url = new URL('./worker.js', import.meta.url);
  if (url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) return (await JOBS[job]())(input as never) as Promise<JobResult<N>>;
  const { Worker } = await import('node:worker_threads');
  const worker = idle ?? new Worker(url);
  idle = undefined;
  worker.ref();
  let onMessage: ((msg: Reply<N>) => void) | undefined;
  let onError: ((err: Error) => void) | undefined;
  let onExit: ((code: number) => void) | undefined;
  let reusable = false;
  try {
    const result = await new Promise<JobResult<N>>((resolve, reject) => {
      // an error comes back with its name and message (its class stays in the worker): callers tell errors apart by name
      onMessage = (msg) => {
        if (msg.ok) {
          reusable = true;
          resolve(msg.result);
        } else reject(Object.assign(new Error(msg.message), { name: msg.name, stack: msg.stack }));
      };
      onError = reject;
      onExit = (code) => reject(new Error(`the worker thread ended (exit ${code}) before its result`));
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ job, input });
    });
    return result;
  } finally {
    worker.off('message', onMessage!);
    worker.off('error', onError!);
    worker.off('exit', onExit!);
    if (reusable && !idle) {
      worker.unref();
      idle = worker;
    } else await worker.terminate();
  }
}

type Reply<N extends JobName> = { ok: true; result: JobResult<N> } | { ok: false; name: string; message: string; stack?: string };
