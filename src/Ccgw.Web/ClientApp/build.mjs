// Bundles every page entry (src/pages/*.js) into one browser script each, with its npm dependencies inside, so
// that the pages load nothing but ccgw's own /assets. Called by Ccgw.Web.csproj's BuildClientApp target:
//   node build.mjs <output directory>
import { build } from 'esbuild';
import { readdirSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

// @xmpp/resolve maps its DNS module away for browsers as "./lib/dns" but imports "./lib/dns.js", so the mapping
// misses; DNS (SRV) lookup is only used for bare domains, never for the ws:// service the pages give it.
const nodeBuiltinsAsEmpty = {
  name: 'node-builtins-as-empty',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, args => ({ path: args.path, namespace: 'empty' }));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export default {};' }));
  },
};

const outdir = resolve(process.argv[2] ?? 'dist');
const pages = readdirSync('src/pages').filter(f => f.endsWith('.js')).map(f => join('src/pages', f));
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
if (pages.length > 0) {
  await build({
    entryPoints: pages,
    outdir,
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'iife',
    target: ['chrome109', 'firefox115', 'safari16'],
    platform: 'browser',
    // mqtt.js and @xmpp/client reach for Node's globals in a few places; the browser builds they document need these.
    define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
    legalComments: 'eof', // the bundled packages' licence notices travel inside the served file
    logLevel: 'warning',
    plugins: [nodeBuiltinsAsEmpty],
  });
}
console.log(`client app: ${pages.length} page bundle(s) in ${outdir}`);
