// Every fenced code block of README.md and docs/ is checked here, so no document can show code that does not compile
// or a command that does not exist (the marking rules: __tests__/helpers/doc-blocks.ts):
// - ts/js blocks are type-checked as they are written, each as its own module against lib/ (as `express-auth-kit`)
//   and the installed packages; TypeScript in strict mode, JavaScript with checkJs;
// - json blocks must parse;
// - shell blocks must parse (`bash -n`), and name only npm scripts and CLI commands that exist;
// - a named block (`id=`) must be read by some test (readDocBlock, or loadDocModule which runs it as a module).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { docBlocks, documentedFiles, REPOSITORY_ROOT, type DocBlock } from '../helpers/doc-blocks';

const TYPESCRIPT = new Set(['ts', 'typescript', 'tsx']);
const JAVASCRIPT = new Set(['js', 'javascript', 'mjs', 'cjs']);
const SHELL = new Set(['sh', 'bash', 'shell', 'console']);
/** Not code: output, requests and answers shown as text, configuration excerpts. */
const NOT_CODE = new Set([
  '',
  'text',
  'txt',
  'http',
  'diff',
  'yaml',
  'yml',
  'env',
  'ini',
  'sql',
  'html',
  'jsonc',
  'promql',
]);

const BLOCKS: DocBlock[] = documentedFiles().flatMap((file) => docBlocks(file));
const where = (block: DocBlock): string => `${block.file}:${block.line}`;

jest.setTimeout(120_000);

test('every block has a language this test knows', () => {
  const unknown = BLOCKS.filter(
    (block) => ![TYPESCRIPT, JAVASCRIPT, SHELL, NOT_CODE].some((set) => set.has(block.lang)) && block.lang !== 'json',
  );
  expect(unknown.map((block) => `${where(block)} \`\`\`${block.lang}`)).toEqual([]);
});

/** The virtual file a ts/js block becomes: beside the repository root, so node_modules resolve as for a user. */
function virtualFile(block: DocBlock, index: number): { name: string; text: string } {
  const commonJs = block.lang === 'cjs' || (JAVASCRIPT.has(block.lang) && /\brequire\(/.test(block.code));
  const extension = TYPESCRIPT.has(block.lang) ? '.ts' : commonJs ? '.cjs' : '.mjs';
  // `export {}` makes a TypeScript fragment without imports a module, so blocks never share a global scope.
  const tail = extension === '.ts' ? '\nexport {};\n' : '\n';
  return {
    name: path.join(REPOSITORY_ROOT, `__doc_blocks__/block-${index}${extension}`),
    text: `${block.prelude ?? ''}\n${block.code}${tail}`,
  };
}

test('every TypeScript and JavaScript block type-checks as written', () => {
  const code = BLOCKS.filter(
    (block) => (TYPESCRIPT.has(block.lang) || JAVASCRIPT.has(block.lang)) && block.ownTest !== true,
  );
  const files = new Map<string, { text: string; block: DocBlock }>();
  code.forEach((block, index) => {
    const file = virtualFile(block, index);
    files.set(file.name, { text: file.text, block });
  });
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    allowJs: true,
    checkJs: true,
    noImplicitAny: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    baseUrl: REPOSITORY_ROOT,
    paths: { 'express-auth-kit': ['lib/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => files.has(path.normalize(name)) || fileExists(name);
  host.readFile = (name) => files.get(path.normalize(name))?.text ?? readFile(name);
  host.getSourceFile = (name, language, onError, create) => {
    const virtual = files.get(path.normalize(name));
    return virtual
      ? ts.createSourceFile(name, virtual.text, language, true)
      : getSourceFile(name, language, onError, create);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const problems = ts.getPreEmitDiagnostics(program).flatMap((diagnostic) => {
    const virtual = diagnostic.file ? files.get(path.normalize(diagnostic.file.fileName)) : undefined;
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!virtual || !diagnostic.file || diagnostic.start === undefined)
      return [`(outside the blocks) ${diagnostic.file?.fileName ?? ''}: ${message}`];
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const preludeLines = (virtual.block.prelude ?? '').split('\n').length; // the prelude and the line break after it
    const lineInBlock = line - preludeLines;
    return [
      `${virtual.block.file}:${virtual.block.line + Math.max(lineInBlock, 0)} (\`\`\`${virtual.block.lang}): ${message}`,
    ];
  });
  expect(problems).toEqual([]);
  expect(code.length).toBeGreaterThan(0);
});

test('every json block parses', () => {
  const broken = BLOCKS.filter((block) => block.lang === 'json').flatMap((block) => {
    try {
      JSON.parse(block.code);
      return [];
    } catch (error) {
      return [`${where(block)}: ${(error as Error).message}`];
    }
  });
  expect(broken).toEqual([]);
});

const SCRIPTS = Object.keys(
  (JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts,
);
const BUILT_IN_NPM = new Set(['install', 'ci', 'test', 'start', 'i', 'init', 'exec', 'pack', 'ls', 'view']);
const CLI_COMMANDS = readdirSync(path.join(REPOSITORY_ROOT, 'lib/cli'))
  .map((name) => name.replace(/\.ts$/, ''))
  .filter((name) => !['command', 'key-files', 'main', 'read-password'].includes(name));

test('every shell block parses and names only npm scripts and CLI commands that exist', () => {
  const problems: string[] = [];
  for (const block of BLOCKS.filter((candidate) => SHELL.has(candidate.lang))) {
    // `console` blocks show a prompt: keep only the commands, without the `$ `.
    const script =
      block.lang === 'console'
        ? block.code
            .split('\n')
            .filter((line) => line.startsWith('$ '))
            .map((line) => line.slice(2))
            .join('\n')
        : block.code;
    try {
      execFileSync('bash', ['-n'], { input: script, stdio: ['pipe', 'ignore', 'pipe'] });
    } catch (error) {
      problems.push(`${where(block)}: bash -n: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
    }
    for (const [, name] of script.matchAll(/\bnpm run ([\w:.-]+)/g))
      if (!SCRIPTS.includes(name!)) problems.push(`${where(block)}: no npm script "${name}"`);
    for (const [, name] of script.matchAll(/\bnpm (?!run\b)([\w:-]+)/g))
      if (!BUILT_IN_NPM.has(name!) && !SCRIPTS.includes(name!))
        problems.push(`${where(block)}: "npm ${name}" is neither a command this test knows nor a script`);
    for (const [, name] of script.matchAll(/\bexpress-auth-kit (?!@)([a-z][\w-]*)/g))
      if (!CLI_COMMANDS.includes(name!)) problems.push(`${where(block)}: the CLI has no "${name}" command`);
  }
  expect(problems).toEqual([]);
});

test('a block type-checked by its own test is named, so that test can be found', () => {
  expect(BLOCKS.filter((block) => block.ownTest === true && block.id === undefined).map(where)).toEqual([]);
});

test('every named block is run by a test', () => {
  const tests: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && entry.name !== 'code-blocks.test.ts')
        tests.push(readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(REPOSITORY_ROOT, '__tests__'));
  // loadDocModule() (helpers/doc-module.ts) reads its block with readDocBlock and runs it.
  const readers = tests.filter(
    (text) => text.includes('readDocBlock(') || text.includes('loadDocModule<') || text.includes('loadDocModule('),
  );
  const unread = BLOCKS.filter(
    (block) =>
      block.id !== undefined &&
      !readers.some((text) => text.includes(`'${block.id}'`) || text.includes(`"${block.id}"`)),
  );
  expect(unread.map((block) => `${where(block)} id=${block.id}`)).toEqual([]);
});
