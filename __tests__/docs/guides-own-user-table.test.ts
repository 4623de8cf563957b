// docs/guides/own-user-table.md, run as written against the real PostgreSQL: its SQL creates the table (in a schema of
// this run's own, dropped afterwards), its pg and Drizzle stores find, log in and rehash users through the library,
// and its createUser() hashes with hashPassword().
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import bcrypt from 'bcryptjs';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import request from 'supertest';
import { createAuth, hashPassword, type Auth, type User, type UserStore } from '../../lib';
import { readDocBlock } from '../helpers/doc-blocks';
import { loadDocModule } from '../helpers/doc-module';
import { TEST_SECRET } from '../helpers/create-app';

const GUIDE = 'docs/guides/own-user-table.md';
// As the integration tests: run where DATABASE_URL names a PostgreSQL (CI sets it), skipped with a reason elsewhere.
const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) process.stderr.write('Skipping the own-user-table guide tests: DATABASE_URL is not set.\n');
const describeWithDatabase = DATABASE_URL ? describe : describe.skip;
const SCHEMA = `guide_users_${process.pid}_${randomUUID().slice(0, 8)}`;

jest.setTimeout(60_000);

type StoreClass = new (client: unknown) => UserStore;
let admin: Pool;
let pool: Pool;

beforeAll(async () => {
  if (!DATABASE_URL) return;
  admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
  await admin.query(`CREATE SCHEMA ${SCHEMA}`);
  // The guide's SQL names the table `users`, unqualified: this run's schema comes first on the search path.
  pool = new Pool({ connectionString: DATABASE_URL, max: 4, options: `-c search_path=${SCHEMA}` });
  await pool.query(readDocBlock(GUIDE, 'users-table'));
});

afterAll(async () => {
  await pool?.end();
  await admin?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin?.end();
});

beforeEach(async () => {
  if (!DATABASE_URL) return;
  await pool.query('TRUNCATE users RESTART IDENTITY');
});

const { createUser } = loadDocModule<{
  createUser(
    pool: Pool,
    user: { username: string; email: string; password: string; roles?: string[] },
  ): Promise<string>;
}>(GUIDE, 'create-user');
const { PgUserStore } = loadDocModule<{ PgUserStore: StoreClass }>(GUIDE, 'pg-user-store');
const { DrizzleUserStore } = loadDocModule<{ DrizzleUserStore: StoreClass }>(GUIDE, 'drizzle-user-store');

async function seed(): Promise<{ adminId: string; guestId: string }> {
  const adminId = await createUser(pool, {
    username: 'Admin',
    email: 'Admin@Example.com',
    password: 'admin-password',
    roles: ['ROLE_ADMIN', 'ROLE_USER'],
  });
  const guestId = await createUser(pool, { username: 'guest', email: 'guest@example.com', password: 'guest-password' });
  return { adminId, guestId };
}

/** Logs in through the app's /auth routes, and calls /api/me with the token. */
async function logInAndCallMe(
  app: Express,
  username: string,
  password: string,
): Promise<{ login: request.Response; me: request.Response | undefined }> {
  const login = await request(app).post('/auth/login').send({ username, password });
  if (login.status !== 200) return { login, me: undefined };
  const me = await request(app)
    .get('/api/me')
    .set('Authorization', `Bearer ${login.body.accessToken as string}`);
  return { login, me };
}

describeWithDatabase('createUser', () => {
  test('stores a bcrypt hash made by hashPassword(), and refuses a password the policy refuses', async () => {
    const id = await createUser(pool, { username: 'someone', email: 'someone@example.com', password: 'correct horse' });
    const { rows } = await pool.query<{ password_hash: string; roles: string[] }>(
      'SELECT password_hash, roles FROM users WHERE id = $1',
      [id],
    );
    expect(rows[0]!.password_hash).toMatch(/^\$2[ab]\$10\$/);
    expect(rows[0]!.roles).toEqual(['ROLE_USER']);
    await expect(
      createUser(pool, { username: 'short', email: 'short@example.com', password: 'short' }),
    ).rejects.toMatchObject({ code: 'weak_password' });
  });
});

describeWithDatabase.each([
  ['pg', () => new PgUserStore(pool)],
  ['Drizzle', () => new DrizzleUserStore(drizzle({ client: pool }))],
])('the %s store', (_name, makeStore) => {
  let store: UserStore;
  beforeEach(() => {
    store = makeStore();
  });

  test('finds users by login or email ignoring case, by foldName(), a login match first', async () => {
    const { adminId, guestId } = await seed();
    expect((await store.findByLogin('ADMIN'))?.id).toBe(adminId);
    expect((await store.findByLogin('admin@example.COM'))?.id).toBe(adminId);
    expect(await store.findByLogin('nobody')).toBeNull();
    // PostgreSQL's lower() folds U+0130 to a plain i; the library's rule does not: no look-alike finds admin.
    expect(await store.findByLogin('adm\u0130n')).toBeNull();
    // One user's login equal to another's email: the login wins.
    const otherId = await createUser(pool, {
      username: 'guest@example.com',
      email: 'other@example.com',
      password: 'other-password',
    });
    expect((await store.findByLogin('guest@example.com'))?.id).toBe(otherId);
    const found = (await store.findById(guestId)) as User;
    expect(found).toMatchObject({
      login: 'guest',
      email: 'guest@example.com',
      authorities: ['ROLE_USER'],
      disabled: false,
      lastLoginAt: null,
    });
    expect(await store.findById('not-an-id')).toBeNull();
    expect(await store.findById('99999')).toBeNull();
  });

  test('updatePassword and replacePasswordHash (a compare-and-set)', async () => {
    const { guestId } = await seed();
    const expires = new Date('2030-01-01T00:00:00Z');
    await store.updatePassword(guestId, 'hash-1', expires);
    expect(await store.findById(guestId)).toMatchObject({ passwordHash: 'hash-1', passwordExpiresAt: expires });
    expect(await store.replacePasswordHash!(guestId, 'stale', 'hash-2')).toBe(false);
    expect(await store.replacePasswordHash!(guestId, 'hash-1', 'hash-2')).toBe(true);
    expect(await store.findById(guestId)).toMatchObject({ passwordHash: 'hash-2', passwordExpiresAt: expires });
  });

  test('logs in through the library: the token names the row id, the login is recorded, a disabled user is refused', async () => {
    const { adminId, guestId } = await seed();
    let app: Express;
    let auth: Auth;
    if (_name === 'pg') {
      // The guide's own mounting code, with its PgUserStore.
      process.env.JWT_SECRET = TEST_SECRET;
      ({ app, auth } = loadDocModule<{ createApp(pool: Pool): { app: Express; auth: Auth } }>(GUIDE, 'pg-mount', {
        PgUserStore,
      }).createApp(pool));
    } else {
      auth = createAuth({ secret: TEST_SECRET, users: store, apiKeys: false });
      app = express();
      app.use('/auth', auth.router);
      app.get('/api/me', auth.requireAuth(), (req, res) =>
        res.json({ userId: req.auth?.userId, authorities: req.auth?.authorities }),
      );
    }
    try {
      const { login, me } = await logInAndCallMe(app, 'admin@example.com', 'admin-password');
      expect(login.status).toBe(200);
      expect(login.body).toMatchObject({ firstLogin: true, user: { id: adminId, login: 'Admin' } });
      expect(me?.body).toEqual({ userId: adminId, authorities: ['ROLE_ADMIN', 'ROLE_USER'] });
      const { rows } = await pool.query<{ last_login_at: Date | null }>(
        'SELECT last_login_at FROM users WHERE id = $1',
        [adminId],
      );
      expect(rows[0]!.last_login_at).toBeInstanceOf(Date);

      expect((await logInAndCallMe(app, 'guest', 'wrong-password')).login.status).toBe(401);
      await pool.query('UPDATE users SET active = false WHERE id = $1', [guestId]);
      expect((await logInAndCallMe(app, 'guest', 'guest-password')).login.status).toBe(401);
    } finally {
      await auth.shutdown();
    }
  });

  test("your app's own bcrypt hashes log in, except over 72 bytes; a hash of another algorithm does not", async () => {
    const long = `${'x'.repeat(72)}-and-more`;
    await pool.query(
      `INSERT INTO users (username, email, password_hash) VALUES
        ('old', 'old@example.com', $1), ('long', 'long@example.com', $2), ('argon', 'argon@example.com', $3)`,
      [
        bcrypt.hashSync('old-password', 4),
        bcrypt.hashSync(long, 4),
        '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG',
      ],
    );
    const auth = createAuth({ secret: TEST_SECRET, users: store, apiKeys: false });
    try {
      const app = express().use('/auth', auth.router);
      await request(app).post('/auth/login').send({ username: 'old', password: 'old-password' }).expect(200);
      await request(app).post('/auth/login').send({ username: 'long', password: long }).expect(401);
      await request(app).post('/auth/login').send({ username: 'argon', password: 'password' }).expect(401);
    } finally {
      await auth.shutdown();
    }
  });

  test('a hash of another bcrypt cost is rehashed at login through replacePasswordHash', async () => {
    const { rows } = await pool.query<{ id: string }>(
      "INSERT INTO users (username, email, password_hash) VALUES ('cheap', 'cheap@example.com', $1) RETURNING id",
      [await hashPassword('cheap-password', { cost: 4 })],
    );
    const auth = createAuth({ secret: TEST_SECRET, users: store, apiKeys: false });
    try {
      const app = express().use('/auth', auth.router);
      await request(app).post('/auth/login').send({ username: 'cheap', password: 'cheap-password' }).expect(200);
      // The rehash runs after the answer: wait for the stored cost to change.
      for (let attempt = 0; attempt < 50; attempt++) {
        const hash = (await store.findById(rows[0]!.id))!.passwordHash;
        if (hash.startsWith('$2b$10$') || hash.startsWith('$2a$10$')) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the hash was not rehashed at cost 10');
    } finally {
      await auth.shutdown();
    }
  });
});
