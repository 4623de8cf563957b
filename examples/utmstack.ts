// UTMStack's wire format under /api, with its guarded demo route /api/elasticsearch/search.
import { runExample } from './shared/demo-server';

void runExample({ preset: 'utmstack', guardedRoute: '/api/elasticsearch/search' });
