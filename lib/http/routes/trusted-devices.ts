// GET and DELETE trusted devices: the caller's browsers that skip the second factor, and ending all of them.
import { listTrustedDevices, untrustAllDevices } from '../../core/trusted-devices';
import { defineRoute } from '../route';
import { accessToken } from '../credentials';
import { trustedDeviceCookie } from '../trusted-device-cookie';
import { answer } from '../reply';

export const trustedDeviceListRoute = defineRoute({
  path: 'trustedDevices',
  method: 'get',
  operationId: 'listTrustedDevices',
  summary: "List the caller's trusted devices",
  description:
    "The caller's trusted devices (browsers that skip the second factor at login), newest first; the caller's own is marked.",
  tag: 'sessions',
  credential: accessToken(),
  mountedWhen: (edge) => edge.settings.trustedDevices !== false,
  answers: ['trustedDeviceList'],
  errors: [401, 503],
  async handle(edge, { req, auth }) {
    return answer(
      edge,
      req,
      'trustedDeviceList',
      await listTrustedDevices(edge.core, auth.userId, trustedDeviceCookie(edge, req)),
    );
  },
});

export const trustedDevicesEndRoute = defineRoute({
  path: 'trustedDevices',
  method: 'delete',
  operationId: 'endTrustedDevices',
  summary: 'Forget every trusted device',
  description:
    'Ends every trusted device of the caller: the next login from any browser asks for the second factor again.',
  tag: 'sessions',
  credential: accessToken(),
  mountedWhen: (edge) => edge.settings.trustedDevices !== false,
  answers: ['trustedDevicesEnded'],
  errors: [401, 503],
  async handle(edge, { req, auth }) {
    await untrustAllDevices(edge.core, auth.userId, { always: true });
    return answer(edge, req, 'trustedDevicesEnded', undefined);
  },
});
