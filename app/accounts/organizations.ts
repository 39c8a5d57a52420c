// Inviting a member to an organization: the invitation is stored (its token hashed) and e-mailed.
// The mail carries only the invitation (single-use, for the invited address's account), never
// the organization's join code: a forwarded invitation lets nobody else in. Shared by the CLI and the API.
import type { Logger } from 'pino';
import type { Database } from '../../db/index.js';
import { maskEmail } from '../../domain/email.js';
import type { Mailer } from './mailer.js';

export async function inviteMember(db: Database, mailer: Mailer, log: Logger, orgId: number, email: string): Promise<{ email: string; joinCode: string; mailed: boolean }> {
  const org = await db.organizations.get(orgId);
  const invite = await db.organizations.invite(orgId, email);
  let mailed = false;
  try {
    mailed = await mailer.send({
      to: invite.email,
      subject: `Join ${org.account.name} on tollbridge`,
      text: [
        `${org.account.name} invites you to its tollbridge organization: calls into your room on its toll-free numbers are billed to it.`,
        '',
        `Signed in to your tollbridge account, open the Organization page and join with this invitation: ${invite.token}`,
        `(over HTTP: POST /v1/accounts/{your id}/organization/join with {"invite":"${invite.token}"}).`,
        `It works once, and only for the account with this e-mail address (${invite.email}).`,
        '',
        'No account yet? Ask for one, then join. You keep your own room and PINs.',
      ].join('\n'),
    });
  } catch (err) {
    log.warn({ err, to: maskEmail(invite.email), organization: orgId }, 'invitation stored but the e-mail was not sent');
  }
  return { email: invite.email, joinCode: invite.joinCode, mailed };
}
