// Builds the offline GraphiQL IDE into gateway/graphiql/ from the packages pinned in package-lock.json:
// one JavaScript and one CSS file named by their content hash (so the gateway can let browsers cache
// them forever), the page that loads them, a manifest the gateway reads, and the licence notices of
// every package in the bundle. Run it through build.sh (npm ci first); the output is byte-for-byte the
// same on every run with the same lock file.
import { readFile, readdir, rm, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
// The output directory: gateway/graphiql/ unless given (build.sh --check builds elsewhere and compares).
const out = resolve(process.argv[2] || join(here, '../../gateway/graphiql'));
const modules = join(here, 'node_modules');

const json = async (path) => JSON.parse(await readFile(path, 'utf8'));
const version = async (name) => (await json(join(modules, name, 'package.json'))).version;

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { graphiql: 'src/ide.jsx' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15.4', 'edge100'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none', // the notices are all in THIRD_PARTY_LICENSES.txt, written below
  banner: {
    js: '/*! GraphiQL for salesflow; licences of the bundled packages: THIRD_PARTY_LICENSES.txt */',
    css: '/*! GraphiQL for salesflow; licences of the bundled packages: THIRD_PARTY_LICENSES.txt */',
  },
  charset: 'utf8',
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  outdir: out,
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((path) => relative(out, resolve(here, path))).sort();
const js = outputs.find((name) => name.endsWith('.js'));
const css = outputs.find((name) => name.endsWith('.css'));
if (!js || !css || outputs.length !== 2) throw new Error(`expected one .js and one .css, got ${outputs}`);

const page = (await readFile(join(here, 'src/index.html'), 'utf8')).replace('{{js}}', js).replace('{{css}}', css);
await writeFile(join(out, 'index.html'), page);

// A few packages ship no licence file. Those published from the same repository as another bundled
// package carry that repository's licence; the others are MIT with their author as copyright holder.
// Any other package without a licence file stops the build rather than ship without its notice.
const SAME_REPOSITORY = {
  '@graphiql/plugin-doc-explorer': 'graphiql', // github.com/graphql/graphiql
  '@graphiql/plugin-history': 'graphiql',
  'react-compiler-runtime': 'react', // github.com/facebook/react
};
const MIT = (await readFile(join(here, 'MIT.txt'), 'utf8')).trim();

async function licenceFile(directory) {
  const file = (await readdir(directory)).sort().find((entry) => /^(licen[sc]e|copying)/i.test(entry));
  return file && (await readFile(join(directory, file), 'utf8')).trim();
}

async function notice(meta, directory) {
  const own = await licenceFile(directory);
  if (own) return own;
  if (SAME_REPOSITORY[meta.name]) {
    const text = await licenceFile(join(modules, SAME_REPOSITORY[meta.name]));
    return `(no licence file in the package; that of ${SAME_REPOSITORY[meta.name]}, from the same repository)\n${text}`;
  }
  const author = typeof meta.author === 'string' ? meta.author : meta.author?.name;
  if (meta.license === 'MIT' && author) return `(no licence file in the package; its package.json says MIT)\n${MIT.replace('{{holder}}', author)}`;
  throw new Error(`${meta.name} ${meta.version} ships no licence file: add its notice to build.mjs`);
}

// Every package with a file in the bundle, found from the inputs esbuild actually used.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g);
  if (match) packages.add(match[match.length - 1].replace(/^node_modules\//, '').replace(/\/$/, ''));
}
const notices = [];
for (const name of [...packages].sort()) {
  const directory = join(modules, name);
  const meta = await json(join(directory, 'package.json'));
  notices.push(`${'='.repeat(100)}\n${meta.name} ${meta.version} (${meta.license})\n${'='.repeat(100)}\n${await notice(meta, directory)}\n`);
}
await writeFile(join(out, 'THIRD_PARTY_LICENSES.txt'),
  `The GraphiQL bundle (${js}, ${css}) contains the following ${notices.length} packages,\n` +
  `built by tools/graphiql/build.sh. Their licences follow.\n\n${notices.join('\n')}`);

const manifest = {
  graphiql: await version('graphiql'),
  react: await version('react'),
  page: 'index.html',
  assets: [js, css],
  notices: 'THIRD_PARTY_LICENSES.txt',
};
await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(JSON.stringify(manifest, null, 2));
