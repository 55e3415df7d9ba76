/** The release built from the pinned Istio module and its loopback mirror (src/cluster/local/release.ts). */
export * from '../../src/cluster/local/release.js';
