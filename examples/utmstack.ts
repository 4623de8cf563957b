// UTMStack's wire format under /api, with its guarded demo route /api/elasticsearch/search (UTMStack's frontend calls
// it with POST and a query body; GET is answered too). The reset mail links to the frontend's own page,
// /reset/finish?key=…, as UTMStack's backend does (its page reads the `key` query parameter).
import { runExample } from './shared/demo-server';

void runExample({
  preset: 'utmstack',
  guardedRoute: '/api/elasticsearch/search',
  guardedMethods: ['get', 'post'],
  resetLink: '/reset/finish?key={token}',
});
