// Every `tollbridge` command, in the order `tollbridge --help` lists them.
import type { Command } from './command.js';
import { callCommand } from './call.js';
import { accountCommands } from './manage/accounts.js';
import { numberCommands } from './manage/numbers.js';
import { roomCommands } from './manage/rooms.js';
import { usageCommands } from './manage/usage.js';
import { startCommand } from './start.js';

export const commands: Command[] = [startCommand, ...accountCommands, ...roomCommands, ...numberCommands, ...usageCommands, callCommand];
