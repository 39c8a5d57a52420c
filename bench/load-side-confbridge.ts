// The ConfBridge baseline side of the load bench: a second Asterisk from the same root with
// the project's configuration, the caller path in pure dialplan and app_confbridge
// (bench/confbridge/). Its conference bridge is the one ConfBridge creates for the room.
import { LocalAsterisk } from '../asterisk/local-asterisk.js';
import { baselineConfig } from './confbridge/baseline-config.js';
import { amiLogin, sideAsteriskConfig, type RunningSide, type SideEndpoints } from './load-side.js';
import type { BenchRoom } from './load-plan.js';

export async function startConfBridgeSide(endpoints: SideEndpoints, rooms: readonly BenchRoom[]): Promise<RunningSide> {
  const cfg = sideAsteriskConfig(endpoints);
  const extraConfig = baselineConfig(rooms.map((r) => ({ number: r.number, moderatorPin: r.moderatorPin, participantPin: r.participantPin, onModeratorLeave: 'continue' as const })));
  const asterisk = new LocalAsterisk(cfg, { extraConfig });
  await asterisk.start();
  try {
    const modules = await asterisk.cli('module show like app_confbridge');
    if (!/app_confbridge\.so\s.*Running/.test(modules)) throw new Error(`app_confbridge is not running in instance ${cfg.instance}:\n${modules}`);
    const pid = asterisk.pid;
    if (pid === undefined) throw new Error('the baseline Asterisk has no PID');
    return {
      name: 'confbridge',
      sipPort: cfg.sipPort,
      ami: amiLogin(cfg),
      asteriskPid: pid,
      appPid: null,
      isConference: (bridge) => bridge.creator === 'ConfBridge',
      stop: () => asterisk.stop(),
    };
  } catch (err) {
    await asterisk.stop();
    throw err;
  }
}
