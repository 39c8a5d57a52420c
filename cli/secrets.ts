// tollbridge secrets rotate-pin-key | path
import { loadConfig } from '../config/config.js';
import { rotatePinKey } from '../config/secrets-file.js';
import type { Command } from './command.js';
import { noExtraPositionals } from './open-db.js';

export const secretCommands: Command[] = [
  {
    path: ['secrets', 'rotate-pin-key'],
    summary: 'operator: add a new PIN key to the secrets file; PINs set from now on are hashed with it, PINs set before keep working with their own key',
    usage: 'secrets rotate-pin-key',
    optionHelp: ['(the secrets file: TOLLBRIDGE_SECRETS_FILE, default <data dir>/secrets.json; copy it to every machine that shares the database)'],
    options: {},
    async run(args, io) {
      noExtraPositionals(args, 0);
      const config = loadConfig();
      const { id, keys } = rotatePinKey(config.secretsFile);
      io.result({ file: config.secretsFile, currentPinKeyId: id, keys }, `PIN key ${id} added to ${config.secretsFile} (${keys} keys); new PINs are hashed with it, existing PINs keep working; running processes pick it up without a restart`);
    },
  },
  {
    path: ['secrets', 'path'],
    summary: 'print where the installation\'s generated secrets are (PIN keys, data key, ARI/AMI passwords, operator token)',
    usage: 'secrets path',
    optionHelp: [],
    options: {},
    async run(args, io) {
      noExtraPositionals(args, 0);
      const config = loadConfig();
      io.result({ file: config.secretsFile }, config.secretsFile);
    },
  },
];
