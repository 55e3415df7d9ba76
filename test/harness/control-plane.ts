/** The tests' control plane is the local cluster's own (src/cluster/local/control-plane.ts). */
export * from '../../src/cluster/local/control-plane.js';
