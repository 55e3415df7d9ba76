#!/usr/bin/env node
// Generates schemas/bundled.json: the CRD schemas `meshctl validate` uses when no other source is asked for,
// so that it validates offline. Read from the Go modules the tests already build from (versions in
// scripts/upstream-versions.env): Istio's CRDs (istio.io/istio, manifests/charts/base/files/crd-all.gen.yaml)
// and the Gateway API's standard and experimental CRDs (sigs.k8s.io/gateway-api, config/crd/). Each CRD is
// kept as a CRD (group, names, scope, served versions, their openAPIV3Schema and whether status is a subresource)
// with descriptions removed;
// the output is deterministic, so a test regenerates it and compares.
// Usage: node scripts/gen-schemas.mjs [--check]   (--check: exit 1 when schemas/bundled.json differs)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { moduleDir, root, versions, writeOrCheck } from './upstream-module.mjs';

/** A schema without its descriptions (they are most of the size, and validation never reads them). */
function strip(schema) {
  if (Array.isArray(schema)) return schema.map(strip);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description' && typeof v === 'string') continue;
    // a property named "description" is a field of the resource, not documentation: keep it
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strip(s)])) : strip(v);
  }
  return out;
}

function compact(crd) {
  return {
    apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name: crd.metadata.name },
    spec: {
      group: crd.spec.group, names: { kind: crd.spec.names.kind, plural: crd.spec.names.plural }, scope: crd.spec.scope,
      versions: crd.spec.versions.filter((v) => v.served !== false).map((v) => ({
        name: v.name, served: true, storage: Boolean(v.storage), schema: { openAPIV3Schema: strip(v.schema.openAPIV3Schema) },
        // the apiserver ignores the status of an object written through the main resource when status is a subresource
        ...(v.subresources?.status ? { subresources: { status: {} } } : {}),
      })),
    },
  };
}

const crdsIn = (text) => loadAll(text).filter((d) => d?.kind === 'CustomResourceDefinition').map(compact);
const istioDir = moduleDir('istio.io/istio', versions.ISTIO_MODULE_VERSION);
const gwDir = moduleDir('sigs.k8s.io/gateway-api', versions.GATEWAY_API_VERSION);
const channel = (name) => readdirSync(join(gwDir, 'config', 'crd', name)).filter((f) => f.endsWith('.yaml')).sort()
  .flatMap((f) => crdsIn(readFileSync(join(gwDir, 'config', 'crd', name, f), 'utf8')));
const byName = (a, b) => a.metadata.name.localeCompare(b.metadata.name);
const bundle = {
  generatedBy: 'scripts/gen-schemas.mjs',
  istio: { version: versions.ISTIO_VERSION, module: `istio.io/istio@${versions.ISTIO_MODULE_VERSION}`, crds: crdsIn(readFileSync(join(istioDir, 'manifests', 'charts', 'base', 'files', 'crd-all.gen.yaml'), 'utf8')).sort(byName) },
  gatewayApi: { version: versions.GATEWAY_API_VERSION, standard: channel('standard').sort(byName), experimental: channel('experimental').sort(byName) },
};
const text = JSON.stringify(bundle) + '\n';
writeOrCheck(join(root, 'schemas', 'bundled.json'), text, 'scripts/gen-schemas.mjs',
  `Istio ${bundle.istio.version} (${bundle.istio.crds.length} CRDs), Gateway API ${bundle.gatewayApi.version} (standard ${bundle.gatewayApi.standard.length}, experimental ${bundle.gatewayApi.experimental.length}), ${(text.length / 1e6).toFixed(2)} MB`);
