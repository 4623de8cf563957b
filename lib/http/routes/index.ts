// The route table: every endpoint the library can mount, in the order they are mounted and documented.
import type { RouteDeclaration } from '../route';
import { accountRoute } from './account';
import { apiKeyCreateRoute, apiKeyDeleteByIdRoute, apiKeyDeleteByTextRoute, apiKeyListRoute } from './api-keys';
import { changePasswordRoute } from './change-password';
import { passwordChangeByLoginRoute } from './password-change-by-login';
import { loginRoute } from './login';
import { loginStatusRoute } from './login-status';
import { logoutRoute } from './logout';
import { logoutAllRoute } from './logout-all';
import { passwordForgotRoute } from './password-forgot';
import { passwordResetRoute } from './password-reset';
import {
  passkeyDeleteRoute,
  passkeyListRoute,
  passkeyLoginOptionsRoute,
  passkeyLoginRoute,
  passkeyRegisterOptionsRoute,
  passkeyRegisterRoute,
  passkeyRenameRoute,
} from './passkeys';
import { recoveryCodesRoute } from './recovery-codes';
import { refreshRoute } from './refresh';
import { registerRoute } from './register';
import { registerResendRoute } from './register-resend';
import { registerVerifyRoute } from './register-verify';
import { sessionEndRoute } from './session-end';
import { sessionsRoute } from './sessions';
import { tfaResendByGetRoute, tfaResendRoute } from './tfa-resend';
import { tfaVerifyByQueryRoute, tfaVerifyRawBodyRoute, tfaVerifyRoute } from './tfa-verify';
import { logoutTokenRoute, tokenIssueRoute, tokenRenewRoute } from './token-lifetimes';
import { totpConfirmRoute } from './totp-confirm';
import { totpEnrollRoute } from './totp-enroll';
import { trustedDeviceListRoute, trustedDevicesEndRoute } from './trusted-devices';

// Widened once here: each declaration keeps its own body type inside its file.
type AnyRoute = RouteDeclaration<never>;

/** The routes of each router factory; `createAuthRouter` mounts them all. */
export const routeGroups = {
  authenticate: [
    loginRoute,
    loginStatusRoute,
    tfaVerifyRoute,
    tfaVerifyByQueryRoute,
    tfaVerifyRawBodyRoute,
    tfaResendRoute,
    tfaResendByGetRoute,
    totpEnrollRoute,
    totpConfirmRoute,
    recoveryCodesRoute,
    passkeyLoginOptionsRoute,
    passkeyLoginRoute,
    passkeyRegisterOptionsRoute,
    passkeyRegisterRoute,
    passkeyListRoute,
    passkeyRenameRoute,
    passkeyDeleteRoute,
  ],
  account: [
    accountRoute,
    changePasswordRoute,
    passwordForgotRoute,
    passwordResetRoute,
    passwordChangeByLoginRoute,
    registerRoute,
    registerVerifyRoute,
    registerResendRoute,
  ],
  refresh: [
    refreshRoute,
    logoutRoute,
    logoutAllRoute,
    sessionsRoute,
    sessionEndRoute,
    logoutTokenRoute,
    tokenRenewRoute,
    tokenIssueRoute,
    trustedDeviceListRoute,
    trustedDevicesEndRoute,
  ],
  authHeader: [apiKeyCreateRoute, apiKeyListRoute, apiKeyDeleteByTextRoute, apiKeyDeleteByIdRoute],
} as unknown as Record<'authenticate' | 'account' | 'refresh' | 'authHeader', readonly AnyRoute[]>;

export const allRoutes: readonly AnyRoute[] = Object.values(routeGroups).flat();
