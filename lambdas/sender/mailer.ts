import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { MailHeader } from '../core/domain/list-unsubscribe.js';

export interface OutgoingEmail {
  to: string;
  subject: string;
  html?: string;
  text?: string;
  /** SES message tags (name → value); values must match [A-Za-z0-9_-]. */
  tags: Record<string, string>;
  /** Headers of the mail itself (List-Unsubscribe and List-Unsubscribe-Post). */
  headers?: MailHeader[];
}

export interface Mailer {
  /** Hands the email to SES and returns SES's message id. */
  send(email: OutgoingEmail): Promise<string>;
}

export interface SesMailerOptions {
  from: string;
  replyTo?: string;
  configurationSet?: string;
}

export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESv2Client,
    private readonly options: SesMailerOptions,
  ) {}

  async send(email: OutgoingEmail): Promise<string> {
    const out = await this.ses.send(
      new SendEmailCommand({
        FromEmailAddress: this.options.from,
        ...(this.options.replyTo ? { ReplyToAddresses: [this.options.replyTo] } : {}),
        ...(this.options.configurationSet ? { ConfigurationSetName: this.options.configurationSet } : {}),
        Destination: { ToAddresses: [email.to] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: {
              ...(email.html === undefined ? {} : { Html: { Data: email.html, Charset: 'UTF-8' } }),
              ...(email.text === undefined ? {} : { Text: { Data: email.text, Charset: 'UTF-8' } }),
            },
            ...(email.headers?.length
              ? { Headers: email.headers.map(({ name, value }) => ({ Name: name, Value: value })) }
              : {}),
          },
        },
        EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value })),
      }),
    );
    if (!out.MessageId) throw new Error('SES accepted the email but returned no message id');
    return out.MessageId;
  }
}
