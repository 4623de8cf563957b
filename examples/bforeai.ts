// bfore.ai PreCrime's wire format: POST /user/login and the /authheader API keys, a guarded /api/protected.
import { runExample } from './shared/demo-server';

void runExample({ preset: 'bforeai', guardedRoute: '/api/protected' });
