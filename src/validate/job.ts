/**
 * `meshctl validate`'s work on files, as one call with plain data in and out, so that it can run in a worker thread
 * (src/worker/cancellable.ts): the files are read and parsed, and every object validated against the schemas.
 */
import { loadSources, type StdinBytes } from '../manifests/documents.js';
import { validateSources, type Finding, type ValidateOptions } from './run.js';
import { SchemaSet, type KindSchema } from '../schema/schema.js';

export interface ValidateJob {
  files: string[];
  kinds: KindSchema[];
  options: ValidateOptions;
  /** What stdin held (read by the main thread), when `-` is among the files. */
  stdin?: StdinBytes;
}

export interface ValidateJobResult {
  findings: Finding[];
  documents: number;
  problems: number;
  origin: string;
}

export async function validateJob(job: ValidateJob): Promise<ValidateJobResult> {
  const set = await loadSources(job.files, { stdin: job.stdin });
  const schemas = new SchemaSet(job.kinds);
  const findings = await validateSources(set, schemas, job.options);
  return { findings, documents: set.objects.length, problems: set.problems.length, origin: schemas.origin };
}
