// Builds what the service serves from graph_api/service/static/ (build output, not in git):
//   trust-badge.js           the <trust-badge> web component (src/trust-badge.ts)
//   demo.js                  the /demo page's script (src/demo.ts; the page is demo.html)
//   vendor/graphiql.js, .css GraphiQL and React from npm (src/graphiql.tsx), for /graphql
// scripts/bootstrap.sh runs it after `npm ci` when the output is missing or older than its
// inputs (the stamp below names a hash of them). Usage: node build.mjs [--stamp HASH]
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "graph_api", "service", "static");
const stampAt = process.argv.indexOf("--stamp");

const common = {
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020"],
  legalComments: "linked",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
};

await esbuild.build({
  ...common,
  entryPoints: [join(here, "src", "trust-badge.ts")],
  outfile: join(out, "trust-badge.js"),
});
await esbuild.build({
  ...common,
  entryPoints: [join(here, "src", "demo.ts")],
  outfile: join(out, "demo.js"),
});
await esbuild.build({
  ...common,
  entryPoints: [join(here, "src", "graphiql.tsx")],
  outfile: join(out, "vendor", "graphiql.js"),
  // Fonts and icons stay inside the CSS: nothing is fetched from anywhere else.
  loader: { ".woff2": "dataurl", ".woff": "dataurl", ".svg": "dataurl" },
});
if (stampAt > 0) {
  mkdirSync(join(out, "vendor"), { recursive: true });
  writeFileSync(join(out, "vendor", "BUILD_STAMP"), `${process.argv[stampAt + 1]}\n`);
}
