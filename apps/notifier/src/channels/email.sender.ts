import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { type LookupFunction, isIP } from 'node:net';
import { promisify } from 'node:util';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { EmailChannelDto } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { type SsrfGuard, SsrfRefusedError } from '../http/ssrf-guard';

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
 * SES: nodemailer's SES transport with the AWS SDK v3 SESv2 client (`password` is then the
 * revealed `ses_secret_access_key`).
 */
export async function sendEmail(
  channel: EmailChannelDto,
  password: string | undefined,
  message: EmailMessage,
  guard: SsrfGuard,
  timeoutMs: number,
): Promise<EmailResult> {
  const mail: SendMailOptions = {
    from: channel.from,
    to: channel.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    headers: { 'X-AIRIS-Delivery': message.messageId },
  };
  if (channel.transport === 'ses') return sendSes(channel, password, mail, guard, timeoutMs);
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

/** SES errors that say "later", not "never": throttling, quotas, a paused account, server faults. */
const SES_RETRYABLE = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'SendingPausedException',
  'InternalFailure',
  'ServiceUnavailable',
]);

/**
 * nodemailer's SES transport over the SESv2 client. Every connection the SDK opens goes through
 * the SSRF guard: an IP-literal endpoint is checked before sending, a name inside the agents'
 * `lookup` (every resolved address must pass). The SDK's own retries are off (one attempt): the
 * notifier's schedule retries. An SES 4xx (MessageRejected, an unverified sender, …) is
 * permanent; throttling, 5xx and network errors are retried.
 */
async function sendSes(
  channel: EmailChannelDto,
  secretAccessKey: string | undefined,
  mail: SendMailOptions,
  guard: SsrfGuard,
  timeoutMs: number,
): Promise<EmailResult> {
  if (channel.ses_access_key_id && !secretAccessKey) {
    // Never fall back to the SDK's ambient credential chain when the receiver names a key.
    throw AppError.permanent('ses_credentials_missing', 'ses_access_key_id is set but ses_secret_access_key is empty');
  }
  if (channel.ses_endpoint) {
    const host = new URL(channel.ses_endpoint).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      const verdict = guard.check(host);
      if (!verdict.allowed) throw new SsrfRefusedError(host, host, verdict.reason ?? 'blocked');
    }
  }
  // The guard's lookup takes numeric families only; 'IPv4'/'IPv6' strings fall back to "any".
  const agentOptions = { keepAlive: false, lookup: guard.lookup as unknown as LookupFunction, timeout: timeoutMs };
  const sesClient = new SESv2Client({
    ...(channel.ses_region ? { region: channel.ses_region } : {}),
    ...(channel.ses_endpoint ? { endpoint: channel.ses_endpoint } : {}),
    ...(channel.ses_access_key_id && secretAccessKey
      ? { credentials: { accessKeyId: channel.ses_access_key_id, secretAccessKey } }
      : {}),
    maxAttempts: 1,
    requestHandler: {
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
    },
  });
  try {
    const transport = nodemailer.createTransport({ SES: { sesClient, SendEmailCommand } });
    const info = (await transport.sendMail(mail)) as { response?: string; messageId?: string };
    return { response: info.response ?? info.messageId ?? 'sent', accepted: channel.to, rejected: [] };
  } catch (error) {
    const e = error as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const name = e.name ?? 'Error';
    const clientFault = e.$fault === 'client' && status !== undefined && status >= 400 && status < 500;
    if (clientFault && status !== 429 && !SES_RETRYABLE.has(name)) {
      throw AppError.permanent('ses_rejected', `SES ${status} ${name}: ${e.message ?? ''}`, error);
    }
    throw error;
  } finally {
    sesClient.destroy();
  }
}
