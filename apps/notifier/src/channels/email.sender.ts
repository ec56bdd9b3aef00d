import { promisify } from 'node:util';
import type { EmailChannelDto } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import nodemailer from 'nodemailer';
import type { SsrfGuard } from '../http/ssrf-guard';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

export interface EmailResult {
  response: string;
  accepted: string[];
  rejected: string[];
}

/** SMTP error with the server's reply code: 5xx is permanent, 4xx and network errors are retried. */
export class SmtpFailure extends Error {
  constructor(
    message: string,
    readonly responseCode: number | undefined,
  ) {
    super(message);
    this.name = 'SmtpFailure';
  }
}

/**
 * Sends a notification email with nodemailer. SMTP: the host is resolved once through the SSRF
 * guard and the connection goes to that checked address (TLS still verifies the host name).
 * SES: nodemailer's SES transport with the AWS SDK v3 SESv2 client, when that package is present.
 */
export async function sendEmail(
  channel: EmailChannelDto,
  password: string | undefined,
  message: EmailMessage,
  guard: SsrfGuard,
  timeoutMs: number,
): Promise<EmailResult> {
  const mail = {
    from: channel.from,
    to: channel.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    headers: { 'X-AIRIS-Delivery': message.messageId },
  };
  if (channel.transport === 'ses') {
    let sdk: { SESv2Client: new (o: object) => unknown; SendEmailCommand: new (i: unknown) => unknown };
    try {
      const name: string = '@aws-sdk/client-sesv2';
      sdk = (await import(name)) as typeof sdk;
    } catch {
      throw AppError.permanent('ses_sdk_missing', 'the SES transport needs the @aws-sdk/client-sesv2 package');
    }
    const sesClient = new sdk.SESv2Client({ region: channel.ses_region }) as { send(c: unknown): Promise<unknown> };
    const transport = nodemailer.createTransport({ SES: { sesClient, SendEmailCommand: sdk.SendEmailCommand } });
    const info = (await transport.sendMail(mail)) as { response?: string; messageId?: string };
    return { response: info.response ?? info.messageId ?? 'sent', accepted: channel.to, rejected: [] };
  }
  const smtp = channel.smtp;
  if (!smtp) throw AppError.permanent('smtp_missing', 'email channel without smtp settings');
  const lookup = promisify((host: string, cb: (e: Error | null, a: string) => void) =>
    guard.lookup(host, {}, (err, address) => cb(err, address as string)),
  );
  const address = await lookup(smtp.host);
  const transport = nodemailer.createTransport({
    host: address,
    port: smtp.port,
    secure: smtp.secure ?? smtp.port === 465,
    requireTLS: smtp.require_tls ?? false,
    name: 'airis-mon',
    tls: { servername: smtp.host },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    ...(smtp.username ? { auth: { user: smtp.username, pass: password ?? '' } } : {}),
  });
  try {
    const info = await transport.sendMail(mail);
    return {
      response: String(info.response ?? ''),
      accepted: (info.accepted ?? []).map(String),
      rejected: (info.rejected ?? []).map(String),
    };
  } catch (error) {
    const e = error as { message: string; responseCode?: number };
    throw new SmtpFailure(e.message, e.responseCode);
  } finally {
    transport.close();
  }
}
