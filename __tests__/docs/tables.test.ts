// The documents' tables held to the code: the README's option table and docs/options.md to the AuthOptions type (and
// its option groups), docs/events.md's event table to the AuthEventName union, docs/errors.md's sections to every
// error code and warning code, each warning's link to its section, and every relative link to a page and heading
// that exist.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AUTH_ERROR_CATALOGUE } from '../../lib/errors';
import { warn, type WarningCode } from '../../lib/logger';
import { documentedFiles, REPOSITORY_ROOT } from '../helpers/doc-blocks';
import { optionNames, stringUnionMembers } from '../helpers/type-members';

jest.setTimeout(60_000);

const read = (file: string): string => readFileSync(path.join(REPOSITORY_ROOT, file), 'utf8');
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** Markdown without its fenced blocks, so a `# comment` in a shell block is not taken for a heading. */
function prose(markdown: string): string {
  return markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\s*$/gm, '');
}

/** GitHub's anchor for a heading: lower-cased, punctuation but `-` and `_` dropped, spaces made `-`. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function headings(markdown: string, level?: number): string[] {
  const pattern = level === undefined ? /^#{1,6} (.+)$/gm : new RegExp(`^#{${level}} (.+)$`, 'gm');
  return [...prose(markdown).matchAll(pattern)].map((match) => match[1]!.trim());
}

/** The part of a page from the heading `## title` to the next `## `. */
function section(markdown: string, title: string): string {
  const text = prose(markdown);
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no section "## ${title}"`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The first cells of a section's table rows, when they are one `code` span. */
function firstCells(markdown: string): string[] {
  return [...markdown.matchAll(/^\| (?:\[)?`([^`]+)`(?:\]\([^)]*\))? \|/gm)].map((match) => match[1]!);
}

// Adapters, key material and callbacks: options whose fields are documented with their own types, not as groups.
const OPAQUE_OPTIONS = ['secret', 'preset', 'users', 'stateStore', 'mailer', 'logger', 'clock', 'onEvent'];
const OPTIONS = optionNames('lib/options/index.ts', 'AuthOptions', OPAQUE_OPTIONS);

describe('the option tables', () => {
  test('the code has the options this test expects to find (the reader works)', () => {
    expect(OPTIONS.topLevel).toEqual(expect.arrayContaining(['secret', 'users', 'preset', 'lockout', 'cookies']));
    expect(OPTIONS.nested).toEqual(
      expect.arrayContaining(['lockout.maxFailures', 'cookies.trustedOrigins', 'sessions.refresh', 'tokens.accessTtl']),
    );
  });

  test("the README's table lists every option once, each linked to its section of docs/options.md", () => {
    const table = section(read('README.md'), 'Options');
    const rows = [...table.matchAll(/^\| \[`([^`]+)`\]\(docs\/options\.md#([^)]+)\) \|/gm)].map((match) => ({
      name: match[1]!,
      anchor: match[2]!,
    }));
    expect(rows.map((row) => row.name).sort()).toEqual(sorted(OPTIONS.topLevel));
    const anchors = new Set(headings(read('docs/options.md')).map(anchorOf));
    expect(rows.filter((row) => !anchors.has(row.anchor))).toEqual([]);
  });

  test('docs/options.md has a section for every option and a row for every field of an option group', () => {
    const page = read('docs/options.md');
    const sections = headings(page, 3)
      .map((heading) => /^`([^`]+)`$/.exec(heading)?.[1])
      .filter((name) => name !== undefined);
    expect(sorted(sections)).toEqual(sorted(OPTIONS.topLevel));
    const fields = firstCells(prose(page)).filter((cell) => cell.includes('.'));
    expect(sorted(fields)).toEqual(sorted(OPTIONS.nested));
  });
});

describe('the event table', () => {
  const EVENTS = stringUnionMembers('lib/core/events.ts', 'AuthEventName');

  test('docs/events.md lists exactly the AuthEventName union', () => {
    expect(EVENTS.length).toBeGreaterThan(10);
    expect(sorted(firstCells(section(read('docs/events.md'), 'Audit events')))).toEqual(sorted(EVENTS));
  });

  test('every event of the union is emitted somewhere in lib/', () => {
    const sources = execFileSync(
      'grep',
      ['-rhoE', "'[a-z_]+\\.[a-z_]+'", 'lib', '--include=*.ts', '--exclude=events.ts'],
      { cwd: REPOSITORY_ROOT, encoding: 'utf8' },
    );
    const quoted = new Set(sources.split('\n').map((line) => line.slice(1, -1)));
    expect(EVENTS.filter((event) => !quoted.has(event))).toEqual([]);
  });
});

describe('docs/errors.md', () => {
  const page = read('docs/errors.md');

  test('has a section for every error code the library can answer, and no other', () => {
    const codes = Object.keys(AUTH_ERROR_CATALOGUE);
    expect(sorted(headings(section(page, 'Errors'), 3))).toEqual(sorted(codes));
  });

  test('has a section for every warning code, and no other', () => {
    const codes = stringUnionMembers('lib/logger.ts', 'WarningCode');
    expect(codes.length).toBeGreaterThan(5);
    expect(sorted(headings(section(page, 'Warnings'), 3))).toEqual(sorted(codes));
  });

  test("every warning ends with a link to its code's section", () => {
    const anchors = new Set(headings(page).map(anchorOf));
    for (const code of stringUnionMembers('lib/logger.ts', 'WarningCode') as WarningCode[]) {
      const logged: string[] = [];
      warn({ warn: (message) => logged.push(message), error: () => undefined }, code, 'a message.');
      expect(logged).toHaveLength(1);
      const link = / \(see docs\/errors\.md#([\w-]+)\)$/.exec(logged[0]!);
      expect(link?.[1]).toBe(code.toLowerCase());
      expect(anchors.has(link![1]!)).toBe(true);
    }
  });
});

test('every relative link of the README and docs/ names a page, and a heading of it, that exist', () => {
  const broken: string[] = [];
  for (const file of documentedFiles()) {
    for (const [, target] of prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // http(s):, mailto:
      const [pathPart, anchor] = target!.split('#') as [string, string | undefined];
      const linked = pathPart === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart));
      if (!existsSync(path.join(REPOSITORY_ROOT, linked))) {
        broken.push(`${file}: ${target} (no ${linked})`);
        continue;
      }
      if (anchor === undefined || !linked.endsWith('.md')) continue;
      if (!headings(read(linked)).map(anchorOf).includes(anchor))
        broken.push(`${file}: ${target} (no heading #${anchor} in ${linked})`);
    }
  }
  expect(broken).toEqual([]);
});
