// Measures what one key costs in a MemoryStateStore, for the kinds of keys the library writes (README: "Memory").
// Run: node --expose-gc --import tsx bench/state-memory.ts
import { randomUUID } from 'node:crypto';
import { MemoryStateStore } from '../lib';

const KEYS = 100_000;

function collect(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  return process.memoryUsage().heapUsed;
}

async function bytesPerKey(make: () => [string, string]): Promise<number> {
  const store = new MemoryStateStore({ maxKeys: KEYS + 10 });
  const before = collect();
  for (let i = 0; i < KEYS; i += 1) {
    const [key, value] = make();
    await store.set(key, value, 3_600_000);
  }
  const after = collect();
  await store.shutdown();
  return Math.round((after - before) / KEYS);
}

const kinds: [string, () => [string, string]][] = [
  ['lockout counter', () => [`lockout:fail:u:${randomUUID()}`, '3']],
  ['live refresh token', () => [`rt:live:${randomUUID()}`, randomUUID()]],
  [
    'refresh family',
    () => [`rt:family:${randomUUID()}`, JSON.stringify({ userId: randomUUID(), expiresAt: 1_768_478_400 })],
  ],
  [
    'second-factor challenge',
    () => [
      `tfa:challenge:${randomUUID()}`,
      JSON.stringify({
        userId: randomUUID(),
        method: 'EMAIL',
        codeHash: 'a'.repeat(64),
        rememberMe: false,
        expiresAt: Date.now(),
        sessionVersion: randomUUID(),
        identity: `u:${randomUUID()}`,
      }),
    ],
  ],
  [
    "a user's session list (20 sessions)",
    () => [
      `rt:families:${randomUUID()}`,
      JSON.stringify(Array.from({ length: 20 }, () => ({ family: randomUUID(), expiresAt: 1_768_478_400 }))),
    ],
  ],
];

void (async () => {
  console.log('| key | bytes per key |\n| --- | --- |');
  for (const [name, make] of kinds) console.log(`| ${name} | ${await bytesPerKey(make)} |`);
})();
