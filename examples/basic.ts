// The default preset: `npm start`. Routes under /auth, a guarded demo route at /api/protected.
import { runExample } from './shared/demo-server';

void runExample({ preset: 'default', guardedRoute: '/api/protected' });
