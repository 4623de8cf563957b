// The default subjects and bodies of NodemailerMailer's mails, one text and one HTML version per kind. Every value
// interpolated into HTML goes through escapeHtml: a display name or a login is the user's own text.
import type {
  PasswordResetCompletedMail,
  PasswordResetMail,
  RecoveryCodeUsedMail,
  RegistrationNoticeMail,
  SecondFactorMail,
  VerificationMail,
} from './types';

/** The subject and bodies of one kind of mail; each part left out keeps its default. */
export interface MailTemplate<M> {
  subject?: string;
  text?: (mail: M) => string;
  /** Escape what you interpolate. */
  html?: (mail: M) => string;
}

/** The templates a NodemailerMailer takes besides the second-factor mail's, by option name. */
export interface MailTemplates {
  resetLink: MailTemplate<PasswordResetMail>;
  recoveryCodeUsed: MailTemplate<RecoveryCodeUsedMail>;
  resetCompleted: MailTemplate<PasswordResetCompletedMail>;
  verificationLink: MailTemplate<VerificationMail>;
  registrationNotice: MailTemplate<RegistrationNoticeMail>;
}

/** The option names of {@link MailTemplates}, in the order their options are checked. */
export const TEMPLATE_NAMES = [
  'resetLink',
  'recoveryCodeUsed',
  'resetCompleted',
  'verificationLink',
  'registrationNotice',
] as const;

export const DEFAULT_SUBJECT = 'Your verification code';

/** The default of every part of every {@link MailTemplates} template. */
export const DEFAULT_TEMPLATES: { [K in keyof MailTemplates]: Required<MailTemplates[K]> } = {
  resetLink: { subject: 'Reset your password', text: resetText, html: resetHtml },
  recoveryCodeUsed: { subject: 'A recovery code was used', text: recoveryNoticeText, html: recoveryNoticeHtml },
  resetCompleted: { subject: 'Your password was reset', text: resetCompletedText, html: resetCompletedHtml },
  verificationLink: { subject: 'Confirm your email address', text: verificationText, html: verificationHtml },
  registrationNotice: {
    subject: 'Someone tried to sign up with your address',
    text: registrationNoticeText,
    html: registrationNoticeHtml,
  },
};

/** "5 minutes", "1 minute", "90 seconds": whole minutes when it divides evenly, seconds otherwise. */
function describeLifetime(seconds: number): string {
  // Past an hour, in hours (a sign-up link's day reads "24 hours"); up to it, in minutes as before.
  if (seconds > 3600 && seconds % 3600 === 0) return `${seconds / 3600} hours`;
  if (seconds >= 60 && seconds % 60 === 0) {
    const minutes = seconds / 60;
    return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  }
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

export function defaultText(mail: SecondFactorMail): string {
  // The code sits alone on its own line so people (and tests) can pick it out even if a name holds digits.
  return [
    `Hello ${mail.displayName},`,
    '',
    'Your verification code is:',
    '',
    mail.code,
    '',
    `It expires in ${describeLifetime(mail.expiresInSeconds)}.`,
    '',
    `It was requested to sign in as "${mail.login}". If that was not you, do not share the code with anyone,`,
    'and change your password.',
    '',
  ].join('\n');
}

export function defaultHtml(mail: SecondFactorMail): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    '<p>Your verification code is:</p>',
    `<p style="font-size:24px;font-weight:bold;letter-spacing:4px">${escapeHtml(mail.code)}</p>`,
    `<p>It expires in ${escapeHtml(describeLifetime(mail.expiresInSeconds))}.</p>`,
    `<p>It was requested to sign in as &quot;${escapeHtml(mail.login)}&quot;. If that was not you, do not share ` +
      'the code with anyone, and change your password.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function resetText(mail: PasswordResetMail): string {
  // The link sits alone on its own line so mail clients (and tests) can pick it out.
  return [
    `Hello ${mail.displayName},`,
    '',
    `Someone asked to reset the password of "${mail.login}". To choose a new password, open this link:`,
    '',
    mail.url,
    '',
    `It works once, for ${describeLifetime(mail.expiresInSeconds)}. If you did not ask for it, ignore this mail: your`,
    'password stays as it is.',
    '',
  ].join('\n');
}

function resetHtml(mail: PasswordResetMail): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    `<p>Someone asked to reset the password of &quot;${escapeHtml(mail.login)}&quot;. To choose a new password, open this link:</p>`,
    `<p><a href="${escapeHtml(mail.url)}">${escapeHtml(mail.url)}</a></p>`,
    `<p>It works once, for ${escapeHtml(describeLifetime(mail.expiresInSeconds))}. If you did not ask for it, ignore this mail: your password stays as it is.</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

function verificationText(mail: VerificationMail): string {
  // The link sits alone on its own line so mail clients (and tests) can pick it out.
  return [
    `Hello ${mail.displayName},`,
    '',
    `An account "${mail.login}" was created with this address. To confirm the address and start using it, open this link:`,
    '',
    mail.url,
    '',
    `It works once, for ${describeLifetime(mail.expiresInSeconds)}. If you did not sign up, ignore this mail: the account`,
    'stays unusable.',
    '',
  ].join('\n');
}

function verificationHtml(mail: VerificationMail): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    `<p>An account &quot;${escapeHtml(mail.login)}&quot; was created with this address. To confirm the address and start using it, open this link:</p>`,
    `<p><a href="${escapeHtml(mail.url)}">${escapeHtml(mail.url)}</a></p>`,
    `<p>It works once, for ${escapeHtml(describeLifetime(mail.expiresInSeconds))}. If you did not sign up, ignore this mail: the account stays unusable.</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

function registrationNoticeText(mail: RegistrationNoticeMail): string {
  return [
    `Hello ${mail.displayName},`,
    '',
    `Someone tried to create a new account with this address, which already belongs to "${mail.login}". Nothing was`,
    'changed. If it was you, sign in as that account instead (or reset its password). If not, ignore this mail.',
    '',
  ].join('\n');
}

function registrationNoticeHtml(mail: RegistrationNoticeMail): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    `<p>Someone tried to create a new account with this address, which already belongs to &quot;${escapeHtml(mail.login)}&quot;. Nothing was changed.</p>`,
    '<p>If it was you, sign in as that account instead (or reset its password). If not, ignore this mail.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function recoveryNoticeText(mail: RecoveryCodeUsedMail): string {
  return [
    `Hello ${mail.displayName},`,
    '',
    `A recovery code of "${mail.login}" was just used; ${mail.remaining} unused code${mail.remaining === 1 ? '' : 's'} remain.`,
    'If that was not you, change your password and generate new recovery codes.',
    '',
  ].join('\n');
}

function recoveryNoticeHtml(mail: RecoveryCodeUsedMail): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    `<p>A recovery code of &quot;${escapeHtml(mail.login)}&quot; was just used; ${mail.remaining} unused code${mail.remaining === 1 ? '' : 's'} remain.</p>`,
    '<p>If that was not you, change your password and generate new recovery codes.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function resetCompletedText(mail: PasswordResetCompletedMail): string {
  const keys = mail.revokedApiKeys;
  return [
    `Hello ${mail.displayName},`,
    '',
    `The password of "${mail.login}" was just reset, and every session was signed out.`,
    ...(keys.length > 0
      ? [
          '',
          `These API keys were revoked: ${keys.map((name) => `"${name}"`).join(', ')}. Create new ones where you still need them.`,
        ]
      : []),
    '',
    'If that was not you, reset your password again at once and contact us.',
    '',
  ].join('\n');
}

function resetCompletedHtml(mail: PasswordResetCompletedMail): string {
  const keys = mail.revokedApiKeys;
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    `<p>The password of &quot;${escapeHtml(mail.login)}&quot; was just reset, and every session was signed out.</p>`,
    ...(keys.length > 0
      ? [
          `<p>These API keys were revoked:</p><ul>${keys.map((name) => `<li>${escapeHtml(name)}</li>`).join('')}</ul><p>Create new ones where you still need them.</p>`,
        ]
      : []),
    '<p>If that was not you, reset your password again at once and contact us.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
