// `npm run bench [-- --only guard|storm|spray|flood[,...]] [--duration SECONDS] [--rounds N] [--subjects ID,...]`
// Runs the selected benches in order, prints their markdown tables to stdout, writes bench/results/latest.md.
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installChildCleanup } from './proc';
import { runGuardBench } from './guard';
import { runLoginFloodBench } from './login-flood';
import { runLoginStormBench } from './login-storm';
import { runSprayBench } from './spray';
import { guardSubjects, OURS_IS_PLACEHOLDER } from './subjects';
import { log } from './util';

const BENCHES = ['guard', 'storm', 'spray', 'flood'] as const;
type Bench = (typeof BENCHES)[number];

function usage(msg?: string): never {
  if (msg) console.error(`error: ${msg}`);
  console.error(
    'usage: npm run bench -- [--only guard|storm|spray|flood[,...]] [--duration SECONDS (1-60)] [--rounds N (1-15)] [--subjects ID,... (guard only; bare always runs)]',
  );
  process.exit(2);
}

function parseCli(): { only: Bench[]; durationSec: number; rounds: number; subjects: string[] | undefined } {
  let values: { only?: string; duration?: string; rounds?: string; subjects?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: 'string' },
        duration: { type: 'string' },
        rounds: { type: 'string' },
        subjects: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  if (values.help) usage();
  const only = values.only
    ? values.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [...BENCHES];
  for (const b of only) if (!(BENCHES as readonly string[]).includes(b)) usage(`unknown bench '${b}'`);
  const durationSec = values.duration === undefined ? 5 : Number(values.duration);
  if (!Number.isFinite(durationSec) || durationSec < 1 || durationSec > 60) usage('--duration must be 1..60 seconds');
  const rounds = values.rounds === undefined ? 3 : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 15) usage('--rounds must be an integer 1..15');
  const subjects = values.subjects
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { only: only as Bench[], durationSec, rounds, subjects };
}

function gitDescribe(): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .toString()
      .trim();
    return dirty ? `${rev} (dirty)` : rev;
  } catch {
    return 'no commit';
  }
}

async function main(): Promise<void> {
  installChildCleanup();
  const { only, durationSec, rounds, subjects } = parseCli();
  const started = Date.now();
  const cpus = os.cpus();
  const startLoad = os.loadavg();
  const busy = (startLoad[0] ?? 0) > 0.5 * cpus.length;
  const header = [
    '# express-auth-kit benchmarks',
    '',
    `- date: ${new Date().toISOString()}`,
    `- git: ${gitDescribe()}`,
    `- node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}`,
    `- load average at start (1/5/15 min): ${startLoad.map((x) => x.toFixed(2)).join(' / ')}` +
      (busy ? ' — **the machine was already busy: expect noisy numbers, rerun on an idle machine**' : ''),
    `- options: --only ${only.join(',')} --duration ${durationSec} --rounds ${rounds}${subjects === undefined ? '' : ` --subjects ${subjects.join(',')}`}`,
    OURS_IS_PLACEHOLDER
      ? '- **"ours" is still the PLACEHOLDER in bench/subjects.ts: its rows say nothing about the library.**'
      : '',
    '',
    'Absolute numbers depend on the machine; read the ratios (same run, interleaved rounds).',
  ]
    .filter((l, i, a) => l !== '' || a[i - 1] !== '')
    .join('\n');
  console.log(header);

  const sections: string[] = [];
  let failed = false;
  const section = (md: string): void => {
    sections.push(md);
    console.log(`\n${md}`);
  };

  for (const bench of only) {
    try {
      if (bench === 'guard') {
        log(
          `guard: ${subjects === undefined ? guardSubjects.length : subjects.length + 1} subjects × ${rounds} rounds × (${durationSec} s + 1 s warm-up)`,
        );
        const r = await runGuardBench({ durationSec, rounds, subjects });
        if (r.rows.some((x) => x.failure)) failed = true;
        section(r.markdown);
      } else if (bench === 'storm') {
        log(`storm: 3 subjects × ${rounds} rounds × (${durationSec} s + 2 s warm-up)`);
        const r = await runLoginStormBench({ durationSec, rounds });
        if (r.rows.some((x) => x.failure)) failed = true;
        section(r.markdown);
      } else if (bench === 'flood') {
        log('flood: 2,000 concurrent logins, floor, then bounded, then unbounded (~2 minutes)');
        const r = await runLoginFloodBench({});
        if (r.runs.some((x) => x.failure)) failed = true;
        section(r.markdown);
      } else {
        log('spray: forking spray child');
        const r = await runSprayBench({});
        section(r.markdown);
      }
    } catch (err) {
      failed = true;
      const msg = err instanceof Error ? err.message : String(err);
      section(`## ${bench}\n\nFAILED: ${msg}`);
    }
  }

  const footer =
    `\n_total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
    `load average at end (1/5/15 min, includes the bench itself): ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' / ')}_`;
  console.log(footer);
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, 'latest.md');
  fs.writeFileSync(outFile, `${header}\n\n${sections.join('\n\n')}\n${footer}\n`);
  log(`wrote ${path.relative(process.cwd(), outFile)}`);
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
