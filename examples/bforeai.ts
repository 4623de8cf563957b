// bfore.ai PreCrime's wire format: POST /user/login and the /authheader API keys, a guarded /api/protected, and the
// /test/secure and /test/unsecure services bfore.ai's published samples call.
import { runExample } from './shared/demo-server';
import { bforeaiTestRoutes } from './shared/products';

void runExample({ preset: 'bforeai', guardedRoute: '/api/protected', productRoutes: bforeaiTestRoutes });
