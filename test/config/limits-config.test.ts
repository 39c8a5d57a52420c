// The limits' variables: defaults, 0 as off where that makes sense, refusals naming the
// variable, and their place in the rendered pjsip.conf.
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../config/config.js';
import { renderAsteriskConfig } from '../../asterisk/config-render.js';

const pjsip = (env: Record<string, string>) => renderAsteriskConfig(loadConfig(env).asterisk).find(([name]) => name === 'pjsip.conf')?.[1] ?? '';

describe('configuration: limits', () => {
  it('defaults: RTP timeout 60 s (600 s on SIP hold), session timers when the carrier supports them, 1800 s; app limits 30 min / 10 min / 4 h / 5 s', () => {
    const cfg = loadConfig({});
    expect(cfg.asterisk).to.include({ rtpTimeoutS: 60, rtpHoldTimeoutS: 600, sessionTimers: 'yes', sessionExpiresS: 1800 });
    expect(cfg.limits).to.deep.equal({ moderatorWaitMs: 1_800_000, aloneMs: 600_000, maxLegMs: 14_400_000, placementMs: 5_000 });
    const conf = pjsip({});
    for (const line of ['rtp_timeout = 60', 'rtp_timeout_hold = 600', 'timers = yes', 'timers_sess_expires = 1800']) expect(conf).to.include(line);
  });

  it('reads every variable; 0 turns a limit off', () => {
    const cfg = loadConfig({
      TOLLBRIDGE_RTP_TIMEOUT_S: '0',
      TOLLBRIDGE_RTP_HOLD_TIMEOUT_S: '120',
      TOLLBRIDGE_SESSION_TIMERS: 'forced',
      TOLLBRIDGE_SESSION_EXPIRES_S: '90',
      TOLLBRIDGE_MAX_MODERATOR_WAIT_S: '0',
      TOLLBRIDGE_MAX_ALONE_S: '45',
      TOLLBRIDGE_MAX_LEG_S: '7200',
      TOLLBRIDGE_PLACEMENT_TIMEOUT_S: '3',
    });
    expect(cfg.asterisk).to.include({ rtpTimeoutS: 0, rtpHoldTimeoutS: 120, sessionTimers: 'forced', sessionExpiresS: 90 });
    expect(cfg.limits).to.deep.equal({ moderatorWaitMs: 0, aloneMs: 45_000, maxLegMs: 7_200_000, placementMs: 3_000 });
    expect(pjsip({ TOLLBRIDGE_SESSION_TIMERS: 'no', TOLLBRIDGE_RTP_TIMEOUT_S: '30' })).to.include('timers = no').and.include('rtp_timeout = 30');
  });

  const bad: Array<[string, string]> = [
    ['TOLLBRIDGE_RTP_TIMEOUT_S', '-5'],
    ['TOLLBRIDGE_RTP_TIMEOUT_S', '1.5'],
    ['TOLLBRIDGE_SESSION_TIMERS', 'always'],
    ['TOLLBRIDGE_SESSION_EXPIRES_S', '30'],
    ['TOLLBRIDGE_SESSION_EXPIRES_S', '0'],
    ['TOLLBRIDGE_MAX_MODERATOR_WAIT_S', 'an hour'],
    ['TOLLBRIDGE_MAX_ALONE_S', '9999999'],
    ['TOLLBRIDGE_MAX_LEG_S', '-1'],
    ['TOLLBRIDGE_PLACEMENT_TIMEOUT_S', '0'],
    ['TOLLBRIDGE_PLACEMENT_TIMEOUT_S', '600'],
  ];
  for (const [variable, value] of bad) {
    it(`refuses ${variable}=${value} with a message naming it`, () => {
      expect(() => loadConfig({ [variable]: value })).to.throw(ConfigError, variable);
    });
  }
});
