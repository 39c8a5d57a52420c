// The Organization page, through the API's organization routes as the signed-in visitor: an
// administrator sees the members with their usage, invites by e-mail, shows or replaces the join
// code, removes members (after a confirmation showing their usage) and reads the statement by
// member; a member sees their organization and may leave it; anyone else may join one.
import { HttpError, type Reply, type Request } from '../api/http.js';
import type { Member, MemberUsage, Organization, Statement, Subscription } from '../db/index.js';
import { page } from './layout.js';
import { adminView, joinView, leaveView, memberView, removeMemberView, type MemberWithUsage } from './organization-views.js';
import type { PageKit, Visitor } from './page-kit.js';
import { periodOfQuery, recentPeriods } from './periods.js';

const INVITATION_PREFIX = 'tb_i_';

export function registerOrganizationPages(kit: PageKit): void {
  const { add, call, must, signedInPage, orShow, frame, htmlReply, redirect, formOf, base, now } = kit;
  const isAdministrator = (v: Visitor) => v.account.kind === 'organization';
  const memberIdOf = (req: Request) => {
    const raw = req.params.memberId ?? '';
    if (!/^[1-9]\d{0,14}$/.test(raw)) throw new HttpError(404, 'NotFound', 'no such member');
    return raw;
  };

  const adminPage = async (req: Request, v: Visitor, error?: string): Promise<Reply> => {
    const period = periodOfQuery(req.query.get('period'), now());
    const org = await must(call<Organization>(req, 'GET', `${base(v)}/organization`, v.token));
    const members: MemberWithUsage[] = [];
    for (const member of org.members) {
      members.push({ member, usage: await must(call<MemberUsage>(req, 'GET', `${base(v)}/organization/members/${member.accountId}/usage`, v.token)) });
    }
    const subscriptions = await must(call<Subscription[]>(req, 'GET', `${base(v)}/subscriptions?limit=500`, v.token));
    const statement = await must(call<Statement>(req, 'GET', `${base(v)}/statements/${period}`, v.token));
    const body = adminView(v.csrf, org, members, subscriptions.filter((s) => s.endedAt === null), statement, recentPeriods(now(), 12));
    return htmlReply(page(frame(v, req, org.account.name, error === undefined ? {} : { error }), body), error === undefined ? 200 : 400);
  };
  const personalPage = (req: Request, v: Visitor, error?: string): Reply => {
    const body = v.organization === null ? joinView(v.csrf) : memberView(v.organization);
    return htmlReply(page(frame(v, req, 'Organization', error === undefined ? {} : { error }), body), error === undefined ? 200 : 400);
  };
  const organizationPage = async (req: Request, v: Visitor, error?: string) => (isAdministrator(v) ? adminPage(req, v, error) : personalPage(req, v, error));
  /** An administrator's page or form; anyone else is refused as the API would refuse them. */
  const administratorOnly = (handler: (req: Request, v: Visitor) => Promise<Reply>) => signedInPage(async (req, v) => {
    if (!isAdministrator(v)) throw new HttpError(403, 'Forbidden', 'only an organization\'s administrator may do this');
    return handler(req, v);
  });

  add('GET', '/app/organization', signedInPage(async (req, v) => organizationPage(req, v)));

  // --- the administrator -------------------------------------------------------------------
  add('POST', '/app/organization/invite', administratorOnly(async (req, v) => orShow(async () => {
    const sent = await must(call<{ mailed: boolean }>(req, 'POST', `${base(v)}/organization/invites`, v.token, { email: formOf(req).email ?? '' }));
    return redirect(`/app/organization?done=${sent.mailed ? 'invited' : 'invitestored'}`);
  }, async (message) => adminPage(req, v, message))), 'form');
  add('POST', '/app/organization/join-code', administratorOnly(async (req, v) => {
    await must(call(req, 'POST', `${base(v)}/organization/join-code`, v.token));
    return redirect('/app/organization?done=newcode');
  }), 'form');
  /** The member named in the path, among the administrator's current members (else 403, as the API says). */
  const currentMember = async (req: Request, v: Visitor): Promise<Member> => {
    const id = Number(memberIdOf(req));
    const members = await must(call<Member[]>(req, 'GET', `${base(v)}/organization/members`, v.token));
    const member = members.find((m) => m.accountId === id);
    if (member === undefined) throw new HttpError(403, 'Forbidden', 'an administrator reaches only the members of their own organization');
    return member;
  };
  // Removing is two steps: the member's usage this month, then the confirmation.
  add('GET', '/app/organization/members/:memberId/remove', administratorOnly(async (req, v) => {
    const member = await currentMember(req, v);
    const usage = await must(call<MemberUsage>(req, 'GET', `${base(v)}/organization/members/${member.accountId}/usage`, v.token));
    return htmlReply(page(frame(v, req, `Remove ${member.name}?`), removeMemberView(v.csrf, member, usage)));
  }));
  add('POST', '/app/organization/members/:memberId/remove', administratorOnly(async (req, v) => orShow(async () => {
    await must(call(req, 'DELETE', `${base(v)}/organization/members/${memberIdOf(req)}`, v.token));
    return redirect('/app/organization?done=removed');
  }, async (message) => adminPage(req, v, message))), 'form');

  // --- a personal account: join, or leave ----------------------------------------------------
  add('POST', '/app/organization/join', signedInPage(async (req, v) => {
    const given = (formOf(req).code ?? '').trim().slice(0, 100);
    // The e-mailed invitation and the join code go in the same field: the invitation has a prefix.
    const body = given.startsWith(INVITATION_PREFIX) ? { invite: given } : { code: given };
    return orShow(async () => {
      await must(call(req, 'POST', `${base(v)}/organization/join`, v.token, body));
      return redirect('/app/organization?done=joined');
    }, async (message) => organizationPage(req, v, message));
  }), 'form');
  add('GET', '/app/organization/leave', signedInPage(async (req, v) => {
    if (v.organization === null) return redirect('/app/organization');
    return htmlReply(page(frame(v, req, `Leave ${v.organization.name}?`), leaveView(v.csrf, v.organization)));
  }));
  add('POST', '/app/organization/leave', signedInPage(async (req, v) => orShow(async () => {
    await must(call(req, 'DELETE', `${base(v)}/organization`, v.token));
    return redirect('/app/organization?done=left');
  }, async (message) => organizationPage(req, v, message))), 'form');
}
