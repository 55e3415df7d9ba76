/** The release built from the pinned Istio module and its loopback mirror (src/providers/local/release.ts). */
export * from '../../src/providers/local/release.js';
