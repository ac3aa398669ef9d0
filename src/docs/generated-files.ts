// The files with generated blocks and the writers of each (`npm run docs` runs them; the docs test
// checks that each file is as they write it). Each writer replaces only the text between its markers.
import { withConfigTable } from './config-table.js';
import { withDriverTable } from './driver-table.js';
import { withErrorTable } from './error-table.js';
import { withExampleSections } from './example-config.js';

export const GENERATED_FILES: ReadonlyArray<{ file: string; writers: ReadonlyArray<(text: string) => string> }> = [
  { file: 'README.md', writers: [withConfigTable, withDriverTable, withErrorTable] },
  { file: 'config/sensor-agent.example.yaml', writers: [withExampleSections] },
];

/** The text with every generated block of `file` written afresh. */
export function regenerated(file: string, text: string): string {
  const entry = GENERATED_FILES.find((generated) => generated.file === file);
  if (entry === undefined) throw new Error(`${file} has no generated blocks`);
  return entry.writers.reduce((current, write) => write(current), text);
}
