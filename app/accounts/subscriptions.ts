// Unsubscribing, as the CLI and the API both do it: end the subscription (calls in progress
// go on and are billed to their end), then confirm by e-mail with the usage and charges of
// that number so far this period. The mail is sent after the change is committed; a mail
// failure is reported but does not undo the unsubscription.
import type { Logger } from 'pino';
import type { Database, Subscription, UsageFigures, UsageSummary } from '../../db/index.js';
import { formatMoney } from '../../domain/money.js';
import type { Mailer } from './mailer.js';

/** Usage as the API and the e-mail show it: the exact amounts also as text, callbacks apart (absent when none). */
export interface UsageShown extends Omit<UsageSummary, 'callbacks'> {
  amount: string;
  billableMinutes: number;
  callbacks?: UsageFigures & { amount: string };
}

export function usageShown({ callbacks, ...usage }: UsageSummary): UsageShown {
  return {
    ...usage,
    amount: formatMoney(usage.amountMicros, 6),
    billableMinutes: usage.billableSeconds / 60,
    ...(callbacks === undefined ? {} : { callbacks: { ...callbacks, amount: formatMoney(callbacks.amountMicros, 6) } }),
  };
}

export interface Unsubscribed {
  subscription: Subscription;
  usage: UsageShown;
  mailed: boolean;
}

export async function unsubscribe(db: Database, mailer: Mailer, log: Logger, e164: string, accountId: number): Promise<Unsubscribed> {
  const { subscription, usage: summary } = await db.numbers.unsubscribe(e164, accountId);
  const account = await db.accounts.get(accountId);
  const usage = usageShown(summary);
  const callbacks = usage.callbacks;
  let mailed = false;
  try {
    mailed = await mailer.send({
      to: account.email,
      subject: `tollbridge: you unsubscribed from ${subscription.e164}`,
      text: [
        `Hello ${account.name},`,
        '',
        `Your subscription to ${subscription.e164} ended at ${new Date(subscription.endedAt ?? 0).toISOString()}.`,
        `Calls in progress on it continue and are billed to their end; new calls are refused.`,
        '',
        `Usage of ${subscription.e164} in ${usage.period} so far:`,
        `  legs: ${usage.legs}${usage.openLegs > 0 ? ` (${usage.openLegs} still in progress, counted up to now)` : ''}`,
        `  billable minutes: ${usage.billableMinutes}`,
        `  charges: ${usage.amount}`,
        ...(callbacks === undefined ? [] : [`  of which callbacks (calls we placed back to waiting participants): legs ${callbacks.legs}, charges ${callbacks.amount}`]),
        '',
        'The number now rests in quarantine before anyone else can take it.',
      ].join('\n'),
    });
  } catch (err) {
    log.error({ err, accountId }, 'unsubscribe confirmation mail failed');
  }
  return { subscription, usage, mailed };
}
