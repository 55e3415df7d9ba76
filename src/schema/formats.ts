/**
 * The string formats of CRD schemas that the apiserver checks and mesh schemas use (kube-openapi's strfmt):
 * `ipv4` (Gateway addresses), `ipv6`, `byte` (a VirtualService's direct response body). Given to ajv at run time
 * and to the validators compiled at build (scripts/compile-validators.mjs). Other formats are not checked (the
 * integer formats' ranges are, by the schema walk; `date-time` appears only under status, which is not validated).
 * Pure.
 */
import { isIPv6 as nodeIsIPv6 } from 'node:net';

/** Go's ParseIP for IPv6 text (no zone); Node's parser agrees with it on the rest. */
function goIPv6(s: string): boolean {
  return !s.includes('%') && nodeIsIPv6(s);
}

/**
 * kube-openapi's ipv4: ParseIPSloppy (leading zeros tolerated, as Go before 1.17) succeeds and the text has a dot
 * (so an IPv6 address with an embedded IPv4 passes too).
 */
function ipv4(s: string): boolean {
  const parts = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (parts) return parts.slice(1).every((p) => Number(p) <= 255);
  return s.includes('.') && goIPv6(s);
}

/** kube-openapi's ipv6 (govalidator.IsIPv6): ParseIP succeeds and the text has a colon. */
function ipv6(s: string): boolean {
  return s.includes(':') && goIPv6(s);
}

/** kube-openapi's byte (govalidator.IsBase64): standard base64 with padding. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
function byte(s: string): boolean {
  return BASE64.test(s);
}

export const FORMATS = { ipv4, ipv6, byte } as const;

/** The words of a format error. */
export const FORMAT_WORDS: Record<string, string> = { ipv4: 'an IPv4 address', ipv6: 'an IPv6 address', byte: 'base64 text' };
