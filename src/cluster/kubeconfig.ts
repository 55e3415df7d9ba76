/**
 * Adding and removing one cluster's entries (cluster, user, context) in the user's kubeconfig, as `kind`
 * does for its clusters: the file is $KUBECONFIG's first path (or --kubeconfig, or ~/.kube/config), other
 * entries are kept as they are; each change holds kubectl's lock file, and the file is replaced atomically, keeping its
 * mode and owner (a new one is 0600).
 * The merge itself is a pure function over the parsed document.
 */
import { randomBytes } from 'node:crypto';
import {
  chownSync, closeSync, existsSync, fchmodSync, fchownSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, rmSync,
  statSync, writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { InputError, UsageError } from '../ui/errors.js';

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

/**
 * The file a write of `path` replaces: a symbolic link is followed to its target (as kubectl does), so the link stays a link.
 */
function realTarget(path: string): string {
  let target = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = lstatSync(target);
    } catch {
      return target;
    }
    if (!st.isSymbolicLink()) return target;
    target = resolve(dirname(target), readlinkSync(target));
  }
  throw new UsageError(`kubeconfig ${path}: too many levels of symbolic links`);
}

/**
 * Writes the document in place of `file` (a real file, not a link) atomically: a temporary file with a random name is
 * created exclusively beside it, mode 0600 while it is written, then given the original's mode and owner (a new file:
 * 0600, owned by whoever owns its directory, so `sudo meshctl` leaves a user's kubeconfig theirs) and renamed over it.
 */
async function replaceKubeconfig(file: string, doc: KubeconfigDoc): Promise<void> {
  const { stringify } = await import('yaml');
  let mode = 0o600;
  let owner: { uid: number; gid: number } | undefined;
  try {
    const st = statSync(file);
    mode = st.mode & 0o777;
    owner = { uid: st.uid, gid: st.gid };
  } catch {
    const st = statSync(dirname(file));
    owner = { uid: st.uid, gid: st.gid };
  }
  const tmp = join(dirname(file), `.${basename(file)}.meshctl-${randomBytes(8).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, stringify(doc));
      if (process.getuid?.() === 0 && owner && (owner.uid !== 0 || owner.gid !== 0)) fchownSync(fd, owner.uid, owner.gid);
      fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Reads the kubeconfig at `path`, changes it with `change` and writes it back, holding `PATH.lock` (kubectl's lock) all the
 * while, so concurrent writers (meshctl or kubectl) never lose each other's entries. `change` returns undefined to write
 * nothing. Its directory is made when missing; a link is followed to the real file.
 */
export async function updateKubeconfig(path: string, change: (doc: KubeconfigDoc) => KubeconfigDoc | undefined): Promise<boolean> {
  const file = realTarget(path);
  const dir = dirname(file);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const parent = statSync(dirname(dir));
    if (process.getuid?.() === 0 && parent.uid !== 0) chownSync(dir, parent.uid, parent.gid);
  }
  const { withLockFile } = await import('./lock-file.js');
  return withLockFile(`${file}.lock`, async () => {
    const next = change(await readKubeconfig(file));
    if (next === undefined) return false;
    await replaceKubeconfig(file, next);
    return true;
  }, { timeoutMs: 10_000 });
}

/** Adds (or replaces) the entry in the kubeconfig file and makes it current. */
export async function addToKubeconfig(path: string, entry: KubeconfigEntry): Promise<void> {
  await updateKubeconfig(path, (doc) => withEntry(doc, entry));
}

/** Removes the entries named `name` from the kubeconfig file; false when it had none. */
export async function removeFromKubeconfig(path: string, name: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  return updateKubeconfig(path, (doc) =>
    hasContext(doc, name) || (doc.clusters ?? []).some((c) => c?.name === name) ? withoutEntry(doc, name) : undefined);
}
