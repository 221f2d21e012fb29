// Edits of an agreement's YAML text for revocation tests and the revocation bench: the agreement is
// a copy of a deploy/policies file, so the edits work on its text (whatever keys main adds) and
// each names what it could not find instead of silently changing nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DEV_POLICIES_DIR } from '../dev/dev-wiring.js';

/** The text of a development agreement (`us-to-mx.yaml`, …) as main has it. */
export function devAgreementText(file: string): string {
  return readFileSync(join(DEV_POLICIES_DIR, file), 'utf8');
}

function edited(text: string, pattern: RegExp, replacement: string, what: string): string {
  if (!pattern.test(text)) throw new Error(`agreement edit: ${what} not found`);
  return text.replace(pattern, replacement);
}

/** Sets `version` (every edit of an agreement must raise it). */
export function withVersion(text: string, version: number): string {
  return edited(text, /^version: .*$/m, `version: ${version}`, 'a top-level version');
}

/** Sets `validUntil` (ISO date-time). */
export function withValidUntil(text: string, at: Date): string {
  return edited(text, /^validUntil: .*$/m, `validUntil: ${at.toISOString()}`, 'a top-level validUntil');
}

/** Sets the purposes the agreement allows. */
export function withPurposes(text: string, purposes: readonly string[]): string {
  return edited(text, /^purposes: .*$/m, `purposes: [${purposes.join(', ')}]`, 'a one-line purposes list');
}

/** Removes one agency from `to.agencies` (a one-line list). */
export function withoutAgency(text: string, agency: string): string {
  const line = /^(\s+agencies: \[)([^\]]*)\]$/m;
  const match = line.exec(text);
  if (!match?.[2]?.split(',').some((a) => a.trim() === agency)) {
    throw new Error(`agreement edit: agency ${agency} not found in a one-line to.agencies list`);
  }
  const kept = match[2]
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== agency);
  return text.replace(line, `$1${kept.join(', ')}]`);
}

/** The line range [start, end) of a topic's block under `topics:` (two-space indented key). */
function topicBlock(lines: readonly string[], topic: string): [number, number] {
  const start = lines.findIndex((line) => line === `  ${topic}:`);
  if (start < 0) throw new Error(`agreement edit: topic ${topic} not found`);
  let end = start + 1;
  while (end < lines.length && !/^ {0,2}\S/.test(lines[end] ?? '')) end++;
  return [start, end];
}

/** Removes a topic (the feed) from the agreement. */
export function withoutTopic(text: string, topic: string): string {
  const lines = text.split('\n');
  const [start, end] = topicBlock(lines, topic);
  lines.splice(start, end - start);
  return lines.join('\n');
}

/** Removes a field's action from every rule of a topic: the field is no longer released. */
export function withoutField(text: string, topic: string, field: string): string {
  const lines = text.split('\n');
  const [start, end] = topicBlock(lines, topic);
  const kept = lines.slice(start, end).filter((line) => !new RegExp(`^\\s+${escape(field)}:\\s`).test(line));
  if (kept.length === end - start) throw new Error(`agreement edit: field ${field} not found under ${topic}`);
  lines.splice(start, end - start, ...kept);
  return lines.join('\n');
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
