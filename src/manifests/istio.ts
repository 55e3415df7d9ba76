/** Names of Istio's that meshctl's layers share. */

/** The namespace Istio's control plane runs in by default (istioctl's `-i` default), which is also the mesh's root namespace by default. */
export const ISTIO_NAMESPACE = 'istio-system';
