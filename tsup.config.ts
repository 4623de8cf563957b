// Builds lib/ to dist/ as CommonJS (index.js) and ES module (index.mjs), each with its declarations.
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['lib/index.ts'],
  format: ['cjs', 'esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  // __filename (used to locate bcryptjs for the password workers) must exist in the ES module build too.
  shims: true,
  target: 'node20',
  outDir: 'dist',
});
