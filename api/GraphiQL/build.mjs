// Bundles GraphiQL, its Monaco workers and its CSS into one folder the API serves at /graphiql/
// (run by api/Omni.Api.csproj after `npm ci`; the output is a build artefact, never committed).
import { build } from 'esbuild';

const outdir = process.argv[2] ?? 'dist';
const common = { bundle: true, minify: true, legalComments: 'linked', logLevel: 'warning', target: 'es2022' };

await build({
  ...common,
  entryPoints: { graphiql: 'src/index.jsx' },
  outdir,
  format: 'esm',
  jsx: 'automatic',
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file' },
  define: { 'process.env.NODE_ENV': '"production"' },
});

// Monaco runs its language services in web workers, one bundle each.
await build({
  ...common,
  entryPoints: {
    'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
    'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
    'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
  },
  outdir,
  format: 'iife',
});
