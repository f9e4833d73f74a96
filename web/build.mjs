// Builds the web pages into the server's static folder (contract: "Built web assets").
//
//   src/pages/{booth,explorer,results}.js -> static/assets/{booth,explorer,results}.js
//   src/crypto/bench.js                   -> static/assets/bench.js (benchmarks/browser_booth.py)
//   html/{index,explorer,results}.html    -> static/, with html/partials/ put in place of
//                                            "<!-- include header page=P -->" and
//                                            "<!-- include footer -->"
//   css/*.css, html/*.svg (the icon)      -> static/assets/
//
// The output folder is emptied first, so nothing stale is ever served.
// Run with `npm run build` (or `node build.mjs`) from web/.

import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, "../src/referendum/server/static");
const assets = path.join(out, "assets");
const PAGES = ["booth", "explorer", "results"];
const HTML = ["index.html", "explorer.html", "results.html"];

async function main() {
  await rm(out, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });

  const result = await esbuild.build({
    entryPoints: {
      ...Object.fromEntries(PAGES.map((p) => [p, path.join(here, "src/pages", `${p}.js`)])),
      // The in-browser timing of encrypt-and-prove, loaded only by the benchmark.
      bench: path.join(here, "src/crypto/bench.js"),
    },
    outdir: assets,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });

  const partial = (name) => readFile(path.join(here, "html/partials", name), "utf8");
  const [header, footer] = await Promise.all([partial("header.html"), partial("footer.html")]);
  for (const name of HTML) {
    const page = await readFile(path.join(here, "html", name), "utf8");
    await writeFile(path.join(out, name), framed(page, name, header, footer));
  }
  const css = (await readdir(path.join(here, "css"))).filter((f) => f.endsWith(".css"));
  for (const name of css) {
    await cp(path.join(here, "css", name), path.join(assets, name));
  }
  const icons = (await readdir(path.join(here, "html"))).filter((f) => f.endsWith(".svg"));
  for (const name of icons) {
    await cp(path.join(here, "html", name), path.join(assets, name));
  }

  const written = [
    ...Object.keys(result.metafile.outputs).map((f) => path.resolve(f)),
    ...HTML.map((f) => path.join(out, f)),
    ...css.map((f) => path.join(assets, f)),
    ...icons.map((f) => path.join(assets, f)),
  ].sort();
  for (const file of written) {
    const { size } = await stat(file);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${size} bytes)`);
  }
}

/**
 * Gives back a page with the shared frame in place: the header (its script named after the
 * page, the page's own nav link marked aria-current) and the footer. Throws if the page
 * does not ask for both exactly once.
 */
function framed(page, name, header, footer) {
  const include = /^<!-- include header page=([a-z]+) -->\n/;
  const found = page.match(include);
  if (!found || !page.endsWith("<!-- include footer -->\n")) {
    throw new Error(`html/${name}: want "<!-- include header page=P -->" first and "<!-- include footer -->" last`);
  }
  const current = found[1];
  const marked = header.replaceAll("{{page}}", current).replace(
    `data-page="${current}"`,
    `aria-current="page" data-page="${current}"`,
  );
  if (!marked.includes('aria-current="page"')) throw new Error(`html/${name}: no nav link for page ${current}`);
  return marked + page.slice(found[0].length, -"<!-- include footer -->\n".length) + footer;
}

main().catch((err) => {
  console.error(`build failed: ${err.message ?? err}`);
  process.exit(1);
});
