/**
 * Adding and removing one cluster's entries (cluster, user, context) in the user's kubeconfig, as `kind`
 * does for its clusters: the file is $KUBECONFIG's first path (or --kubeconfig, or ~/.kube/config), other
 * entries are kept as they are, the file is replaced atomically and stays readable by its owner only.
 * The merge itself is a pure function over the parsed document.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { InputError } from '../ui/errors.js';

/** The entries of one cluster, named alike (`kind-NAME`, `meshctl-local-NAME`). */
export interface KubeconfigEntry {
  name: string;
  server: string;
  /** PEM of the CA, the client certificate and key. */
  ca: string;
  cert: string;
  key: string;
  /** The context's default namespace. */
  namespace?: string;
}

type Named = { name: string; [k: string]: unknown };
export interface KubeconfigDoc {
  apiVersion?: string;
  kind?: string;
  clusters?: Named[];
  users?: Named[];
  contexts?: Named[];
  'current-context'?: string;
  [k: string]: unknown;
}

/** The file meshctl writes: the flag's, else $KUBECONFIG's first path, else ~/.kube/config (kind's rule). */
export function kubeconfigPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p !== '');
  return first ?? join(env.HOME ?? homedir(), '.kube', 'config');
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const without = (list: Named[] | undefined, name: string) => (list ?? []).filter((e) => e?.name !== name);

/** The document with `entry` added (replacing entries of the same name) and made the current context. */
export function withEntry(doc: KubeconfigDoc, entry: KubeconfigEntry): KubeconfigDoc {
  return {
    ...doc,
    apiVersion: doc.apiVersion ?? 'v1',
    kind: doc.kind ?? 'Config',
    clusters: [...without(doc.clusters, entry.name), { name: entry.name, cluster: { server: entry.server, 'certificate-authority-data': b64(entry.ca) } }],
    users: [...without(doc.users, entry.name), { name: entry.name, user: { 'client-certificate-data': b64(entry.cert), 'client-key-data': b64(entry.key) } }],
    contexts: [...without(doc.contexts, entry.name), {
      name: entry.name, context: { cluster: entry.name, user: entry.name, ...(entry.namespace ? { namespace: entry.namespace } : {}) },
    }],
    'current-context': entry.name,
  };
}

/** The document without the entries named `name`; the current context is unset when it was that one. */
export function withoutEntry(doc: KubeconfigDoc, name: string): KubeconfigDoc {
  const out: KubeconfigDoc = { ...doc, clusters: without(doc.clusters, name), users: without(doc.users, name), contexts: without(doc.contexts, name) };
  if (out['current-context'] === name) out['current-context'] = '';
  return out;
}

/** Whether the document has a context of that name. */
export function hasContext(doc: KubeconfigDoc, name: string): boolean {
  return (doc.contexts ?? []).some((c) => c?.name === name);
}

/** The parsed kubeconfig at `path` (an empty one when the file does not exist). */
export async function readKubeconfig(path: string): Promise<KubeconfigDoc> {
  if (!existsSync(path)) return {};
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    // never the parser's code frame: it would print credentials
    throw new InputError(`kubeconfig ${path} is not valid YAML (${String((err as Error).message).split('\n')[0]})`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`kubeconfig ${path} is not a kubeconfig (not a mapping)`);
  return doc as KubeconfigDoc;
}

/** Writes the document to `path` atomically, mode 0600, creating its directory. */
export async function writeKubeconfig(path: string, doc: KubeconfigDoc): Promise<void> {
  const { stringify } = await import('yaml');
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.meshctl-${process.pid}.tmp`;
  writeFileSync(tmp, stringify(doc), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Adds (or replaces) the entry in the kubeconfig file and makes it current. */
export async function addToKubeconfig(path: string, entry: KubeconfigEntry): Promise<void> {
  await writeKubeconfig(path, withEntry(await readKubeconfig(path), entry));
}

/** Removes the entries named `name` from the kubeconfig file; false when it had none. */
export async function removeFromKubeconfig(path: string, name: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const doc = await readKubeconfig(path);
  if (!hasContext(doc, name) && !(doc.clusters ?? []).some((c) => c?.name === name)) return false;
  await writeKubeconfig(path, withoutEntry(doc, name));
  return true;
}
