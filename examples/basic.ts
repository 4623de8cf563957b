// The default preset: `npm start`. Routes under /auth, a guarded demo route at /api/protected, and the browser demo
// page (examples/public) at GET /.
import path from 'node:path';
import { runExample, type ExampleOptions } from './shared/demo-server';

/** basic's options: the default preset, its guarded route and the demo page. Tests build the app from these. */
export function basicExample(): ExampleOptions {
  return {
    preset: 'default',
    guardedRoute: '/api/protected',
    page: path.join(__dirname, 'public'),
  };
}

if (require.main === module) void runExample(basicExample());
