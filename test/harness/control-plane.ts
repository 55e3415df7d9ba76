/** The tests' control plane is the local cluster's own (src/providers/local/control-plane.ts). */
export * from '../../src/providers/local/control-plane.js';
