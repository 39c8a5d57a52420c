// Asterisk's own rights, and the app's AMI user, against the real test Asterisk: it may listen to what the app uses (CEL,
// hang-up requests) and mute a waiting caller (Setvar, class "call"), and nothing more:
// originating a call over the carrier trunk, running a CLI command, loading a module or changing
// the dialplan is refused. Its password is the installation's generated
// one, not a public default.
import { expect } from 'chai';
import fs from 'node:fs';
import { AmiSession } from '../../bridge/ami-session.js';
import { sharedAsterisk } from '../support/asterisk-fixture.js';
import { silentLog } from '../support/fakes.js';
import { waitFor } from '../support/wait.js';
import type { LocalAsterisk } from '../../asterisk/local-asterisk.js';
import type { AmiEvent } from '../../bridge/ami-session.js';

describe('the app\'s AMI user on a real Asterisk @asterisk', function () {
  this.timeout(120_000);
  let asterisk: LocalAsterisk;
  let ami: AmiSession;

  before(async () => {
    asterisk = await sharedAsterisk();
    const cfg = asterisk.cfg;
    ami = new AmiSession({ host: cfg.host, port: cfg.amiPort, user: cfg.amiUser, password: cfg.amiPassword }, silentLog);
    await ami.start(10_000);
  });

  after(() => ami.close());

  it('logs in with the generated password (no public default) and may Ping', async () => {
    expect(asterisk.cfg.amiPassword).to.not.equal('tollbridge-local');
    expect(asterisk.cfg.ariPassword).to.not.equal('tollbridge-local');
    expect(await ami.action({ action: 'Ping' })).to.include({ response: 'Success' });
  });

  for (const [name, fields] of [
    ['Originate (a call over the carrier trunk)', { action: 'Originate', channel: 'PJSIP/+15550009999@carrier', application: 'Playback', data: 'beep', async: 'true' }],
    ['Command (any CLI command)', { action: 'Command', command: 'core show version' }],
    ['DialplanExtensionAdd', { action: 'DialplanExtensionAdd', context: 'from-carrier', extension: '999', priority: '1', application: 'NoOp' }],
    ['ModuleLoad', { action: 'ModuleLoad', module: 'app_system.so', loadtype: 'load' }],
    ['Filter (needs system rights)', { action: 'Filter', operation: 'Add', filter: 'Event: Newexten' }],
  ] as const) {
    it(`is refused ${name}`, async () => {
      const error = await ami.action({ ...fields }).then(() => null, (err: unknown) => err);
      expect(String(error)).to.match(/Permission denied/i);
    });
  }

  it('may mute a channel (Setvar of MUTEAUDIO, class "call"): refused for a channel that does not exist, not for want of rights', async () => {
    const error = await ami.action({ action: 'Setvar', channel: 'tollbridge-no-such-channel', variable: 'MUTEAUDIO(in)', value: 'off' }).then(() => null, (err: unknown) => err);
    expect(String(error)).to.not.match(/Permission denied/i);
    expect(String(error)).to.match(/channel/i);
  });

  it('Asterisk does not run as root: it dropped to its own user (TOLLBRIDGE_ASTERISK_USER, default asterisk)', () => {
    const pid = asterisk.pid;
    if (pid === undefined) throw new Error('no Asterisk pid');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const uids = (/^Uid:\s+(.*)$/m.exec(status)?.[1] ?? '').split(/\s+/).map(Number);
    expect(asterisk.cfg.runUser).to.equal('asterisk');
    expect(uids, 'real, effective, saved and filesystem uid').to.have.length(4);
    expect(uids.every((uid) => uid !== 0), status.split('\n').slice(0, 10).join('\n')).to.equal(true);
  });

  it('still receives the CEL events the app reconciles with', async () => {
    const heard: AmiEvent[] = [];
    ami.onEvent('CEL', (event) => heard.push(event));
    const auth = 'Basic ' + Buffer.from(`${asterisk.cfg.ariUser}:${asterisk.cfg.ariPassword}`).toString('base64');
    // A Local channel into a context that does not exist: created, then hung up at once; CEL records both.
    const res = await fetch(`${asterisk.ariUrl}/ari/channels?endpoint=Local/1@tollbridge-nowhere&extension=1&context=tollbridge-nowhere`, { method: 'POST', headers: { authorization: auth } });
    expect(res.status).to.be.oneOf([200, 400, 500]);
    await waitFor('a CEL event over AMI', () => heard.some((e) => e.eventname === 'CHAN_START'), { timeoutMs: 10_000 });
  });
});
