// One side of the load bench: an Asterisk the callers dial, whose AMI the bench watches, and
// the processes whose CPU is counted. tollbridge (app + its own Asterisk) or the ConfBridge
// baseline (an Asterisk alone, pure dialplan).
import { diagnosticsAmiUser } from '../asterisk/config-render.js';
import { loadConfig, type AsteriskConfig } from '../config/config.js';
import type { AmiLogin } from './ami-session.js';
import type { BridgeFields } from './join-timeline.js';

export type SideName = 'tollbridge' | 'confbridge';

export interface RunningSide {
  name: SideName;
  sipPort: number;
  ami: AmiLogin;
  asteriskPid: number;
  /** The app's process (tollbridge only). */
  appPid: number | null;
  isConference(bridge: BridgeFields): boolean;
  stop(): Promise<void>;
}

/** Where one side's Asterisk runs: instance name and ports. */
export interface SideEndpoints {
  instance: string;
  sipPort: number;
  ariPort: number;
  amiPort: number;
  rtpStart: number;
  rtpEnd: number;
}

/**
 * Endpoints from `<prefix>_INSTANCE`, `_SIP_PORT`, `_ARI_PORT`, `_AMI_PORT`, `_RTP_START`,
 * `_RTP_END`, each falling back to `defaults`.
 */
export function sideEndpoints(env: NodeJS.ProcessEnv, prefix: string, defaults: SideEndpoints): SideEndpoints {
  const text = (name: string, fallback: string) => env[`${prefix}_${name}`] ?? fallback;
  const num = (name: string, fallback: number) => {
    const raw = env[`${prefix}_${name}`];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${prefix}_${name}: "${raw}" is not a port number`);
    return value;
  };
  return {
    instance: text('INSTANCE', defaults.instance),
    sipPort: num('SIP_PORT', defaults.sipPort),
    ariPort: num('ARI_PORT', defaults.ariPort),
    amiPort: num('AMI_PORT', defaults.amiPort),
    rtpStart: num('RTP_START', defaults.rtpStart),
    rtpEnd: num('RTP_END', defaults.rtpEnd),
  };
}

/** The environment a side's Asterisk (and the tollbridge app) runs with. */
export function sideEnv(ep: SideEndpoints): Record<string, string> {
  return {
    TOLLBRIDGE_ASTERISK_INSTANCE: ep.instance,
    TOLLBRIDGE_SIP_PORT: String(ep.sipPort),
    TOLLBRIDGE_ARI_PORT: String(ep.ariPort),
    TOLLBRIDGE_AMI_PORT: String(ep.amiPort),
    TOLLBRIDGE_RTP_START: String(ep.rtpStart),
    TOLLBRIDGE_RTP_END: String(ep.rtpEnd),
    TOLLBRIDGE_ARI_APP: 'tollbridge',
    TOLLBRIDGE_MANAGE_ASTERISK: 'yes',
    TOLLBRIDGE_CARRIER_IPS: '127.0.0.1',
    // The bench reads DTMF/bridge events and runs Command over AMI with a user of its own
    // (asterisk/config-render.ts diagnosticsAmiSection): rights the app's user lacks.
    TOLLBRIDGE_AMI_DIAGNOSTICS: 'yes',
  };
}

/** `extra`: e.g. the side's TOLLBRIDGE_DATA_DIR, whose secrets file holds its ARI/AMI passwords. */
export function sideAsteriskConfig(ep: SideEndpoints, extra: Record<string, string> = {}): AsteriskConfig {
  return loadConfig({ ...process.env, ...sideEnv(ep), ...extra }).asterisk;
}

/** The bench's own AMI user (diagnostics), not the app's: the app's connection stays as in service. */
export function amiLogin(cfg: AsteriskConfig): AmiLogin {
  return { port: cfg.amiPort, user: diagnosticsAmiUser(cfg.amiUser), password: cfg.amiPassword };
}
