// API-key management (bfore.ai's "auth headers"): create, list, delete; only for a real login, never with a key.
import { Router } from 'express';
import type { AuthContext } from '../flows/context';
import { createApiKey, deleteApiKeyById, deleteApiKeyByText, listApiKeys, MAX_API_KEY_LENGTH } from '../flows/api-keys';
import { createGuard } from '../guard/require-auth';
import { currentUser } from './current-user';
import {
  authErrorHandler,
  authResponseHeaders,
  jsonBody,
  parseJsonBody,
  positiveIntegerField,
  route,
  sendReply,
  stringArrayField,
  stringField,
} from './http';

const TEN_YEARS_SECONDS = 10 * 365 * 86400;

export function buildAuthHeaderRouter(context: AuthContext): Router {
  const { config } = context;
  const { preset } = config;
  const routes = preset.routes;
  const router = Router();
  const headers = authResponseHeaders(config.clock);
  // Keys are managed with a login's access token only: a leaked key must not mint, list or delete keys. Every route
  // loads the user fresh (currentUser), so a disabled user's still-unexpired token manages no keys either.
  const tokenGuard = createGuard(context, { allowApiKeys: false });

  if (routes.apiKeyCreate) {
    router.post(
      routes.apiKeyCreate,
      headers,
      tokenGuard,
      parseJsonBody,
      route(async (req, res) => {
        const body = jsonBody(req);
        // Only these fields are read: an `owner` or `userId` in the body cannot choose whose key this is.
        const created = await createApiKey(context, await currentUser(context, req), {
          name: stringField(body, 'name', true, 100),
          expiresInSeconds: positiveIntegerField(body, 'expiresIn', TEN_YEARS_SECONDS),
          roles: stringArrayField(body, 'roles'),
        });
        sendReply(res, preset.apiKeyCreated(created));
      }),
    );
  }

  if (routes.apiKeyList) {
    router.get(
      routes.apiKeyList,
      headers,
      tokenGuard,
      route(async (req, res) => sendReply(res, preset.apiKeyList(await listApiKeys(context, (await currentUser(context, req)).id)))),
    );
  }

  if (routes.apiKeyDeleteById) {
    router.delete(
      routes.apiKeyDeleteById,
      headers,
      tokenGuard,
      route(async (req, res) => {
        await deleteApiKeyById(context, (await currentUser(context, req)).id, String(req.params.id));
        sendReply(res, preset.apiKeyDeleted());
      }),
    );
  }

  if (routes.apiKeyDeleteByText) {
    router.post(
      routes.apiKeyDeleteByText,
      headers,
      tokenGuard,
      parseJsonBody,
      route(async (req, res) => {
        const text = stringField(jsonBody(req), 'text', true, MAX_API_KEY_LENGTH);
        await deleteApiKeyByText(context, (await currentUser(context, req)).id, text);
        sendReply(res, preset.apiKeyDeleted());
      }),
    );
  }

  router.use(authErrorHandler(preset, config.logger));
  return router;
}
