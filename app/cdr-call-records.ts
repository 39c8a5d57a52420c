// CallRecords from the CDR file a local Asterisk writes (sip-config/cdr_custom.conf): a stand-in
// until CallRecords over AMI (CEL/CDR) exists. With no file, or no line for the channel, it
// answers null and the caller of endOf() closes the leg at the moment it noticed.
import fs from 'node:fs';
import path from 'node:path';
import type { CallRecords } from '../flows/ports.js';

export const CDR_FILE = path.join('cdr-custom', 'tollbridge-cdr.csv');

export class CdrFileCallRecords implements CallRecords {
  /** `logDir`: the instance's Asterisk log directory, as seen from this host. */
  constructor(private readonly logDir: string) {}

  async endOf(channelId: string): Promise<number | null> {
    let text: string;
    try {
      text = await fs.promises.readFile(path.join(this.logDir, CDR_FILE), 'utf8');
    } catch {
      return null;
    }
    return endInCdr(text, channelId);
  }
}

/** The latest end among a channel's CDR lines (`uniqueid,answer,end`; a bridged channel has several). */
export function endInCdr(text: string, channelId: string): number | null {
  let end: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${channelId},`)) continue;
    const seconds = Number(line.split(',')[2]);
    if (Number.isFinite(seconds) && seconds > 0) end = Math.max(end ?? 0, Math.round(seconds * 1000));
  }
  return end;
}
