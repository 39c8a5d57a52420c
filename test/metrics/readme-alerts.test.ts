// The README's Prometheus alert rules name metrics that exist: every tollbridge_, process_ and
// nodejs_ name in its rules block is exported by a bridge's registry (a renamed metric would
// otherwise leave an alert that never fires).
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../config/paths.js';
import { BridgeMetrics } from '../../metrics/bridge-metrics.js';

function alertRules(): string {
  const readme = fs.readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Metrics (Prometheus)'));
  const block = /```yaml\n(groups:[\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('no alert rules block under "### Metrics (Prometheus)"');
  return block;
}

describe("README's Prometheus alert rules", () => {
  it('name only metrics the registry exports', async () => {
    const rules = alertRules();
    const exported = new Set((await new BridgeMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    const named = new Set([...rules.matchAll(/\b((?:tollbridge|process|nodejs)_[a-z0-9_]+)/g)].map((m) => (m[1] as string).replace(/_(bucket|sum|count)$/, '')));
    expect(named.size).to.be.greaterThan(8);
    for (const name of named) expect(exported.has(name), name).to.equal(true);
  });

  it('is well formed: every rule has an alert name and an expression, names unique', () => {
    const rules = alertRules();
    const alerts = [...rules.matchAll(/^ {6}- alert: (\S+)$/gm)].map((m) => m[1]);
    const exprs = [...rules.matchAll(/^ {8}expr: \S/gm)];
    expect(alerts.length).to.be.greaterThan(8);
    expect(exprs).to.have.length(alerts.length);
    expect(new Set(alerts).size).to.equal(alerts.length);
    expect(rules).to.not.match(/\t/);
  });
});
