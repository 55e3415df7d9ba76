#!/usr/bin/env node
// Generates schemas/xds-descriptors.json: the protobuf descriptors meshctl's xDS client decodes istiod's answers
// with (the xDS resources, the discovery service's messages, Envoy's admin config dump and every filter, transport
// socket and extension type istiod may put into an Any), in protobufjs's JSON form. Read from the types linked into
// the Istio module pinned in scripts/upstream-versions.env, by scripts/xds-descriptors/main.go, so they are the
// ones the tests' istiod is built with. Options (validation rules, annotations) are dropped: decoding needs none.
// The output is deterministic, so a test regenerates it and compares.
// Usage: node scripts/gen-xds-descriptors.mjs [--check]   (--check: exit 1 when the file differs)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { root, versions, writeOrCheck } from './upstream-module.mjs';

/** The message types decoded, and the packages ("….*") whose every type may arrive inside an Any. */
export const ROOTS = [
  'envoy.service.discovery.v3.DiscoveryRequest', 'envoy.service.discovery.v3.DiscoveryResponse',
  'envoy.config.listener.v3.Listener', 'envoy.config.route.v3.RouteConfiguration',
  'envoy.config.cluster.v3.Cluster', 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  'envoy.admin.v3.ConfigDump', 'envoy.admin.v3.BootstrapConfigDump', 'envoy.admin.v3.ListenersConfigDump',
  'envoy.admin.v3.RoutesConfigDump', 'envoy.admin.v3.ClustersConfigDump', 'envoy.admin.v3.EndpointsConfigDump',
  'envoy.extensions.filters.*', 'envoy.extensions.transport_sockets.*', 'envoy.extensions.upstreams.*',
  'envoy.extensions.load_balancing_policies.*', 'envoy.extensions.access_loggers.*', 'envoy.extensions.wasm.*',
  'envoy.extensions.http.*', 'envoy.extensions.matching.*', 'envoy.extensions.request_id.*', 'envoy.extensions.retry.*', 'envoy.extensions.network.*', 'envoy.extensions.rbac.*',
  'istio.*', 'io.istio.*', 'stats.*', 'udpa.type.*', 'xds.type.*', 'google.protobuf.*',
];

/**
 * protobufjs reads a map field from descriptors as a repeated entry message: make it the map it is (`keyType`), and
 * drop the entry type, in place, throughout the JSON of a namespace at `path`. `entries`: the map entry types' full
 * names (".pkg.Msg.FooEntry"), from the descriptors (protobufjs marks the entry's parent, not the entry).
 */
function restoreMaps(node, path, entries) {
  if (!node || typeof node !== 'object') return;
  const nested = node.nested ?? {};
  if (node.fields) {
    for (const [name, field] of Object.entries(node.fields)) {
      const entryName = field.type?.startsWith(`${path}.`) ? field.type.slice(path.length + 1) : undefined;
      const entry = entryName && nested[entryName];
      if (field.rule === 'repeated' && entry && entries.has(field.type)) {
        node.fields[name] = { keyType: entry.fields.key.type, type: entry.fields.value.type, id: field.id };
        delete nested[entryName];
      }
    }
  }
  for (const [name, child] of Object.entries(nested)) restoreMaps(child, `${path}.${name}`, entries);
  if (node.nested && Object.keys(node.nested).length === 0) delete node.nested;
}

/** The full names of the map entry types in a FileDescriptorSet. */
function mapEntries(set) {
  const out = new Set();
  const visit = (prefix, msg) => {
    const name = `${prefix}.${msg.name}`;
    if (msg.options?.mapEntry) out.add(name);
    for (const n of msg.nestedType ?? []) visit(name, n);
  };
  for (const f of set.file) for (const m of f.messageType ?? []) visit(f.package ? `.${f.package}` : '', m);
  return out;
}

/** Drops options (and the reserved ranges and names nothing here reads) from protobufjs's JSON, in place. */
function prune(node) {
  if (!node || typeof node !== 'object') return node;
  delete node.options;
  delete node.reserved;
  delete node.comment;
  for (const v of Object.values(node)) if (v && typeof v === 'object') prune(v);
  return node;
}

const work = mkdtempSync(join(tmpdir(), 'meshctl-xds-descriptors-'));
try {
  copyFileSync(join(root, 'scripts', 'xds-descriptors', 'main.go'), join(work, 'main.go'));
  writeFileSync(join(work, 'go.mod'), `module meshctl.local/xdsdescriptors\n\ngo 1.26\n\nrequire istio.io/istio ${versions.ISTIO_MODULE_VERSION}\n`);
  const env = { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim(), GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
  const bin = execFileSync('go', ['run', '.', ...ROOTS], { cwd: work, env, maxBuffer: 64 << 20 });
  const set = descriptor.FileDescriptorSet.decode(bin);
  const json = protobuf.Root.fromDescriptor(set).toJSON();
  restoreMaps(json, '', mapEntries(set));
  prune(json);
  const text = `${JSON.stringify({ istio: versions.ISTIO_MODULE_VERSION, files: set.file.length, root: json })}\n`;
  writeOrCheck(join(root, 'schemas', 'xds-descriptors.json'), text, 'scripts/gen-xds-descriptors.mjs',
    `${set.file.length} proto files, ${(text.length / 1024).toFixed(0)} KB`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
