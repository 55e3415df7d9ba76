/**
 * Kubernetes' CEL URL library (url, isURL, getScheme, getHost, getHostname, getPort, getEscapedPath, getQuery),
 * which some CRD rules use (Istio's jwksUri and WasmPlugin url). A URL is what Go's url.ParseRequestURI
 * accepts: an absolute URI (a scheme, then an authority and path, or an opaque part) or an absolute path, with
 * no control characters and valid percent-escapes. Pure.
 */

/** A parsed URL, as the library's URL type. */
export class KubeUrl {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly escapedPath: string,
    readonly rawQuery: string,
  ) {}

  get hostname(): string {
    if (this.host.startsWith('[')) return this.host.slice(1, this.host.indexOf(']'));
    const colon = this.host.lastIndexOf(':');
    return colon === -1 ? this.host : this.host.slice(0, colon);
  }

  get port(): string {
    const close = this.host.lastIndexOf(']');
    const colon = this.host.lastIndexOf(':');
    return colon > close ? this.host.slice(colon + 1) : '';
  }
}

const VALID_ESCAPES = /%(?![0-9a-fA-F]{2})/;
/** Characters Go allows in the user information before `@`. */
const USERINFO_CHARS = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;
/** Characters Go allows in a host name (besides letters, digits and percent-escapes of IPv6 zones). */
const HOST_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]*$/;

/** Parses like Go's url.ParseRequestURI; undefined when it would fail. */
export function parseUrl(text: string): KubeUrl | undefined {
  // control characters are what Go's parser refuses first
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(text) || text === '') return undefined;
  let rest = text;
  let scheme = '';
  if (!rest.startsWith('/')) {
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
    if (!m) return undefined;
    scheme = m[1].toLowerCase();
    rest = rest.slice(m[0].length);
  }
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q !== -1) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let host = '';
  if (scheme !== '' && !rest.startsWith('/')) {
    // opaque: mailto:x, urn:y
    if (VALID_ESCAPES.test(rest)) return undefined;
    return new KubeUrl(scheme, '', '', rawQuery);
  }
  if (scheme !== '' && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash === -1 ? '' : rest.slice(slash);
    const at = authority.lastIndexOf('@');
    host = at === -1 ? authority : authority.slice(at + 1);
    if (at !== -1 && (!USERINFO_CHARS.test(authority.slice(0, at)) || VALID_ESCAPES.test(authority.slice(0, at)))) return undefined;
    if (!HOST_CHARS.test(host)) return undefined;
    const close = host.lastIndexOf(']');
    const colon = host.lastIndexOf(':');
    if (host.startsWith('[') && close === -1) return undefined;
    if (colon > close && !/^\d*$/.test(host.slice(colon + 1))) return undefined;
  }
  if (VALID_ESCAPES.test(rest)) return undefined;
  return new KubeUrl(scheme, host, rest, rawQuery);
}

/** Registers the library on a cel-js Environment. */
export function registerUrlLibrary(env: any): any {
  return env
    .registerType('URL', KubeUrl)
    .registerFunction('url(string): URL', (s: string) => {
      const u = parseUrl(s);
      if (!u) throw new Error(`URL parse error during conversion from string: ${JSON.stringify(s)}`);
      return u;
    })
    .registerFunction('isURL(string): bool', (s: string) => parseUrl(s) !== undefined)
    .registerFunction({ name: 'getScheme', receiverType: 'URL', returnType: 'string', handler: (u: KubeUrl) => u.scheme, params: [] })
    .registerFunction({ name: 'getHost', receiverType: 'URL', returnType: 'string', handler: (u: KubeUrl) => u.host, params: [] })
    .registerFunction({ name: 'getHostname', receiverType: 'URL', returnType: 'string', handler: (u: KubeUrl) => u.hostname, params: [] })
    .registerFunction({ name: 'getPort', receiverType: 'URL', returnType: 'string', handler: (u: KubeUrl) => u.port, params: [] })
    .registerFunction({ name: 'getEscapedPath', receiverType: 'URL', returnType: 'string', handler: (u: KubeUrl) => u.escapedPath, params: [] });
}

/** The functions the library adds (for the coverage list). */
export const URL_FUNCTIONS = ['url', 'isURL', 'getScheme', 'getHost', 'getHostname', 'getPort', 'getEscapedPath'];
