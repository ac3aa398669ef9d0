// config/sensor-agent.example.yaml's sections other than `sensors:`, written from the field docs
// (src/config/field-docs.ts) and the schema's defaults: every key with its meaning as a comment,
// the ones the shipped config sets at their default, the others commented out with an example.
// `npm run docs` rewrites the lines between the markers; the header and the sensors list stay
// hand-written. test/docs/example-config.test.ts fails while the file differs.
import { stringify } from 'yaml';
import { FIELD_DOCS } from '../config/field-docs.js';
import { configJsonSchema, schemaAt } from '../config/json-schema.js';
import { replaceBetween } from './markers.js';

export const EXAMPLE_BEGIN = '# example-config:begin (npm run docs writes these sections from src/config/field-docs.ts)';
export const EXAMPLE_END = '# example-config:end';

/** Keys the shipped config sets (at their default), so a technician sees them in use. */
const SET_IN_EXAMPLE = new Set(['mqtt.url', 'mqtt.topicPrefix', 'mqtt.qos', 'store.maxBytes', 'store.overflow', 'status.listen', 'log.level']);
/** The sensor list is documented by driver (README's driver table), below the markers. */
const NOT_HERE = new Set(['sensors']);
const WIDTH = 98;

const inline = (value: unknown): string => stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
const plain = (markdown: string): string => markdown.replace(/`/g, '');

function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + 2 + line.length + 1 + word.length > WIDTH) {
      lines.push(`${indent}# ${line}`);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(`${indent}# ${line}`);
  return lines;
}

/** A row's keys as `name: value` lines of their section: set at the default, or commented out with an example. */
function entryLines(paths: Array<[string, unknown]>): string[] {
  const lines = new Map<string, { set: boolean; value: unknown }>();
  for (const [path, example] of paths) {
    const [, second = '', ...rest] = path.split('.');
    const schemaDefault = schemaAt(configJsonSchema(), path).default;
    const set = SET_IN_EXAMPLE.has(path) && schemaDefault !== undefined;
    const value = set ? schemaDefault : example;
    const line = lines.get(second) ?? { set, value: rest.length === 0 ? value : {} };
    // Deeper keys of one row (mqtt.tls.ca / cert / key) share one flow mapping.
    if (rest.length > 0) {
      let target = line.value as Record<string, unknown>;
      for (const key of rest.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
      target[rest[rest.length - 1] ?? ''] = value;
    }
    lines.set(second, line);
  }
  return [...lines].map(([name, { set, value }]) => `  ${set ? '' : '# '}${name}: ${inline(value)}`);
}

export function exampleSections(): string {
  const sections = new Map<string, string[]>();
  for (const doc of FIELD_DOCS) {
    const paths = Object.entries(doc.examples).map(([path, examples]): [string, unknown] => [path, examples[0]]);
    const top = paths[0]?.[0].split('.')[0] ?? '';
    if (NOT_HERE.has(top)) continue;
    const lines = sections.get(top) ?? [];
    lines.push(...wrap(`${plain(doc.meaning)} (default: ${plain(doc.default)}).`, '  '), ...entryLines(paths));
    sections.set(top, lines);
  }
  // A section with every key commented out is commented out too (an empty one would read as null).
  const blocks = [...sections].map(([top, lines]) => {
    const anySet = lines.some((line) => !line.trimStart().startsWith('#'));
    return [`${anySet ? '' : '# '}${top}:`, ...lines].join('\n');
  });
  return blocks.join('\n\n');
}

export function withExampleSections(example: string): string {
  return replaceBetween(example, EXAMPLE_BEGIN, EXAMPLE_END, exampleSections(), 'config/sensor-agent.example.yaml');
}
