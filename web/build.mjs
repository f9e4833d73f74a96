// Builds the web pages into the server's static folder (contract: "Built web assets").
//
//   src/pages/{booth,explorer,results}.js -> static/assets/PAGE-HASH.js, and the code the
//        pages share (the crypto library, common.js, the dictionaries) in
//        static/assets/chunk-HASH.js: esbuild's code splitting, so no module is sent twice
//   src/crypto/bench.js                   -> static/assets/bench-HASH.js, one file
//                                            (benchmarks/browser_booth.py; no page loads it)
//   css/*.css (minified), html/*.svg      -> static/assets/NAME-HASH.EXT
//   html/{index,explorer,results}.html    -> static/, with html/partials/ put in place of
//        "<!-- include header page=P -->" and "<!-- include footer -->", every "/assets/NAME"
//        replaced by the hashed name, and a modulepreload link for each chunk a page's
//        script imports (so the browser fetches them at once, not after the script)
//   every file above                      -> FILE.br and FILE.gz beside it (precompressed)
//   static/build.json                     -> every file with its size and SHA-256, the
//                                            hashed name of each source name, and the booth
//                                            hash (protocol.md 16.6) the manifest names
//
// Every script, module preload and style sheet a page loads carries
// integrity="sha384-..." (Subresource Integrity): the browser refuses an asset whose bytes
// are not the ones the page was built with.
//
// HASH is 8 characters of A-Z and 2-7 (esbuild's [hash] for scripts, the first 40 bits
// of the SHA-256 of the file in base32 for styles and images): a file's name changes
// whenever its bytes do, so the server can let browsers keep assets for a year
// (src/referendum/server/pages.py). The build is reproducible: the same sources, packages
// and Node.js give the same bytes (test/build.test.js builds twice and compares).
//
// The pages are written to a new folder that then replaces the old one, so nothing stale
// is ever served. Run with `npm run build` (or `node build.mjs [--out DIR]`) from web/.

import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_OUT = path.resolve(here, "../src/referendum/server/static");
const PAGES = ["booth", "explorer", "results"];
const HTML = ["index.html", "explorer.html", "results.html"];
const FORMAT = "referendum-web-build/1";
const HASHED = /-[A-Z2-7]{8}\.[a-z0-9]+$/;
const ESBUILD_OPTIONS = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  // UTF-8 text as it is: the default escapes every Cyrillic letter as \uXXXX (6 bytes).
  // Module scripts are always decoded as UTF-8.
  charset: "utf8",
  legalComments: "none",
  metafile: true,
  write: false,
  logLevel: "warning",
  absWorkingDir: here, // the metafile's paths are relative to web/, wherever the build runs
};

async function main() {
  const out = outFolder(process.argv.slice(2));
  const replacing = await previousBuild(out);
  const files = new Map(); // path in the output folder -> bytes
  const names = {}; // source name -> hashed path ("booth.js" -> "assets/booth-HASH.js")
  const imports = new Map(); // script path -> the script paths it imports statically

  const pages = await esbuild.build({
    ...ESBUILD_OPTIONS,
    entryPoints: Object.fromEntries(PAGES.map((p) => [p, path.join(here, "src/pages", `${p}.js`)])),
    splitting: true,
    outdir: path.join(here, "assets"), // only names are taken from it: nothing is written
    entryNames: "[name]-[hash]",
    chunkNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
  });
  // The benchmark's timing code on its own, so that it does not shape the pages' chunks.
  const bench = await esbuild.build({
    ...ESBUILD_OPTIONS,
    entryPoints: { bench: path.join(here, "src/crypto/bench.js") },
    outdir: path.join(here, "assets"),
    entryNames: "[name]-[hash]",
  });
  for (const result of [pages, bench]) {
    for (const file of result.outputFiles) files.set(relative(file.path), file.contents);
    for (const [file, info] of Object.entries(result.metafile.outputs)) {
      const name = relative(path.resolve(here, file));
      if (info.entryPoint) names[`${entryName(info.entryPoint)}.js`] = name;
      imports.set(
        name,
        info.imports.filter((i) => i.kind === "import-statement").map((i) => relative(path.resolve(here, i.path))),
      );
    }
  }

  const css = (await readdir(path.join(here, "css"))).filter((f) => f.endsWith(".css")).sort();
  for (const name of css) {
    const source = await readFile(path.join(here, "css", name), "utf8");
    const { code } = await esbuild.transform(source, { loader: "css", minify: true, charset: "utf8", logLevel: "warning" });
    addHashed(files, names, name, Buffer.from(code));
  }
  const icons = (await readdir(path.join(here, "html"))).filter((f) => f.endsWith(".svg")).sort();
  for (const name of icons) addHashed(files, names, name, await readFile(path.join(here, "html", name)));

  const partial = (name) => readFile(path.join(here, "html/partials", name), "utf8");
  const [header, footer] = await Promise.all([partial("header.html"), partial("footer.html")]);
  for (const name of HTML) {
    const page = await readFile(path.join(here, "html", name), "utf8");
    files.set(name, Buffer.from(linked(framed(page, name, header, footer), name, names, imports, files)));
  }

  for (const name of [...files.keys()]) {
    if (!HTML.includes(name) && !name.startsWith("assets/")) throw new Error(`unexpected output ${name}`);
    if (name.startsWith("assets/") && !HASHED.test(name)) throw new Error(`${name}: no content hash in the name`);
    const bytes = files.get(name);
    files.set(`${name}.br`, zlib.brotliCompressSync(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }));
    files.set(`${name}.gz`, zlib.gzipSync(bytes, { level: zlib.constants.Z_BEST_COMPRESSION }));
  }

  const listing = Object.fromEntries(
    [...files.keys()].sort().map((name) => [name, { bytes: files.get(name).length, sha256: sha256(files.get(name)) }]),
  );
  const booth = boothHash(listing);
  const manifest = { format: FORMAT, booth, names: sortedObject(names), files: listing };
  files.set("build.json", Buffer.from(JSON.stringify(manifest, null, 2) + "\n"));

  await writeFolder(out, replacing, files);
  for (const name of [...files.keys()].filter((n) => !/\.(br|gz)$/.test(n)).sort()) {
    const size = files.get(name).length;
    const br = files.get(`${name}.br`)?.length;
    console.log(`wrote ${path.relative(process.cwd(), path.join(out, name))} (${size} bytes${br ? `, ${br} br` : ""})`);
  }
  console.log(`booth ${booth}`);
}

/** Gives back the output folder: --out DIR, or the server's static folder. */
function outFolder(args) {
  if (args.length === 0) return DEFAULT_OUT;
  if (args.length === 2 && args[0] === "--out" && args[1]) return path.resolve(args[1]);
  throw new Error(`usage: node build.mjs [--out DIR] (got ${args.join(" ")})`);
}

/** Gives back the path of an esbuild output relative to the output folder. */
function relative(file) {
  return path.relative(here, file).split(path.sep).join("/");
}

/** Gives back an entry's name from its source ("src/pages/booth.js" -> "booth"). */
function entryName(entryPoint) {
  return path.basename(entryPoint, ".js");
}

/** Adds a style or image under assets/ with the first 40 bits of its SHA-256 in its name. */
function addHashed(files, names, name, bytes) {
  const ext = path.extname(name);
  const hashed = `assets/${path.basename(name, ext)}-${base32(createHash("sha256").update(bytes).digest()).slice(0, 8)}${ext}`;
  files.set(hashed, bytes);
  names[name] = hashed;
}

/** Gives back bytes in RFC 4648 base32 (A-Z, 2-7), without padding. */
function base32(bytes) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let text = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return bits > 0 ? text + alphabet[(value << (5 - bits)) & 31] : text;
}

/**
 * Gives back the booth hash (protocol.md 16.6): "sha256:" and the SHA-256 of one line
 * "<sha256 hex>  <path>\n" per file, in byte order of the paths (sha256sum's output).
 */
function boothHash(listing) {
  const lines = Object.keys(listing).sort(byBytes).map((name) => `${listing[name].sha256}  ${name}\n`);
  return `sha256:${sha256(Buffer.from(lines.join(""), "utf8"))}`;
}

function byBytes(a, b) {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Gives back the Subresource Integrity value of bytes: "sha384-" and base64. */
function integrity(bytes) {
  return `sha384-${createHash("sha384").update(bytes).digest("base64")}`;
}

function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

function sortedObject(object) {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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

/**
 * Gives back a page whose "/assets/NAME" references name the hashed files, each module
 * script followed by modulepreload links for every chunk it imports, directly or not, and
 * each script, preload and style sheet with its integrity attribute.
 * Throws on a reference to an asset the build did not make.
 */
function linked(page, name, names, imports, files) {
  const rewritten = page.replace(/(["'])\/assets\/([^"'?#]+)\1/g, (_, quote, asset) => {
    if (!(asset in names)) throw new Error(`html/${name}: no asset ${asset} (built: ${Object.keys(names).join(", ")})`);
    return `${quote}/${names[asset]}${quote}`;
  });
  return rewritten.replace(/<script type="module" src="\/(assets\/[^"]+)"><\/script>\n?/g, (tag, script) => {
    const chunks = [];
    const visit = (file) => {
      for (const dep of imports.get(file) ?? []) {
        if (!chunks.includes(dep)) {
          chunks.push(dep);
          visit(dep);
        }
      }
    };
    visit(script);
    const end = tag.endsWith("\n") ? "\n" : "";
    return tag.trimEnd() + chunks.map((c) => `\n<link rel="modulepreload" href="/${c}">`).join("") + end;
  }).replace(/<(script type="module" src|link rel="(?:stylesheet|modulepreload)" href)="\/(assets\/[^"]+)">/g, (_, start, asset) => {
    if (!files.has(asset)) throw new Error(`html/${name}: ${asset} was not built`);
    return `<${start}="/${asset}" integrity="${integrity(files.get(asset))}">`;
  });
}

/**
 * Tells whether out holds an earlier build (true) or does not exist (false); throws if it
 * holds something else, which the build must not delete.
 */
async function previousBuild(out) {
  let existing;
  try {
    existing = await readdir(out);
  } catch (err) {
    if (err.code === "ENOENT") return false;
    throw err;
  }
  if (existing.length > 0 && !existing.includes("build.json") && !existing.includes("index.html")) {
    throw new Error(`${out} is not empty and holds no earlier build (no build.json, no index.html): not replacing it`);
  }
  return true;
}

/** Writes the files into a new folder beside out, then puts it in out's place. */
async function writeFolder(out, replacing, files) {
  const fresh = `${out}.new-${process.pid}`;
  const old = `${out}.old-${process.pid}`;
  await rm(fresh, { recursive: true, force: true });
  for (const [name, bytes] of files) {
    await mkdir(path.dirname(path.join(fresh, name)), { recursive: true });
    await writeFile(path.join(fresh, name), bytes);
  }
  if (replacing) await rename(out, old);
  await rename(fresh, out);
  await rm(old, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(`build failed: ${err.message ?? err}`);
  process.exit(1);
});
