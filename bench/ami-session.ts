// One AMI connection of the load bench (asterisk-manager): logs in, narrows what Asterisk sends
// to the event classes and names the bench reads (the filtering happens in Asterisk, so the
// bench's own session costs Asterisk little), hands every event on, and runs CLI commands
// through the Command action, inside Asterisk: no `asterisk -rx` child process whose CPU would
// mix with SIPp's in the bench's children time.
import createManager, { type AmiMessage, type Manager } from 'asterisk-manager';

export type { AmiMessage } from 'asterisk-manager';

export interface AmiLogin {
  port: number;
  user: string;
  password: string;
}

export interface AmiSession {
  onEvent(listener: (event: AmiMessage) => void): void;
  /** Runs an Asterisk CLI command and returns its output lines. */
  command(command: string): Promise<string[]>;
  close(): Promise<void>;
}

/** One header of an AMI message as text ('' when absent). */
export function header(message: AmiMessage, name: string): string {
  const value = message[name.toLowerCase()];
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value[0] ?? '';
  return '';
}

/** asterisk-manager never calls back on a closed socket: an answer not in by then is lost. */
const ACTION_TIMEOUT_MS = 10_000;

function action(ami: Manager, fields: Record<string, string>): Promise<AmiMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`AMI ${fields.action ?? '?'}: no answer in ${ACTION_TIMEOUT_MS} ms`)), ACTION_TIMEOUT_MS);
    ami.action(fields, (err, res) => {
      clearTimeout(timer);
      if (err !== undefined) reject(new Error(`AMI ${fields.action ?? '?'} failed: ${header(err, 'message') || JSON.stringify(err)}`));
      else resolve(res);
    });
  });
}

/**
 * `classes`: AMI event classes (e.g. call,dtmf); `filters`: regular expressions, an event is
 * sent when it matches any of them (AMI's Filter action, whitelist form).
 */
export async function openAmiSession(login: AmiLogin, classes: string, filters: string[]): Promise<AmiSession> {
  const ami = createManager(undefined, '127.0.0.1', login.user, login.password, true);
  const listeners: Array<(event: AmiMessage) => void> = [];
  ami.on('managerevent', (event) => {
    for (const listener of listeners) listener(event);
  });
  await new Promise<void>((resolve, reject) => {
    ami.on('error', (err) => reject(err ?? new Error('AMI connection error')));
    ami.connect(login.port, '127.0.0.1', (err) => {
      if (err !== null) {
        reject(err);
        return;
      }
      ami.login((loginErr) => (loginErr === undefined ? resolve() : reject(new Error(`AMI login on port ${login.port} refused`))));
    });
  });
  await action(ami, { action: 'Events', eventmask: classes });
  for (const filter of filters) await action(ami, { action: 'Filter', operation: 'Add', filter });
  return {
    onEvent: (listener) => listeners.push(listener),
    command: async (command) => {
      const res = await action(ami, { action: 'Command', command });
      const output = res.output;
      if (Array.isArray(output)) return output;
      if (typeof output === 'string') return [output];
      // Older Asterisk: a "Response: Follows" block with the text in `content`.
      const content = res.content;
      return typeof content === 'string' ? content.split('\n') : [];
    },
    // asterisk-manager calls back only if the socket is still open: a connection Asterisk
    // already closed would leave this waiting for ever (and node exiting 13 with nothing to do).
    close: () =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, 2000);
        ami.disconnect(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
