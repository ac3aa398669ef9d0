// Which keys are valid where, read from the generated JSON schema: env overrides resolve
// `SENSOR_AGENT_MQTT__CLIENT_ID` against it, and unknown-key errors suggest the closest valid key.
// A sensor entry's keys depend on its driver, so lookups take the raw value to pick the branch.
import { configJsonSchema } from './json-schema.js';

export interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  /** A mapping of free keys (`filters:` value names): the node every value has. */
  additionalProperties?: SchemaNode | boolean;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  const?: unknown;
}

export type KeyPath = readonly PropertyKey[];

export const rootNode = (): SchemaNode => configJsonSchema() as SchemaNode;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The variant of a union node that `raw` selects by its discriminator (`driver:`), or all variants merged. */
function selectVariant(node: SchemaNode, raw: unknown): SchemaNode {
  const variants = node.oneOf ?? node.anyOf;
  if (!variants) return node;
  const chosen = variants.find((variant) =>
    Object.entries(variant.properties ?? {}).some(
      ([key, property]) => property.const !== undefined && isRecord(raw) && raw[key] === property.const,
    ),
  );
  if (chosen) return chosen;
  return { type: 'object', properties: Object.assign({}, ...variants.map((variant) => variant.properties ?? {})) };
}

/** The discriminator key of a union's variants (`driver`) and the value each variant has. */
function variantNames(variants: SchemaNode[]): Array<{ key: string; name: string; node: SchemaNode }> {
  return variants.flatMap((variant) =>
    Object.entries(variant.properties ?? {})
      .filter(([, property]) => typeof property.const === 'string')
      .map(([key, property]) => ({ key, name: String(property.const), node: variant })),
  );
}

/**
 * For a mapping whose keys depend on a discriminator (a sensor's `driver:`): when `key` is not valid
 * for the variant `raw` selects but is for others, those variants' names. Undefined otherwise.
 */
export function otherVariantsWithKey(node: SchemaNode | undefined, key: string, raw?: unknown): { discriminator: string; current: string; names: string[] } | undefined {
  const variants = node?.oneOf ?? node?.anyOf;
  if (!variants) return undefined;
  const named = variantNames(variants);
  const chosen = named.find((entry) => isRecord(raw) && raw[entry.key] === entry.name);
  if (!chosen || chosen.node.properties?.[key] !== undefined) return undefined;
  const names = named.filter((entry) => entry.key === chosen.key && entry.node.properties?.[key] !== undefined).map((entry) => entry.name);
  return names.length > 0 ? { discriminator: chosen.key, current: chosen.name, names } : undefined;
}

/** Keys valid in the mapping that `node` describes, given the mapping's raw value. */
export function keysOf(node: SchemaNode | undefined, raw: unknown): string[] {
  if (!node) return [];
  return Object.keys(selectVariant(node, raw).properties ?? {});
}

/** The node for `key` inside `node` (a mapping's property, or a list's items for a numeric key). */
export function childNode(node: SchemaNode | undefined, key: PropertyKey, raw: unknown): SchemaNode | undefined {
  if (!node) return undefined;
  if (typeof key === 'number') return node.items;
  const variant = selectVariant(node, raw);
  const free = typeof variant.additionalProperties === 'object' ? variant.additionalProperties : undefined;
  return variant.properties?.[String(key)] ?? free;
}

export function valueAt(raw: unknown, path: KeyPath): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The node describing the value at `path`. */
export function nodeAt(path: KeyPath, raw: unknown): SchemaNode | undefined {
  let node: SchemaNode | undefined = rootNode();
  for (let i = 0; i < path.length && node; i++) {
    node = childNode(node, path[i] ?? '', valueAt(raw, path.slice(0, i)));
  }
  return node;
}

/** `mqtt.tls.ca`, `sensors[2].interval`; `config` for the top level. */
export function formatPath(path: KeyPath): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(String(key))) text += `${text === '' ? '' : '.'}${String(key)}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text === '' ? 'config' : text;
}
