// The copy-me example: the default preset, one user kept in memory, one guarded route. `npx tsx examples/minimal.ts`,
// then log in with POST /auth/login, call GET /api/hello with the access token, refresh, log out (the README's quick start).
import { randomBytes } from 'node:crypto';
import express from 'express';
import { createAuth, hashPassword, MemoryUserStore } from '../lib'; // in your app: from 'express-auth-kit'

async function main(): Promise<void> {
  const users = new MemoryUserStore([
    {
      login: 'alice',
      email: 'alice@example.com',
      passwordHash: await hashPassword('correct horse battery staple'),
      authorities: ['ROLE_USER'],
    },
  ]);
  const auth = createAuth({
    // A new key per start: tokens die with the process. In production pass your own 32+ random bytes, kept secret.
    secret: randomBytes(32).toString('base64url'),
    users,
  });

  const app = express();
  app.use(express.json());
  app.use('/auth', auth.router); // login, refresh, logout, account, sessions...
  app.get('/api/hello', auth.requireAuth(), (req, res) => {
    res.json({ hello: req.auth?.userId, roles: req.auth?.authorities });
  });

  const port = Number(process.env.PORT ?? 3000);
  app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
}

void main();
