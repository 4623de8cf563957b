// Builds lib/ to dist/ as CommonJS (index.js) and ES module (index.mjs), each with its declarations, and the
// `express-auth-kit` command (lib/cli/main.ts) to dist/cli.js, CommonJS only, for package.json's "bin".
import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['lib/index.ts'],
    format: ['cjs', 'esm'],
    dts: true,
    // The two builds run at once: the library's clean must spare the command's output.
    clean: ['!cli.js', '!cli.js.map'],
    sourcemap: true,
    // __filename (used to locate bcryptjs for the password workers) must exist in the ES module build too.
    shims: true,
    target: 'node20',
    outDir: 'dist',
    // The optional peer for passkeys: loaded at run time (require in CommonJS, import() in ESM), never bundled.
    external: ['@simplewebauthn/server'],
  },
  {
    // tsup keeps main.ts's #! line and makes the file executable.
    entry: { cli: 'lib/cli/main.ts' },
    format: ['cjs'],
    // pg is a devDependency, so tsup would bundle it; migrate loads the host's pg at run time, or says to install it.
    external: ['pg'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
    outDir: 'dist',
  },
]);
