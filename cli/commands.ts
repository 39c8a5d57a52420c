// Every `tollbridge` command, in the order `tollbridge --help` lists them.
import type { Command } from './command.js';
import { callCommand } from './call.js';
import { startCommand } from './start.js';

export const commands: Command[] = [startCommand, callCommand];
