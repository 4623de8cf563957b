// Storm Streaming Server's wire format: POST /api/auth/login, a guarded /api/protected.
import { runExample } from './shared/demo-server';

void runExample({ preset: 'storm', guardedRoute: '/api/protected' });
