// Reading the operator's files (Dockerfiles, compose, systemd units, package.json) as text:
// no Docker engine or systemd runs in the tests, so their properties are checked where they
// are written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/config.js';
import { repoRoot } from '../../config/paths.js';

export const repoFile = (...parts: string[]): string => fs.readFileSync(path.join(repoRoot(), ...parts), 'utf8');

/** config.ts's default drain (TOLLBRIDGE_DRAIN_SECONDS unset), from a throw-away data dir. */
export function defaultDrainSeconds(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-ops-'));
  try {
    return loadConfig({ TOLLBRIDGE_DATA_DIR: dir }).drainSeconds;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every TOLLBRIDGE_* name config/config.ts reads. */
export function configVariables(): Set<string> {
  return new Set(repoFile('config', 'config.ts').match(/TOLLBRIDGE_[A-Z0-9_]+/g) ?? []);
}

/** A Docker or compose duration (45s, 1m30s, 2m) in seconds. */
export function durationSeconds(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (m === null || text.trim() === '') throw new Error(`not a duration: ${text}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
const meaningful = (line: string): boolean => line.trim() !== '' && !line.trimStart().startsWith('#');

/** The lines nested under the first line matching `key:` at `indent` (YAML block style only). */
export function yamlBlock(lines: string[], key: string, indent: number): string[] {
  const start = lines.findIndex((l) => indentOf(l) === indent && l.trim() === `${key}:`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (meaningful(line) && indentOf(line) <= indent) break;
    out.push(line);
  }
  return out;
}

/** A compose service's own lines. */
export function composeService(compose: string, name: string): string[] {
  return yamlBlock(yamlBlock(compose.split('\n'), 'services', 0), name, 2);
}

/** `key: value` directly under a service. */
export function serviceValue(service: string[], key: string): string | undefined {
  const line = service.find((l) => indentOf(l) === 4 && l.trim().startsWith(`${key}:`));
  return line?.trim().slice(key.length + 1).trim();
}

/** The variable names of a service's `environment:` map. */
export function serviceEnvironment(service: string[]): string[] {
  return yamlBlock(service, 'environment', 4)
    .filter((l) => meaningful(l) && indentOf(l) === 6)
    .map((l) => l.trim().split(':')[0] ?? '');
}

/** A systemd unit's settings: each key with its values in order (keys may repeat). */
export function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1)]);
  }
  return settings;
}

type Version = [number, number, number];
const parseVersion = (text: string): Version => {
  const [a = 0, b = 0, c = 0] = text.replace(/^v/, '').split('.').map(Number);
  return [a, b, c];
};
const compare = (x: Version, y: Version): number => x[0] - y[0] || x[1] - y[1] || x[2] - y[2];

/** npm's range grammar as package.json's engines uses it: `||` of space-separated >=, >, <=, <, = comparators. */
export function satisfies(range: string, version: string): boolean {
  const v = parseVersion(version);
  return range.split('||').some((alternative) =>
    alternative.trim().split(/\s+/).every((comparator) => {
      const m = /^(>=|<=|>|<|=)?v?(\d+(?:\.\d+){0,2})$/.exec(comparator);
      if (m === null) throw new Error(`comparator not understood: ${comparator}`);
      const c = compare(v, parseVersion(m[2] ?? ''));
      switch (m[1]) {
        case '>=': return c >= 0;
        case '<=': return c <= 0;
        case '>': return c > 0;
        case '<': return c < 0;
        default: return c === 0;
      }
    }),
  );
}
