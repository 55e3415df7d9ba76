/**
 * The protobuf types of xDS (schemas/xds-descriptors.json, generated from the Istio module the tests build istiod
 * from by scripts/gen-xds-descriptors.mjs), loaded once, and decoding to protobuf's canonical JSON form (protojson:
 * lowerCamel names, well-known types as strings and plain values, Any as `@type` plus fields), the form Envoy's
 * admin config dump has and `istioctl proxy-config --file` reads. Pure but for the one read of the asset.
 */
import protobuf from 'protobufjs';
import { readAsset } from '../../assets.js';

let cached: protobuf.Root | undefined;

/** The xDS types (every message istiod may send a sidecar, in an Any or not). */
export function xdsTypes(): protobuf.Root {
  if (!cached) {
    cached = protobuf.Root.fromJSON(JSON.parse(readAsset('schemas/xds-descriptors.json')).root);
    cached.resolveAll();
  }
  return cached;
}

/** A message type by its full name (`envoy.config.route.v3.RouteConfiguration`), or undefined. */
export function messageType(name: string): protobuf.Type | undefined {
  try {
    return xdsTypes().lookupType(name.replace(/^\./, ''));
  } catch {
    return undefined;
  }
}

/** The message type an Any's `type_url` names (`type.googleapis.com/envoy.config.cluster.v3.Cluster`). */
export function typeOfUrl(url: string): protobuf.Type | undefined {
  return messageType(url.slice(url.lastIndexOf('/') + 1));
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A decoded message (protojson object). */
export type Obj = { [k: string]: Json };
/** The accessors the readers of decoded configuration share: a missing or mistyped field reads as empty. */
export const obj = (x: Json | undefined): Obj => (x && typeof x === 'object' && !Array.isArray(x) ? x : {});
export const list = (x: Json | undefined): Json[] => (Array.isArray(x) ? x : []);
export const str = (x: Json | undefined): string => (typeof x === 'string' ? x : typeof x === 'number' ? String(x) : '');

/** protojson's name for a field: the proto name in lowerCamel case. */
export function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Decodes `bytes` as `type` to protojson. Any types this build does not know are collected in `unknown`. */
export function decodeToJson(type: protobuf.Type, bytes: Uint8Array, unknown: Set<string>): { [k: string]: Json } {
  return messageToJson(type, type.decode(bytes) as unknown as Record<string, unknown>, unknown) as { [k: string]: Json };
}

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue']);

function messageToJson(type: protobuf.Type, msg: Record<string, unknown>, unknown: Set<string>): Json {
  const name = type.fullName.slice(1);
  if (name.startsWith('google.protobuf.')) {
    const short = name.slice('google.protobuf.'.length);
    if (short === 'Any') return anyToJson(msg, unknown);
    if (short === 'Duration') return `${secondsText(msg.seconds, msg.nanos)}s`;
    if (short === 'Timestamp') return timestampText(msg.seconds, msg.nanos);
    if (short === 'Struct') return structToJson(msg);
    if (short === 'Value') return valueToJson(msg);
    if (short === 'ListValue') return ((msg.values as Record<string, unknown>[] | undefined) ?? []).map(valueToJson);
    if (short === 'FieldMask') return ((msg.paths as string[] | undefined) ?? []).map(jsonName).join(',');
    if (WRAPPERS.has(short)) {
      const field = type.fields.value;
      return scalarToJson(field, msg.value ?? field.typeDefault);
    }
  }
  const out: { [k: string]: Json } = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(msg, field.name)) continue;
    const v = msg[field.name];
    if (v === null || v === undefined) continue;
    if (field.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) continue;
      out[jsonName(field.name)] = Object.fromEntries(entries.map(([k, x]) => [k, fieldValue(field, x, unknown)]));
    } else if (field.repeated) {
      const list = v as unknown[];
      if (list.length === 0) continue;
      out[jsonName(field.name)] = list.map((x) => fieldValue(field, x, unknown));
    } else {
      out[jsonName(field.name)] = fieldValue(field, v, unknown);
    }
  }
  return out;
}

function fieldValue(field: protobuf.Field, v: unknown, unknown: Set<string>): Json {
  const t = field.resolvedType;
  if (t instanceof protobuf.Type) return messageToJson(t, v as Record<string, unknown>, unknown);
  if (t instanceof protobuf.Enum) {
    if (t.fullName === '.google.protobuf.NullValue') return null;
    return t.valuesById[v as number] ?? (v as number);
  }
  return scalarToJson(field, v);
}

const LONGS = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function scalarToJson(field: protobuf.Field, v: unknown): Json {
  if (LONGS.has(field.type)) return String(v);
  if (field.type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if (field.type === 'double' || field.type === 'float') {
    const n = v as number;
    return Number.isFinite(n) ? n : Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  }
  return v as Json;
}

function anyToJson(msg: Record<string, unknown>, unknown: Set<string>): Json {
  const url = String(msg.type_url ?? '');
  const t = typeOfUrl(url);
  const bytes = (msg.value as Uint8Array | undefined) ?? new Uint8Array();
  if (!t) {
    unknown.add(url);
    return { '@type': url, value: Buffer.from(bytes).toString('base64') };
  }
  const inner = messageToJson(t, t.decode(bytes) as unknown as Record<string, unknown>, unknown);
  // a well-known type with a JSON form of its own is wrapped in "value"
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner) || t.fullName.startsWith('.google.protobuf.') && t.name !== 'Empty') {
    return { '@type': url, value: inner };
  }
  return { '@type': url, ...inner };
}

function structToJson(msg: Record<string, unknown>): Json {
  const fields = (msg.fields as Record<string, Record<string, unknown>> | undefined) ?? {};
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, valueToJson(v)]));
}

function valueToJson(v: Record<string, unknown>): Json {
  // a decoded message has every field's default on its prototype: only the field on the wire is its own
  const has = (k: string) => Object.prototype.hasOwnProperty.call(v, k);
  if (has('string_value')) return v.string_value as string;
  if (has('number_value')) return v.number_value as number;
  if (has('bool_value')) return v.bool_value as boolean;
  if (has('struct_value')) return structToJson(v.struct_value as Record<string, unknown>);
  if (has('list_value')) return (((v.list_value as Record<string, unknown>).values as Record<string, unknown>[] | undefined) ?? []).map(valueToJson);
  return null;
}

/** "1", "0.100", "1.000000001": protojson's seconds with 0, 3, 6 or 9 fraction digits. */
function secondsText(seconds: unknown, nanos: unknown): string {
  const s = BigInt(String(seconds ?? 0));
  const n = Number(nanos ?? 0);
  const negative = s < 0n || n < 0;
  const whole = (s < 0n ? -s : s).toString();
  const frac = Math.abs(n);
  if (frac === 0) return `${negative ? '-' : ''}${whole}`;
  let digits = String(frac).padStart(9, '0');
  if (digits.endsWith('000000')) digits = digits.slice(0, 3);
  else if (digits.endsWith('000')) digits = digits.slice(0, 6);
  return `${negative ? '-' : ''}${whole}.${digits}`;
}

function timestampText(seconds: unknown, nanos: unknown): string {
  const ms = Number(String(seconds ?? 0)) * 1000;
  const iso = new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
  const n = Number(nanos ?? 0);
  if (n === 0) return iso;
  let digits = String(n).padStart(9, '0');
  if (digits.endsWith('000000')) digits = digits.slice(0, 3);
  else if (digits.endsWith('000')) digits = digits.slice(0, 6);
  return iso.replace(/Z$/, `.${digits}Z`);
}
