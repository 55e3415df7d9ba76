/** The jobs a worker thread can run (src/worker/worker.ts), each loaded only when asked for. */
export const JOBS = {
  validate: async () => (await import('../validate/job.js')).validateJob,
  analyze: async () => (await import('../analyze/index.js')).analyzeJob,
} as const;

export type JobName = keyof typeof JOBS;
export type JobInput<N extends JobName> = Parameters<Awaited<ReturnType<(typeof JOBS)[N]>>>[0];
export type JobResult<N extends JobName> = Awaited<ReturnType<Awaited<ReturnType<(typeof JOBS)[N]>>>>;
