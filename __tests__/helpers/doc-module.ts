// Runs a named TypeScript block of a document as a CommonJS module inside jest, so a test can call what it exports:
// `express-auth-kit` resolves to lib/ (the same module instance the test imports), other packages from node_modules.
// Names a fragment expects from an earlier block (declared in its doc-check prelude) are passed in `scope`, which may
// also stand in for a global (a browser's fetch); `rewrite` may replace a documented URL with the test server's.
import ts from 'typescript';
import { readDocBlock } from './doc-blocks';

export function loadDocModule<T>(
  file: string,
  id: string,
  scope: Record<string, unknown> = {},
  rewrite: (code: string) => string = (code) => code,
): T {
  const source = rewrite(readDocBlock(file, id));
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: `${id}.ts`,
  });
  // A runtime require by name, as the block's own imports would be: the point is to load what the document names.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (name: string): unknown => require(name === 'express-auth-kit' ? '../../lib' : name);
  const module = { exports: {} as Record<string, unknown> };
  // The document's code, run as written.
  new Function('exports', 'require', 'module', ...Object.keys(scope), outputText)(
    module.exports,
    load,
    module,
    ...Object.values(scope),
  );
  return module.exports as T;
}
