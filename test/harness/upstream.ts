/** Where the built upstream binaries live: the same cache the local cluster uses (src/cluster/local/upstream.ts). */
export * from '../../src/cluster/local/upstream.js';
