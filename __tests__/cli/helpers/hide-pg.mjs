// Loaded with `node --import` before the CLI: makes the "pg" package unresolvable, as in an install without it,
// for both import() (a resolve hook) and require() (the CommonJS resolver).
import Module, { register } from 'node:module';

const hook = `export async function resolve(specifier, context, next) {
  if (specifier === 'pg') {
    const error = new Error("Cannot find package 'pg'");
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'pg') {
    const error = new Error("Cannot find module 'pg'");
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolveFilename.call(this, request, ...rest);
};
