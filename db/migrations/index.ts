// The migrations, imported (not found on disk by knex), so they work the same from dist/ in ESM.
import type { Knex } from 'knex';
import * as initial from './001_initial.js';
import * as apiCredentials from './002_api_credentials.js';
import * as ledgerWriteRate from './003_ledger_write_rate.js';
import * as legEndReason from './004_leg_end_reason.js';
import * as pinGuard from './005_pin_guard.js';
import * as auditLog from './006_audit_log.js';
import * as pinKeyId from './007_pin_key_id.js';
import * as roomsVersion from './008_rooms_version.js';
import * as organizationsPrivacy from './009_organizations_privacy.js';
import * as accountLinks from './010_account_links.js';
import * as encryptedNewEmail from './011_encrypted_new_email.js';
import * as roomAnnouncementsRecordings from './012_room_announcements_recordings.js';
import * as pinLockLift from './013_pin_lock_lift.js';
import * as systemLeases from './014_system_leases.js';
import * as sharedLimits from './015_shared_limits.js';
import * as roomSpendCap from './016_room_spend_cap.js';
import * as legRejoin from './017_leg_rejoin.js';
import * as operatorSessions from './018_operator_sessions.js';
import * as callback from './019_callback.js';

const migrations: Record<string, Knex.Migration> = {
  '001_initial': initial,
  '002_api_credentials': apiCredentials,
  '003_ledger_write_rate': ledgerWriteRate,
  '004_leg_end_reason': legEndReason,
  '005_pin_guard': pinGuard,
  '006_audit_log': auditLog,
  '007_pin_key_id': pinKeyId,
  '008_rooms_version': roomsVersion,
  '009_organizations_privacy': organizationsPrivacy,
  '010_account_links': accountLinks,
  '011_encrypted_new_email': encryptedNewEmail,
  '012_room_announcements_recordings': roomAnnouncementsRecordings,
  '013_pin_lock_lift': pinLockLift,
  '014_system_leases': systemLeases,
  '015_shared_limits': sharedLimits,
  '016_room_spend_cap': roomSpendCap,
  '017_leg_rejoin': legRejoin,
  '018_operator_sessions': operatorSessions,
  '019_callback': callback,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = migrations[name];
    if (migration === undefined) throw new Error(`unknown migration ${name}`);
    return migration;
  },
};
