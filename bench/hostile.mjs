#!/usr/bin/env node
// Worst cases for validation: 1 MB values built to make a backtracking regular expression engine take minutes, in
// the bundled Gateway API schema's fields (hostnames, names, header names, path values) and in a CRD whose
// pattern (^(a+)+$) and CEL matches() (^(a|aa)+$) backtrack exponentially in JavaScript's engine. With RE2
// (src/schema/re2.ts) each is linear. Prints the wall time of the whole `meshctl validate` process per case.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MESHCTL = fileURLToPath(new URL('../bin/meshctl.js', import.meta.url));
const SIZE = Number(process.env.BENCH_VALUE_BYTES ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'meshctl-bench-hostile-'));
const write = (name, text) => { writeFileSync(join(dir, name), text); return join(dir, name); };
const dashes = 'a-'.repeat(SIZE / 2) + '!';
const as = 'a'.repeat(SIZE) + 'b';
const cases = [
  ['HTTPRoute: hostname, parent name, header name, path of 1 MB "a-a-…!"', [write('route.yaml',
    `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: h, namespace: default}\nspec:\n  parentRefs: [{name: "${dashes}"}]\n` +
    `  hostnames: ["${dashes}"]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: "/${dashes}"}, headers: [{name: "${dashes}", value: x}]}]\n`)]],
  ['GRPCRoute: service of 1 MB (CEL matches() with (?i))', [write('grpc.yaml',
    `apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g, namespace: default}\nspec:\n  parentRefs: [{name: gw}]\n` +
    `  rules:\n  - matches: [{method: {service: "${as}", method: M}}]\n`)]],
  ['CRD pattern ^(a+)+$ and CEL matches(^(a|aa)+$) on 1 MB "aaa…b"', ['--crds', write('crd.yaml',
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n' +
    '  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n' +
    '      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n' +
    "              name: {type: string, pattern: '^(a+)+$'}\n            x-kubernetes-validations:\n            - rule: \"self.name.matches('^(a|aa)+$')\"\n"),
  write('widget.yaml', `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\nspec: {name: "${as}"}\n`)]],
];
console.log(`validate on hostile ${(SIZE / 1e6).toFixed(1)} MB values (whole process, wall time):`);
for (const [what, args] of cases) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [MESHCTL, 'validate', ...args], { encoding: 'utf8', timeout: 600_000 });
  const s = (Number(process.hrtime.bigint() - t) / 1e9).toFixed(2);
  console.log(`  ${what}: ${s} s, exit ${r.status ?? r.signal}`);
}
