/** The install Lease: exclusive, taken over only once expired, given back only while still ours, and a wait that ends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaseExpired, withLease } from '../../src/cluster/lease.js';
import { CheckFailedError } from '../../src/ui/errors.js';
import { FakeKube } from '../helpers/fake-kube.js';

const KEY = 'coordination.k8s.io|Lease|kube-system|l';
const opts = { namespace: 'kube-system', name: 'l', what: 'testing', retryMs: 20 };
const lease = (holder: string, renewedAgoMs: number, duration = 30) => ({
  apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'kube-system', resourceVersion: '1' },
  spec: { holderIdentity: holder, leaseDurationSeconds: duration, renewTime: new Date(Date.now() - renewedAgoMs).toISOString(), leaseTransitions: 2 },
});

test('expiry: a lease past its duration, or with no holder, is free; a recent one is not', () => {
  assert.equal(leaseExpired(lease('x', 31_000), Date.now()), true);
  assert.equal(leaseExpired(lease('x', 1_000), Date.now()), false);
  assert.equal(leaseExpired({ ...lease('', 0) }, Date.now()), true);
  assert.equal(leaseExpired({ ...lease('x', 0), spec: { holderIdentity: 'x' } }, Date.now()), true, 'no renew time: free');
});

test('two holders never overlap; the second is told whom it waits for', async () => {
  const kube = new FakeKube();
  let inside = 0;
  let most = 0;
  const told: string[] = [];
  const hold = () => withLease(kube, { ...opts, onWait: (l) => told.push(l) }, async () => {
    inside++;
    most = Math.max(most, inside);
    await new Promise((r) => setTimeout(r, 50));
    inside--;
  });
  await Promise.all([hold(), hold()]);
  assert.equal(most, 1);
  assert.equal(told.length, 1);
  assert.match(told[0], /^waiting for meshctl \S+@\S+ pid \d+ [0-9a-f]{8}, which is testing \(Lease kube-system\/l\)$/);
  assert.equal(kube.objects.has(KEY), false, 'given back');
});

test('an expired lease of a holder that died is taken over at once (one transition more)', async () => {
  const kube = new FakeKube();
  kube.objects.set(KEY, lease('meshctl dead@host pid 1 00000000', 60_000));
  let transitions = -1;
  await withLease(kube, opts, async () => { transitions = kube.objects.get(KEY)!.spec.leaseTransitions; });
  assert.equal(transitions, 3);
});

test('a live holder that does not finish: the wait ends with exit 2 naming it', async () => {
  const kube = new FakeKube();
  kube.objects.set(KEY, lease('meshctl alice@build pid 42 abcd0123', 0));
  let ran = false;
  await assert.rejects(withLease(kube, { ...opts, timeoutMs: 0 }, async () => { ran = true; }), (err: unknown) =>
    err instanceof CheckFailedError && /^meshctl alice@build pid 42 abcd0123 is still testing \(Lease kube-system\/l\); try again when it has finished$/.test(err.message));
  assert.equal(ran, false);
  assert.equal(kube.objects.get(KEY)!.spec.holderIdentity, 'meshctl alice@build pid 42 abcd0123', 'the other\'s lease is left alone');
});

test('a lease another took over meanwhile is not deleted on release', async () => {
  const kube = new FakeKube();
  await withLease(kube, opts, async () => {
    const live = kube.objects.get(KEY)!;
    await kube.replace({ ...live, spec: { ...live.spec, holderIdentity: 'someone else' } });
  });
  assert.equal(kube.objects.get(KEY)?.spec.holderIdentity, 'someone else');
});
