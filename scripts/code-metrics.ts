// Size and shape figures of lib/ for refactoring notes (issue 19): `as` casts (not `as const`), non-null assertions,
// files over 300 lines, functions over 60 lines. Run: npx tsx scripts/code-metrics.ts [folder]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = process.argv[2] ?? 'lib';
const files: string[] = [];
const walk = (folder: string): void => {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.name.endsWith('.ts')) files.push(full);
  }
};
walk(root);

let casts = 0;
let nonNull = 0;
const longFiles: string[] = [];
const longFunctions: string[] = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length;
  if (lines > 300) longFiles.push(`${file} (${lines})`);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const visit = (node: ts.Node): void => {
    if (
      ts.isAsExpression(node) &&
      !(ts.isTypeReferenceNode(node.type) && node.type.typeName.getText(source) === 'const')
    )
      casts++;
    if (ts.isNonNullExpression(node)) nonNull++;
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (end - start + 1 > 60) longFunctions.push(`${file}:${start + 1} (${end - start + 1})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
console.log(
  JSON.stringify(
    {
      folder: root,
      files: files.length,
      asCasts: casts,
      nonNullAssertions: nonNull,
      filesOver300Lines: longFiles,
      functionsOver60Lines: longFunctions,
    },
    null,
    2,
  ),
);
