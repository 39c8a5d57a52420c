// Renders the project's Asterisk configuration (sip-config/*.conf, dialplan/*.conf) for one
// instance: @@NAME@@ placeholders become values from AsteriskConfig. The same files serve a
// production Asterisk (docker/asterisk renders them with the same names).
import fs from 'node:fs';
import path from 'node:path';
import type { AsteriskConfig } from '../config/config.js';
import { repoRoot } from '../config/paths.js';

/**
 * AMI rights of the app's user (sip-config/manager.conf): it reads CEL, hang-up requests and
 * talk detection (class "call") and the keys callers press (class "dtmf"), and writes "call" for
 * one action, Setvar of MUTEAUDIO(in): the moderator's arrival unmutes every waiting caller in
 * one burst (bridge/waiting-mutes.ts). "call" also hangs up, redirects and bridges channels,
 * which the app's ARI user can do already; it cannot originate, run commands, load modules or
 * change the dialplan ("originate", "command", "system"), and Asterisk refuses dangerous
 * functions (SHELL, FILE) from AMI. AMI's Filter action would need "system": the events are
 * filtered in manager.conf instead.
 */
export function amiRights(): { read: string; write: string; eventFilters: string } {
  return { read: 'call,dtmf', write: 'call', eventFilters: AMI_APP_EVENTS.map((name) => `eventfilter = Event: ${name}`).join('\n') };
}

/** The user the load bench logs in as (TOLLBRIDGE_AMI_DIAGNOSTICS): `<app's AMI user>-diagnostics`. */
export function diagnosticsAmiUser(amiUser: string): string {
  return `${amiUser}-diagnostics`;
}

/**
 * Diagnostics (TOLLBRIDGE_AMI_DIAGNOSTICS, the load bench only): a second AMI user, same
 * password, that reads every event and may run Command/Filter (still no originate). A user of
 * its own, so the app's connection keeps its filtered events and the bench measures the app as
 * it runs in service.
 */
export function diagnosticsAmiSection(cfg: Pick<AsteriskConfig, 'amiDiagnostics' | 'amiUser' | 'amiPassword'>): string {
  if (!cfg.amiDiagnostics) return '';
  return [
    `[${diagnosticsAmiUser(cfg.amiUser)}]`,
    `secret = ${cfg.amiPassword}`,
    'deny = 0.0.0.0/0.0.0.0',
    'permit = 127.0.0.1/255.255.255.255',
    'read = system,call,log,verbose,command,agent,user,config,dtmf,reporting,cdr,dialplan',
    'write = system,command,reporting',
  ].join('\n');
}

/**
 * The AMI events the app listens to (bridge/hangup-requests.ts, reconcile/call-records.ts, and
 * bridge/in-room-events.ts: keys pressed in a room, class "dtmf", and talk detection, "call").
 */
export const AMI_APP_EVENTS = ['CEL', 'SoftHangupRequest', 'HangupRequest', 'DTMFEnd', 'ChannelTalkingStart', 'ChannelTalkingStop'];

export function placeholderValues(cfg: AsteriskConfig): Record<string, string> {
  const rights = amiRights();
  return {
    INSTANCE: cfg.instance,
    SIP_PORT: String(cfg.sipPort),
    ARI_PORT: String(cfg.ariPort),
    AMI_PORT: String(cfg.amiPort),
    RTP_START: String(cfg.rtpStart),
    RTP_END: String(cfg.rtpEnd),
    ARI_USER: cfg.ariUser,
    ARI_PASSWORD: cfg.ariPassword,
    AMI_USER: cfg.amiUser,
    AMI_PASSWORD: cfg.amiPassword,
    AMI_READ: rights.read,
    AMI_WRITE: rights.write,
    AMI_EVENT_FILTERS: rights.eventFilters,
    AMI_DIAGNOSTICS_USER: diagnosticsAmiSection(cfg),
    ARI_APP: cfg.ariApp,
    SYSTEMNAME: cfg.systemName,
    RUN_USER: cfg.runUser,
    RUN_GROUP: cfg.runUser,
    CARRIER_MATCH_LINES: cfg.carrierIps.map((ip) => `match = ${ip}`).join('\n'),
    RTP_TIMEOUT: String(cfg.rtpTimeoutS),
    RTP_HOLD_TIMEOUT: String(cfg.rtpHoldTimeoutS),
    SESSION_TIMERS: cfg.sessionTimers,
    SESSION_EXPIRES: String(cfg.sessionExpiresS),
    CALLBACK_TRUNK_SECTION: callbackTrunkSection(cfg),
  };
}

/**
 * The outbound trunk callbacks are dialled through (`PJSIP/<number>@callback-trunk`): the same
 * media and dead-leg rules as the carrier's inbound trunk. Not rendered when no trunk is set.
 */
function callbackTrunkSection(cfg: AsteriskConfig): string {
  if (cfg.callbackTrunk === null) return '; no callback trunk (TOLLBRIDGE_CALLBACK_TRUNK is empty): callbacks are off';
  return [
    '; tollbridge: the outbound trunk that calls waiting participants back (TOLLBRIDGE_CALLBACK_TRUNK).',
    '[callback-trunk]',
    'type = aor',
    `contact = sip:${cfg.callbackTrunk}`,
    '',
    '[callback-trunk]',
    'type = endpoint',
    'transport = transport-udp',
    'context = from-carrier',
    'aors = callback-trunk',
    'disallow = all',
    'allow = ulaw,alaw',
    'dtmf_mode = rfc4733',
    'direct_media = no',
    'rtp_symmetric = yes',
    'force_rport = yes',
    'rewrite_contact = yes',
    `rtp_timeout = ${cfg.rtpTimeoutS}`,
    `rtp_timeout_hold = ${cfg.rtpHoldTimeoutS}`,
    'send_pai = no',
  ].join('\n');
}

export function renderTemplate(template: string, values: Record<string, string>, source: string): string {
  return template.replace(/@@([A-Z_]+)@@/g, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${source}: unknown placeholder @@${name}@@`);
    return value;
  });
}

/** Every config file Asterisk reads, as [file name, rendered text]. */
export function renderAsteriskConfig(cfg: AsteriskConfig): Array<[string, string]> {
  const values = placeholderValues(cfg);
  const out: Array<[string, string]> = [];
  for (const dir of ['sip-config', 'dialplan']) {
    const full = path.join(repoRoot(), dir);
    for (const name of fs.readdirSync(full).filter((f) => f.endsWith('.conf')).sort()) {
      const source = path.join(dir, name);
      out.push([name, renderTemplate(fs.readFileSync(path.join(full, name), 'utf8'), values, source)]);
    }
  }
  return out;
}
