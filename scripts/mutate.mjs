#!/usr/bin/env node
// `npm run mutate [-- [--force | --report] group...]`: runs StrykerJS (stryker.config.mjs) once per group of
// scripts/mutation-groups.mjs, one after the other, then prints each group's score, its run time and every surviving
// mutant that scripts/mutation-equivalents.json does not list as equivalent. Runs are incremental (results of
// unchanged mutants and tests are reused from reports/mutation/<group>/incremental.json); --force runs every mutant.
// The score is killed ÷ valid mutants: (killed + timed out) ÷ (killed + timed out + survived + not covered), once as
// Stryker counts it and once with the listed equivalent mutants left out. An entry of mutation-equivalents.json names
// the file, the mutator, the original text, the replacement and a fragment of the mutated line (line numbers drift).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { GROUPS } from './mutation-groups.mjs';

const args = process.argv.slice(2);
const force = args.includes('--force');
// --report: no run, only the scores of each group's last report.
const reportOnly = args.includes('--report');
const asked = args.filter((arg) => arg !== '--force' && arg !== '--report');
for (const name of asked) {
  if (!(name in GROUPS)) {
    console.error(`unknown group "${name}": choose from ${Object.keys(GROUPS).join(', ')}`);
    process.exit(2);
  }
}
const names = asked.length > 0 ? asked : Object.keys(GROUPS);
const equivalents = JSON.parse(readFileSync('scripts/mutation-equivalents.json', 'utf8'));

/** The source text a mutant replaces. */
function original(source, location) {
  const lines = source.split('\n');
  const { start, end } = location;
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return [
    lines[start.line - 1].slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    lines[end.line - 1].slice(0, end.column - 1),
  ].join('\n');
}

/** Whether scripts/mutation-equivalents.json lists the mutant: same file, mutator, text replaced and replacement, on a line containing `line`. */
function isEquivalent(file, source, mutant, text) {
  const lineText = source.split('\n')[mutant.location.start.line - 1];
  return equivalents.some(
    (entry) =>
      entry.file === file &&
      entry.mutator === mutant.mutatorName &&
      entry.original === text &&
      entry.replacement === mutant.replacement &&
      lineText.includes(entry.line),
  );
}

const summary = [];
for (const name of names) {
  const group = GROUPS[name];
  if (!group.mutate.some((file) => existsSync(file.split(':')[0]))) {
    console.log(`\n== ${name}: skipped, none of ${group.mutate.join(', ')} exists`);
    summary.push({ name, skipped: true });
    continue;
  }
  console.log(`\n== ${name}: mutating ${group.mutate.filter((file) => existsSync(file.split(':')[0])).join(', ')}`);
  const started = Date.now();
  const run = reportOnly
    ? { status: 0 }
    : spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
        stdio: 'inherit',
        env: { ...process.env, MUTATE_GROUP: name, MUTATE_INCREMENTAL: force ? '0' : '1' },
      });
  const seconds = Math.round((Date.now() - started) / 1000);
  const reportFile = `reports/mutation/${name}/mutation.json`;
  if (run.status !== 0 || !existsSync(reportFile)) {
    summary.push({ name, failed: true, seconds });
    continue;
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const counts = { killed: 0, survived: 0, equivalent: 0, invalid: 0 };
  const survivors = [];
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    for (const mutant of mutants) {
      if (mutant.status === 'Killed' || mutant.status === 'Timeout') counts.killed += 1;
      else if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
        const text = original(source, mutant.location);
        if (isEquivalent(file, source, mutant, text)) counts.equivalent += 1;
        else {
          counts.survived += 1;
          survivors.push(
            `${file}:${mutant.location.start.line} ${mutant.mutatorName} ${JSON.stringify(text.slice(0, 80))} -> ${JSON.stringify(mutant.replacement.slice(0, 80))} (${mutant.status})`,
          );
        }
      } else counts.invalid += 1;
    }
  }
  const raw = (100 * counts.killed) / (counts.killed + counts.survived + counts.equivalent);
  const net = (100 * counts.killed) / (counts.killed + counts.survived);
  summary.push({ name, seconds, raw, net, ...counts });
  if (survivors.length > 0)
    console.log(`\nSurvivors of ${name} not listed as equivalent:\n  ${survivors.join('\n  ')}`);
}

console.log('\ngroup      score   without equivalents  killed  survived  equivalent  run time');
for (const row of summary) {
  if (row.skipped) console.log(`${row.name.padEnd(10)} skipped (no file to mutate)`);
  else if (row.failed) console.log(`${row.name.padEnd(10)} FAILED after ${row.seconds} s (see Stryker's output above)`);
  else {
    console.log(
      `${row.name.padEnd(10)} ${row.raw.toFixed(1).padStart(5)} %  ${row.net.toFixed(1).padStart(8)} %           ${String(row.killed).padStart(6)}  ${String(row.survived).padStart(8)}  ${String(row.equivalent).padStart(10)}  ${row.seconds} s`,
    );
  }
}
process.exit(summary.some((row) => row.failed) ? 1 : 0);
