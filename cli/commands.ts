// Every `tollbridge` command, in the order `tollbridge --help` lists them.
import type { Command } from './command.js';
import { accountCommands } from './accounts.js';
import { apiCommand } from './api.js';
import { auditCommand } from './audit.js';
import { callCommand } from './call.js';
import { configCommand } from './config.js';
import { ledgerCommands } from './ledger.js';
import { numberCommands } from './numbers.js';
import { organizationCommands } from './organizations.js';
import { privacyCommands } from './privacy.js';
import { pinCommands } from './pins.js';
import { pinLockCommands } from './pin-lock.js';
import { rateCommands } from './rates.js';
import { roomCommands } from './rooms.js';
import { secretCommands } from './secrets.js';
import { startCommand } from './start.js';
import { usageCommands } from './usage.js';

export const commands: Command[] = [startCommand, apiCommand, ...accountCommands, ...privacyCommands, ...organizationCommands, ...roomCommands, ...pinCommands, ...pinLockCommands, ...numberCommands, ...rateCommands, ...usageCommands, ...ledgerCommands, auditCommand, ...secretCommands, configCommand, callCommand];
