// The fenced code blocks of the README and docs/, so a test can check or run them as written and the documents cannot
// drift from the code. A block may carry one HTML comment on the line just before its fence (invisible on GitHub):
//
//   <!-- doc-check id=quick-start-curl -->                 names the block; a test runs it (readDocBlock)
//   <!-- doc-check prelude: import express from 'express'; const app = express(); -->
//                                                            declarations a fragment needs to type-check alone
//   <!-- doc-check id=name prelude: ... -->                  both
//   <!-- doc-check id=name own-test -->                      a block that needs what only its test provides (types
//                                                            generated at test time): that test type-checks it
//
// __tests__/docs/code-blocks.test.ts type-checks every ts/js block, parses every json block, syntax-checks every
// shell block, and requires every named block to be read by some test.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const REPOSITORY_ROOT = path.join(__dirname, '..', '..');

export interface DocBlock {
  /** Path relative to the repository root, e.g. `README.md` or `docs/guides/own-user-table.md`. */
  file: string;
  /** 1-based line of the first line of code (the line after the opening fence). */
  line: number;
  /** The fence's info string's first word, lower-cased; '' when the fence has none. */
  lang: string;
  code: string;
  id?: string;
  prelude?: string;
  /** Type-checked by the test that reads it (it needs files only that test makes), not by code-blocks.test.ts. */
  ownTest?: boolean;
}

const DIRECTIVE = /^<!--\s*doc-check\b(.*?)-->\s*$/;

function parseDirective(text: string): Pick<DocBlock, 'id' | 'prelude' | 'ownTest'> {
  const found: Pick<DocBlock, 'id' | 'prelude' | 'ownTest'> = {};
  const prelude = /\bprelude:\s*([\s\S]*)$/.exec(text);
  const head = prelude ? text.slice(0, prelude.index) : text;
  const id = /\bid=([\w.-]+)/.exec(head);
  if (id) found.id = id[1]!;
  if (/\bown-test\b/.test(head)) found.ownTest = true;
  if (prelude) found.prelude = prelude[1]!.trim();
  return found;
}

/** The fenced blocks of one Markdown file (path relative to the repository root). */
export function docBlocks(file: string): DocBlock[] {
  const lines = readFileSync(path.join(REPOSITORY_ROOT, file), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[index]!);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence!))
      body.push(lines[end++]!.slice(indent!.length));
    const previous = index > 0 ? DIRECTIVE.exec(lines[index - 1]!.trim()) : null;
    blocks.push({
      file,
      line: index + 2,
      lang: info!.toLowerCase(),
      code: body.join('\n'),
      ...(previous ? parseDirective(previous[1]!) : {}),
    });
    index = end;
  }
  return blocks;
}

/** README.md, and every Markdown file under docs/ (recursively), relative to the repository root. */
export function documentedFiles(): string[] {
  const files = ['README.md'];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(path.join(REPOSITORY_ROOT, folder), { withFileTypes: true })) {
      const relative = `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.md')) files.push(relative);
    }
  };
  walk('docs');
  return files.sort();
}

/** The code of the block named `id` in `file`: throws when there is none, so a renamed block fails its test. */
export function readDocBlock(file: string, id: string): string {
  const block = docBlocks(file).find((candidate) => candidate.id === id);
  if (!block) throw new Error(`${file} has no code block marked <!-- doc-check id=${id} -->`);
  return block.code;
}
