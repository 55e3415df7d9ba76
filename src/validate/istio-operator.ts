/**
 * What istioctl checks of an IstioOperator (an install overlay, `meshctl install -f`): it decodes the object
 * strictly, so a field its spec or its components do not have is refused ("could not unmarshal: json: unknown
 * field"), and it needs no metadata. The field names are those of Istio's operator API (operator/pkg/apis/types.go:
 * IstioOperatorSpec, IstioComponentSpec); an integration test compares them with the Istio module's.
 */
export const ISTIO_OPERATOR_SPEC_FIELDS: readonly string[] = [
  'profile', 'installPackagePath', 'hub', 'tag', 'namespace', 'revision', 'compatibilityVersion', 'meshConfig', 'components', 'values',
  'unvalidatedValues',
];

export const ISTIO_OPERATOR_COMPONENTS: readonly string[] = ['base', 'pilot', 'cni', 'ztunnel', 'istiodRemote', 'ingressGateways', 'egressGateways'];

/** Whether an object is an IstioOperator install overlay (install.istio.io). */
export function isIstioOperator(apiVersion: unknown, kind: unknown): boolean {
  return kind === 'IstioOperator' && typeof apiVersion === 'string' && apiVersion.startsWith('install.istio.io/');
}
