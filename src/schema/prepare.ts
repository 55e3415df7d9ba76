/**
 * The form of a CRD schema that ajv compiles, shared by the run-time compiler (schema.ts) and the build-time one
 * (scripts/compile-validators.mjs), so that a validator compiled ahead of time is found again by its key.
 * Pure.
 */
import { createHash } from 'node:crypto';
import { FORMATS } from './formats.js';

/**
 * ajv's options: every error (for findings), schema defaults applied as the apiserver does before validating
 * and evaluating CEL rules, and the string formats the apiserver checks that mesh schemas use (formats.ts; the
 * integer formats' ranges are checked by the schema walk).
 */
export const AJV_OPTIONS = { strict: false, allErrors: true, validateFormats: true, formats: FORMATS, logger: false, useDefaults: true } as const;

/**
 * The schema ajv compiles: without descriptions and the `format` keywords not checked (so the same CRD from the
 * bundle, a release or a cluster has one key), and with metadata left to Kubernetes' own rules.
 */
export function ajvSchema(openAPIV3Schema: any): any {
  const out = withoutFormats(openAPIV3Schema);
  if (out?.properties?.metadata) out.properties.metadata = { type: 'object' };
  return out;
}

function withoutFormats(node: any): any {
  if (Array.isArray(node)) return node.map(withoutFormats);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(node)) {
    if (((k === 'format' && !Object.hasOwn(FORMATS, v as string)) || k === 'description') && typeof v === 'string') continue;
    // under `properties`, keys are field names (a field may be called "format"), not keywords
    out[k] = k === 'properties' && v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, withoutFormats(s)])) : withoutFormats(v);
  }
  return out;
}

/** The key of a prepared schema: the SHA-256 of its JSON, first 24 hex digits. */
export function schemaKey(prepared: unknown): string {
  return createHash('sha256').update(JSON.stringify(prepared)).digest('hex').slice(0, 24);
}
