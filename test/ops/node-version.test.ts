// The Node.js versions: package.json's engines, the README's statement and the images' node.
import { expect } from 'chai';
import { repoFile, satisfies } from './ops-files.js';

describe('Node.js version', () => {
  let engines = '';
  before(() => {
    engines = (JSON.parse(repoFile('package.json')) as { engines: { node: string } }).engines.node;
  });

  it('engines excludes Node 20 before 20.19 and anything newer than the lines tested', () => {
    expect(satisfies(engines, '20.18.0')).to.equal(false);
    for (const tested of ['20.20.2', '22.23.5', '24.22.3']) expect(satisfies(engines, tested), tested).to.equal(true);
    expect(satisfies(engines, '25.0.0')).to.equal(false);
  });

  it('the README states the same range and which versions are tested', () => {
    const readme = repoFile('README.md');
    expect(readme).to.contain(`\`engines\`: \`${engines}\``);
    expect(readme).to.match(/Node\.js versions tested/);
  });

  it("the Docker images' node satisfies engines", () => {
    const tags = [...repoFile('docker', 'app.Dockerfile').matchAll(/^FROM node:(\d+)[-\w.]*/gm)].map((m) => m[1] ?? '');
    expect(tags).to.have.length.above(0);
    for (const major of tags) expect(satisfies(engines, `${major}.99.99`), `node:${major}`).to.equal(true);
  });
});
