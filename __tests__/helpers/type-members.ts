// What a type of lib/ declares, read with the TypeScript compiler (the names of a string-literal union, the properties
// of an options interface and of its option groups), so a document's table can be held to the code without a
// hand-kept list beside it.
import path from 'node:path';
import ts from 'typescript';
import { REPOSITORY_ROOT } from './doc-blocks';

const programs = new Map<string, { checker: ts.TypeChecker; source: ts.SourceFile }>();

function programFor(file: string): { checker: ts.TypeChecker; source: ts.SourceFile } {
  const cached = programs.get(file);
  if (cached) return cached;
  const fileName = path.join(REPOSITORY_ROOT, file);
  const program = ts.createProgram([fileName], { strict: true, skipLibCheck: true, noEmit: true, types: ['node'] });
  const source = program.getSourceFile(fileName);
  if (!source) throw new Error(`${file} is not part of the program`);
  const found = { checker: program.getTypeChecker(), source };
  programs.set(file, found);
  return found;
}

function declaredType(checker: ts.TypeChecker, source: ts.SourceFile, name: string): ts.Type {
  const module = checker.getSymbolAtLocation(source);
  const symbol = module && checker.getExportsOfModule(module).find((candidate) => candidate.name === name);
  if (!symbol) throw new Error(`${source.fileName} exports no type named ${name}`);
  return checker.getDeclaredTypeOfSymbol(symbol);
}

/** The members of a union of string literals, e.g. `WarningCode` in lib/logger.ts. */
export function stringUnionMembers(file: string, typeName: string): string[] {
  const { checker, source } = programFor(file);
  const type = declaredType(checker, source, typeName);
  const members = type.isUnion() ? type.types : [type];
  return members.map((member) => {
    if (!member.isStringLiteral()) throw new Error(`${typeName} has a member that is not a string literal`);
    return member.value;
  });
}

/**
 * The properties of an interface, and for each property whose type (once `false`, `true`, `null` and `undefined` are
 * set aside) is one plain object type, that object's properties as `group.field`. Function types, arrays and the
 * properties named in `opaque` (adapters, key material) are not groups.
 */
export function optionNames(
  file: string,
  typeName: string,
  opaque: readonly string[],
): { topLevel: string[]; nested: string[] } {
  const { checker, source } = programFor(file);
  const type = declaredType(checker, source, typeName);
  const topLevel: string[] = [];
  const nested: string[] = [];
  for (const property of checker.getPropertiesOfType(type)) {
    topLevel.push(property.name);
    if (opaque.includes(property.name)) continue;
    const propertyType = checker.getNonNullableType(checker.getTypeOfSymbol(property));
    const parts = (propertyType.isUnion() ? propertyType.types : [propertyType]).filter(
      (part) => (part.flags & (ts.TypeFlags.BooleanLiteral | ts.TypeFlags.Boolean)) === 0,
    );
    if (parts.length !== 1) continue;
    const group = parts[0]!;
    if ((group.flags & ts.TypeFlags.Object) === 0 || group.getCallSignatures().length > 0 || checker.isArrayType(group))
      continue;
    for (const field of checker.getPropertiesOfType(group)) nested.push(`${property.name}.${field.name}`);
  }
  return { topLevel, nested };
}
