// The Docker files, read against what the app and its configuration need (no engine runs here).
import { expect } from 'chai';
import { composeService, configVariables, defaultDrainSeconds, durationSeconds, repoFile, serviceEnvironment, serviceValue, yamlBlock } from './ops-files.js';

/** The instructions of a Dockerfile's last stage (the image that runs). */
function finalStage(dockerfile: string): string[] {
  const lines = dockerfile.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const from = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0);
  return lines.slice(from.at(-1) ?? 0);
}

describe('Docker files', () => {
  // Read in before(), not at load: a missing file fails these tests, not the whole run.
  let compose = '';
  let app: string[] = [];
  let asterisk: string[] = [];
  before(() => {
    compose = repoFile('docker', 'compose.yaml');
    app = composeService(compose, 'app');
    asterisk = composeService(compose, 'asterisk');
  });

  it('.dockerignore keeps the data dir (secrets, database), databases anywhere, node_modules, dist and .git out of the images', () => {
    const patterns = repoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.replace(/^\//, '').replace(/\/$/, ''));
    for (const wanted of ['data', 'node_modules', '.git', 'dist', '**/*.sqlite', '**/secrets.json']) expect(patterns, wanted).to.include(wanted);
  });

  it('the app image carries the statement PDF\'s fonts: the build copies the tree, .dockerignore leaves assets/fonts/ in, the final stage takes /app', () => {
    const patterns = repoFile('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    // Docker's patterns as regular expressions: ** any folders, * within one name; a folder excludes what is in it.
    const excludes = (file: string) => patterns.some((p) => {
      const source = p.replace(/^\//, '').replace(/\/$/, '').split('**/').map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('(.*/)?');
      return new RegExp(`^${source}(/.*)?$`).test(file);
    });
    for (const file of ['assets/fonts/DejaVuSans.ttf', 'assets/fonts/DejaVuSans-Bold.ttf', 'assets/fonts/DejaVu-LICENSE.txt']) {
      expect(repoFile(...file.split('/')).length, file).to.be.above(0);
      expect(excludes(file), file).to.equal(false);
    }
    expect(excludes('dist/api/x.js'), 'the check itself').to.equal(true);
    const dockerfile = repoFile('docker', 'app.Dockerfile');
    expect(dockerfile).to.match(/^COPY \. \.$/m);
    expect(finalStage(dockerfile).join('\n')).to.match(/^COPY --from=build \/app \/app$/m);
  });

  it('the Asterisk image starts from Debian sid, as asterisk/build-root.sh does, with the same packages', () => {
    const dockerfile = repoFile('docker', 'asterisk.Dockerfile');
    expect(dockerfile).to.match(/^FROM debian:sid(-slim)?\s*$/m);
    const packages = /^PACKAGES="([^"]+)"/m.exec(repoFile('asterisk', 'build-root.sh'))?.[1]?.split(',') ?? [];
    expect(packages).to.not.be.empty;
    for (const p of packages) expect(dockerfile, p).to.match(new RegExp(`\\s${p}(\\s|$)`, 'm'));
    const languages = /^LANGUAGES="([^"]+)"/m.exec(repoFile('asterisk', 'build-root.sh'))?.[1]?.split(' ') ?? [];
    for (const lang of languages) expect(dockerfile, lang).to.contain(`asterisk-core-sounds-${lang}-gsm`);
  });

  it('the app image runs as a non-root user who owns the data volume', () => {
    const stage = finalStage(repoFile('docker', 'app.Dockerfile'));
    const user = stage.filter((l) => /^USER\s/i.test(l)).at(-1)?.split(/\s+/)[1];
    expect(user).to.be.a('string').and.not.match(/^(root|0)(:|$)/);
    expect(stage.join('\n')).to.match(new RegExp(`-o ${user ?? ''} -g ${user ?? ''} -m 0700 /data`));
    expect(stage.join('\n')).to.match(/^VOLUME \/data$/m);
  });

  it('compose gives the app longer to stop than the drain, so Docker\'s SIGKILL never cuts calls short', () => {
    const grace = serviceValue(app, 'stop_grace_period');
    expect(grace, 'stop_grace_period').to.be.a('string');
    expect(durationSeconds(grace ?? '')).to.be.above(defaultDrainSeconds());
    expect(serviceEnvironment(app), 'a drain set in compose needs the grace period checked against it').to.not.include('TOLLBRIDGE_DRAIN_SECONDS');
  });

  it('compose checks the app\'s health on GET /health of its API port, with node (no curl in the slim image)', () => {
    const test = yamlBlock(app, 'healthcheck', 4).find((l) => l.trim().startsWith('test:')) ?? '';
    expect(test).to.contain('"node"').and.contain('/health').and.contain('TOLLBRIDGE_API_PORT').and.contain('8380');
  });

  it('every variable compose and the app image set is one config/config.ts reads; none is the retired PIN secret', () => {
    const known = configVariables();
    const entrypoint = repoFile('docker', 'asterisk-entrypoint.sh');
    const imageEnv = [...repoFile('docker', 'app.Dockerfile').matchAll(/(TOLLBRIDGE_[A-Z0-9_]+)=/g)].map((m) => m[1] ?? '');
    for (const name of [...serviceEnvironment(app), ...imageEnv]) expect(known, name).to.include(name);
    for (const name of serviceEnvironment(asterisk)) {
      expect(known, name).to.include(name);
      expect(entrypoint, `the Asterisk entrypoint reads ${name}`).to.contain(`\${${name}`);
    }
    expect(serviceEnvironment(app)).to.have.length.above(3);
    expect(compose).to.not.contain('TOLLBRIDGE_PIN_SECRET');
  });

  it('compose keeps the app\'s data, Asterisk\'s spool (recordings in progress) and its log in volumes', () => {
    const volumes = (service: string[]) => yamlBlock(service, 'volumes', 4).map((l) => l.trim().replace(/^- /, ''));
    expect(volumes(app)).to.include('tollbridge-data:/data');
    expect(volumes(asterisk)).to.include.members(['asterisk-spool:/var/spool/asterisk-main', 'asterisk-log:/var/log/asterisk-main']);
  });
});
