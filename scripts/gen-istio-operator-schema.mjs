#!/usr/bin/env node
// Generates schemas/istio-operator.json: the shape istioctl decodes an IstioOperator (an install overlay) into, from
// the Istio module pinned in scripts/upstream-versions.env: its spec's Go structs (the Kubernetes types under `k8s`
// included), decoded strictly, and the Values proto of `spec.values`. Read by scripts/istio-operator-schema/main.go.
// `meshctl validate` refuses what istioctl's decoding refuses: an unknown field, or a value of the wrong JSON type.
// The output is deterministic, so a test regenerates it and compares.
// Usage: node scripts/gen-istio-operator-schema.mjs [--check]   (--check: exit 1 when the file differs)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, versions, writeOrCheck } from './upstream-module.mjs';

const work = mkdtempSync(join(tmpdir(), 'meshctl-istio-operator-schema-'));
try {
  copyFileSync(join(root, 'scripts', 'istio-operator-schema', 'main.go'), join(work, 'main.go'));
  writeFileSync(join(work, 'go.mod'), `module meshctl.local/iopschema\n\ngo 1.26\n\nrequire istio.io/istio ${versions.ISTIO_MODULE_VERSION}\n`);
  const env = { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim(), GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
  const shapes = JSON.parse(execFileSync('go', ['run', '.'], { cwd: work, env, maxBuffer: 64 << 20 }).toString());
  const text = `${JSON.stringify({ istio: versions.ISTIO_MODULE_VERSION, ...shapes })}\n`;
  writeOrCheck(join(root, 'schemas', 'istio-operator.json'), text, 'scripts/gen-istio-operator-schema.mjs',
    `${Object.keys(shapes.types).length} types, ${(text.length / 1024).toFixed(0)} KB`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
