// Sends account e-mail over SMTP (nodemailer). Without an SMTP server configured the message
// is logged (without secrets) instead, so nothing fails for lack of mail.
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { MailConfig } from '../../config/config.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** True when the message went to the SMTP server; false when no server is configured. */
  send(mail: Mail): Promise<boolean>;
}

export function createMailer(config: MailConfig, log: Logger): Mailer {
  if (config.smtpUrl === '') {
    return {
      send: async (mail) => {
        log.info({ to: mail.to, subject: mail.subject }, 'mail not sent: TOLLBRIDGE_SMTP_URL is not set');
        return false;
      },
    };
  }
  const transport = nodemailer.createTransport(config.smtpUrl);
  return {
    send: async (mail) => {
      await transport.sendMail({ from: config.from, to: mail.to, subject: mail.subject, text: mail.text });
      log.info({ to: mail.to, subject: mail.subject }, 'mail sent');
      return true;
    },
  };
}
