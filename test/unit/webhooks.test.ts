/**
 * The wait for istiod's webhooks judges the apiserver's answers: what says istiod cannot be reached ends the wait
 * with a warning at once; a request of ours that timed out (a busy istiod or apiserver) is waited through, up to a
 * grace period. The answers are the apiserver's wording for each case (its service proxy's errors).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { askIstiod, istiodReportedVersion } from '../../src/mesh/istio/status.js';
import { waitWebhooksAnswer } from '../../src/mesh/istio/webhooks.js';
import type { Reporter } from '../../src/ui/progress.js';

type Answer = { status: number; body: unknown } | 'timeout';
const VERSION = { status: 200, body: '1.31-dev-eed52ebb66ad-Clean' };
const REFUSED = { status: 503, body: { message: 'error trying to reach service: dial tcp 10.244.0.5:15014: connect: connection refused' } };
const UNREACHABLE = { status: 503, body: { message: 'error trying to reach service: dial tcp 10.244.0.5:15014: connect: network is unreachable' } };
const NO_ENDPOINTS = { status: 503, body: { message: 'no endpoints available for service "istiod"' } };
const DENIED = { status: 400, body: { message: 'admission webhook "validation.istio.io" denied the request: configuration is invalid: gateway must have at least one server' } };
const LET_THROUGH = { status: 201, body: {} };

/** A stand-in for the apiserver's service proxy and dry-run answers, in the order given, the last repeated. */
function apiserver(versionAnswers: Answer[], probeAnswers: Answer[] = [DENIED]) {
  const calls: string[] = [];
  const next = (list: Answer[]) => (list.length > 1 ? list.shift()! : list[0]);
  return {
    calls,
    async request(method: string, path: string) {
      calls.push(`${method} ${path}`);
      const a = next(path.endsWith('/proxy/version') ? versionAnswers : probeAnswers);
      if (a === 'timeout') throw new Error(`request timed out after 3000ms: ${method} ${path}`);
      return a;
    },
  };
}
function recorder() {
  const lines: string[] = [];
  const r: Reporter = {
    start: (t) => lines.push(`start ${t}`), succeed: (t) => lines.push(`ok ${t}`), fail: (t) => lines.push(`fail ${t}`),
    info: (t) => lines.push(`info ${t}`), warn: (t) => lines.push(`warn ${t}`), progress() {},
  };
  return { r, lines };
}

test('askIstiod tells an answer, a refusal, the apiserver saying it cannot reach the pod, and silence apart', async () => {
  assert.deepEqual(await askIstiod(apiserver([VERSION]), 'istiod'), { version: '1.31-dev', answer: 'version' });
  assert.deepEqual(await askIstiod(apiserver([REFUSED]), 'istiod'), { answer: 'refused' });
  assert.deepEqual(await askIstiod(apiserver([UNREACHABLE]), 'istiod'), { answer: 'unreachable' });
  assert.deepEqual(await askIstiod(apiserver([{ status: 404, body: { message: 'services "istiod" not found' } }]), 'istiod'), { answer: 'silent' });
  assert.deepEqual(await askIstiod(apiserver(['timeout']), 'istiod'), { answer: 'silent' });
  assert.deepEqual(await askIstiod(apiserver([NO_ENDPOINTS]), 'istiod'), { answer: 'silent' }, 'a ready pod is in the endpoints a moment later');
  assert.deepEqual(await askIstiod(apiserver([{ status: 500, body: { message: 'etcdserver: request timed out' } }]), 'istiod'), { answer: 'silent' });
});

test('the version istiod reports: silence is asked once more, a refusal is not', async () => {
  const silentOnce = apiserver(['timeout', VERSION]);
  assert.equal(await istiodReportedVersion(silentOnce, 'istiod'), '1.31-dev');
  assert.equal(silentOnce.calls.length, 2);
  const refused = apiserver([REFUSED, VERSION]);
  assert.equal(await istiodReportedVersion(refused, 'istiod'), undefined);
  assert.equal(refused.calls.length, 1);
});

test('the wait: endpoints not there yet, a moment of silence and a starting istiod are waited through until the webhook refuses the probe', async () => {
  const api = apiserver([NO_ENDPOINTS, 'timeout', 'timeout', REFUSED, VERSION], [LET_THROUGH, DENIED]);
  const { r, lines } = recorder();
  await waitWebhooksAnswer(api, undefined, 60_000, r, { silentGraceMs: 5_000, pollMs: 1 });
  assert.equal(lines.at(-1), 'ok webhooks: istiod answers the apiserver (its validation refused a probe, nothing written)');
  assert.equal(api.calls.filter((c) => c.includes('dryRun=All')).length, 2, 'the probe went through once before istiod took over');
});

test('the wait: an apiserver that cannot reach istiod ends it at once with a warning; lasting silence after the grace', async () => {
  const unreachable = recorder();
  const api = apiserver([UNREACHABLE]);
  await waitWebhooksAnswer(api, undefined, 60_000, unreachable.r, { silentGraceMs: 5_000, pollMs: 1 });
  assert.equal(api.calls.length, 1);
  assert.match(unreachable.lines.at(-1)!, /^warn webhooks: not checked: the apiserver cannot reach istiod/);

  const silent = recorder();
  const t0 = Date.now();
  await waitWebhooksAnswer(apiserver(['timeout']), undefined, 60_000, silent.r, { silentGraceMs: 50, pollMs: 5 });
  assert.ok(Date.now() - t0 >= 50, 'waited the grace period');
  assert.match(silent.lines.at(-1)!, /^warn webhooks: not checked: istiod did not answer .* for 0s/);
});

test('the wait: istiod that answers but whose webhook never refuses the probe fails after the timeout', async () => {
  const { r } = recorder();
  await assert.rejects(waitWebhooksAnswer(apiserver([VERSION], [LET_THROUGH]), undefined, 30, r, { pollMs: 5 }), /do not reach it after 0s/);
});
