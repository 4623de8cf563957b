// Loaded with `node --import` after tsx, before a probe: makes "prom-client" unresolvable for require (how the library
// loads it, through createRequire), as in an install without the optional peer.
import Module from 'node:module';

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'prom-client') {
    const error = new Error("Cannot find module 'prom-client'");
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolveFilename.call(this, request, ...rest);
};
