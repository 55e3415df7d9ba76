/**
 * A connection to the apiserver that breaks in the middle of an answer (a reset, a proxy or relay that closes it):
 * a read is asked again (twice at most; it changes nothing), a write is not, and what still fails is one line naming
 * the cluster, never "Error: aborted" as an unexpected error. The server here is a loopback HTTP server that
 * sends the headers and half a body, then closes the connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kube } from '../../src/cluster/kube.js';
import { meshctl } from '../helpers/cli.js';

const BODY = JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', items: [] });

/** Answers each path's first `breaks[path]` requests (every request when `breaks` is 'all') with half a body and a closed connection, then properly. */
async function server(breaks: Record<string, number> | 'all') {
  const seen: string[] = [];
  const srv = createServer((req, res: ServerResponse) => {
    const key = `${req.method} ${req.url?.split('?')[0]}`;
    seen.push(key);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(BODY.length) });
    if (breaks === 'all' || (breaks[key] ?? 0) > 0) {
      if (breaks !== 'all') breaks[key]--;
      res.write(BODY.slice(0, 10), () => res.socket?.destroy());
      return;
    }
    res.end(BODY);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'meshctl-broken-')), 'config');
  writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: 'http://127.0.0.1:${port}', insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
  return { seen, kubeconfig, close: () => new Promise((r) => srv.close(r)) };
}

test('a read whose connection breaks in the middle of the answer is asked again; a write is not', async () => {
  const s = await server({ 'GET /api/v1/namespaces': 2, 'POST /api/v1/namespaces': 1 });
  try {
    const kube = await Kube.connect({ kubeconfig: s.kubeconfig });
    const res = await kube.request('GET', '/api/v1/namespaces');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, JSON.parse(BODY), 'the whole answer, on the third try');
    assert.equal(s.seen.filter((x) => x === 'GET /api/v1/namespaces').length, 3);
    await assert.rejects(kube.request('POST', '/api/v1/namespaces', { body: {} }), /broke in the middle of the answer/);
    assert.equal(s.seen.filter((x) => x === 'POST /api/v1/namespaces').length, 1, 'a write is sent once');
  } finally {
    await s.close();
  }
});

test('a read that keeps breaking fails after three tries, as one line naming the cluster (not an unexpected error)', async () => {
  const s = await server('all');
  try {
    const kube = await Kube.connect({ kubeconfig: s.kubeconfig });
    await assert.rejects(kube.request('GET', '/api/v1/namespaces'), (err: Error) => err.name === 'CheckFailedError' && /127\.0\.0\.1.*broke in the middle of the answer/.test(err.message));
    assert.equal(s.seen.filter((x) => x === 'GET /api/v1/namespaces').length, 3);
    for (const command of ['version', 'status']) {
      const r = await meshctl([command, '--kubeconfig', s.kubeconfig]);
      assert.equal(r.code, 2, `${command}: the check failed (exit 2): ${r.stderr}`);
      assert.match(r.stderr, /^Error: .*broke in the middle of the answer/m, command);
      assert.doesNotMatch(r.stderr, /unexpected error|Error: aborted/, command);
    }
  } finally {
    await s.close();
  }
});

test('a kubeconfig cluster with a certificate authority and insecure-skip-tls-verify is refused, as kubectl refuses it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-insecure-'));
  const config = join(dir, 'config');
  writeFileSync(config, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9', insecure-skip-tls-verify: true, certificate-authority-data: Q0E=}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
  await assert.rejects(Kube.connect({ kubeconfig: config }), /^UsageError: cluster "c" in the kubeconfig has both a certificate authority and insecure-skip-tls-verify: true/);
  const r = await meshctl(['status', '--kubeconfig', config]);
  assert.equal(r.code, 64, r.stderr);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, 'one line');
});

test('a context naming a user the kubeconfig does not have is refused as such (exit 64), not sent without credentials', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-nouser-'));
  const config = join(dir, 'config');
  writeFileSync(config, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: nobody}}]
current-context: x
`);
  await assert.rejects(Kube.connect({ kubeconfig: config }), /^UsageError: context "x" names a user \("nobody"\) that is not in the kubeconfig$/);
  for (const args of [['status'], ['analyze']]) {
    const r = await meshctl([...args, '--kubeconfig', config]);
    assert.equal(r.code, 64, r.stderr);
    assert.equal(r.stderr, 'Error: context "x" names a user ("nobody") that is not in the kubeconfig\n');
  }
});
