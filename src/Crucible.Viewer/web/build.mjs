// Bundles the viewer's front-end into one script (node build.mjs OUTFILE). Run by Crucible.Viewer.csproj after
// `npm ci`; the esbuild JavaScript API finds its native binary in @esbuild/<platform>, with or without install scripts.
import { build } from 'esbuild';

const outfile = process.argv[2] ?? 'dist/app.js';
await build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  legalComments: 'none',
  outfile,
  logLevel: 'warning',
});
