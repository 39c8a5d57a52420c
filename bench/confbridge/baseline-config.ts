// The ConfBridge baseline's Asterisk configuration: the project's own files (same PJSIP
// trunk, RTP, AMI, modules, music on hold) with extensions.conf replaced by the dialplan in
// bench/confbridge/ and confbridge.conf added, the rooms and PINs written into the dialplan.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../config/paths.js';
import { renderTemplate } from '../../asterisk/config-render.js';

export interface BaselineRoom {
  number: string;
  moderatorPin: string;
  participantPin: string;
  onModeratorLeave: 'end' | 'continue' | 'wait';
}

function template(name: string): string {
  return fs.readFileSync(path.join(repoRoot(), 'bench', 'confbridge', name), 'utf8');
}

export function roomsDialplan(rooms: readonly BaselineRoom[]): string {
  return rooms
    .map((room) => {
      for (const value of [room.number, room.moderatorPin, room.participantPin]) {
        if (!/^\d+$/.test(value)) throw new Error(`baseline room fields are digits, not "${value}"`);
      }
      return [
        `exten => ${room.number},1,Set(MODERATOR_PIN=${room.moderatorPin})`,
        ` same => n,Set(PARTICIPANT_PIN=${room.participantPin})`,
        ` same => n,Set(POLICY=${room.onModeratorLeave})`,
        ' same => n,Return()',
      ].join('\n');
    })
    .join('\n');
}

/** Extra config files for LocalAsterisk: file name -> text. */
export function baselineConfig(rooms: readonly BaselineRoom[]): Record<string, string> {
  return {
    'extensions.conf': renderTemplate(template('extensions.conf'), { ROOMS: roomsDialplan(rooms) }, 'bench/confbridge/extensions.conf'),
    'confbridge.conf': template('confbridge.conf'),
  };
}
