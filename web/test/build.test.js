// The build (build.mjs): reproducible, content-hashed names, one copy of the shared code,
// precompressed copies that decode to their file, and build.json listing every file.
// Builds into temporary folders only: the server's static folder is left alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PAGES = { 'index.html': 'booth.js', 'explorer.html': 'explorer.js', 'results.html': 'results.js' };
let tmp;
let clone; // a copy of web/ elsewhere, as a clean clone would have it

function build(from, out) {
  const run = spawnSync(process.execPath, ['build.mjs', '--out', out], { cwd: from, encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

function built(from, out) {
  const { status, output } = build(from, out);
  assert.equal(status, 0, output);
}

/** Gives back {relative path: bytes} of every file under folder. */
async function files(folder) {
  const found = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath ?? entry.path, entry.name);
    found[path.relative(folder, full).split(path.sep).join('/')] = await readFile(full);
  }
  return found;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const scripts = (html) => [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'referendum-build-'));
  clone = path.join(tmp, 'clone');
  for (const part of ['build.mjs', 'package.json', 'src', 'html', 'css']) {
    await cp(path.join(WEB, part), path.join(clone, part), { recursive: true });
  }
  // The packages bundled into the pages are copied (their paths are part of the build);
  // the build tool itself only runs, so it is linked.
  await mkdir(path.join(clone, 'node_modules'));
  for (const name of await readdir(path.join(WEB, 'node_modules'))) {
    const from = path.join(WEB, 'node_modules', name);
    if (name === 'esbuild' || name === '@esbuild' || name === '.bin') {
      await symlink(from, path.join(clone, 'node_modules', name));
    } else {
      await cp(from, path.join(clone, 'node_modules', name), { recursive: true });
    }
  }
  built(WEB, path.join(tmp, 'a'));
  built(clone, path.join(tmp, 'b'));
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('two builds, here and in a copy elsewhere, give the same bytes', async () => {
  const [a, b] = [await files(path.join(tmp, 'a')), await files(path.join(tmp, 'b'))];
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const name of Object.keys(a)) assert.ok(a[name].equals(b[name]), `${name} differs`);
});

test('build.json lists every file with its size and SHA-256, and each name', async () => {
  const found = await files(path.join(tmp, 'a'));
  const listing = JSON.parse(found['build.json']);
  assert.equal(listing.format, 'referendum-web-build/1');
  delete found['build.json'];
  assert.deepEqual(Object.keys(listing.files).sort(), Object.keys(found).sort());
  for (const [name, { bytes, sha256: digest }] of Object.entries(listing.files)) {
    assert.equal(bytes, found[name].length, name);
    assert.equal(digest, sha256(found[name]), name);
  }
  for (const source of ['booth.js', 'explorer.js', 'results.js', 'bench.js', 'style.css', 'favicon.svg']) {
    assert.ok(listing.names[source] in found, source);
  }
});

test('every asset has a content hash in its name; styles and images their SHA-256', async () => {
  const found = await files(path.join(tmp, 'a'));
  for (const name of Object.keys(found).filter((n) => n.startsWith('assets/') && !/\.(br|gz)$/.test(n))) {
    assert.match(name, /^assets\/[a-z0-9-]+-[A-Z2-7]{8}\.(js|css|svg)$/);
  }
  const { names } = JSON.parse(found['build.json']);
  for (const source of ['style.css', 'favicon.svg']) {
    const digest = createHash('sha256').update(found[names[source]]).digest();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const first40 = digest.readUIntBE(0, 5);
    const expected = [...Array(8)].map((_, i) => alphabet[Math.floor(first40 / 2 ** (35 - 5 * i)) % 32]).join('');
    assert.equal(names[source].split('-').pop().split('.')[0], expected, source);
  }
});

test('every file has .br and .gz copies that decode to it', async () => {
  const found = await files(path.join(tmp, 'a'));
  const plain = Object.keys(found).filter((n) => !/\.(br|gz)$/.test(n) && n !== 'build.json');
  assert.ok(plain.length >= 9);
  for (const name of plain) {
    assert.ok(zlib.brotliDecompressSync(found[`${name}.br`]).equals(found[name]), `${name}.br`);
    assert.ok(zlib.gunzipSync(found[`${name}.gz`]).equals(found[name]), `${name}.gz`);
    assert.ok(found[`${name}.br`].length < found[name].length || found[name].length < 300, name);
  }
});

test('each page loads its own script and preloads the shared chunk; the crypto code is in one file', async () => {
  const found = await files(path.join(tmp, 'a'));
  const { names } = JSON.parse(found['build.json']);
  const loaded = {};
  for (const [page, script] of Object.entries(PAGES)) {
    const html = found[page].toString('utf8');
    assert.ok(!/["']\/assets\/(booth|explorer|results|style|favicon)\.\w+["']/.test(html), `${page}: unhashed name`);
    assert.ok(html.includes(`<script type="module" src="/${names[script]}" integrity="${sri(found[names[script]])}"></script>`), page);
    const preloads = [...html.matchAll(/<link rel="modulepreload" href="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(preloads.length >= 1, `${page}: no modulepreload`);
    for (const chunk of preloads) {
      assert.ok(found[names[script]].toString('utf8').includes(path.basename(chunk)) || preloads.some(
        (other) => found[other].toString('utf8').includes(path.basename(chunk)),
      ), `${page}: ${chunk} is preloaded but not imported`);
    }
    for (const asset of [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1])) {
      assert.ok(asset in found, `${page}: ${asset} was not built`);
    }
    loaded[page] = scripts(html);
  }
  // The domain-separation prefix of every hash (src/crypto/hashing.js) is in exactly one
  // file, and all three pages load it.
  const pageFiles = [...new Set(Object.values(loaded).flat())];
  const holders = pageFiles.filter((f) => found[f].toString('utf8').includes('referendum/v1/'));
  assert.equal(holders.length, 1, `the crypto code is in ${holders.join(', ')}`);
  for (const page of Object.keys(PAGES)) assert.ok(loaded[page].includes(holders[0]), page);
});

test('a changed source changes the names of the files it reaches, and only those', async () => {
  const hashing = path.join(clone, 'src/crypto/hashing.js');
  const original = await readFile(hashing, 'utf8');
  assert.ok(original.includes("'referendum/v1/'"), 'hashing.js no longer holds the prefix');
  await writeFile(hashing, original.replace("'referendum/v1/'", "'referendum/v9/'"));
  try {
    built(clone, path.join(tmp, 'changed'));
  } finally {
    await writeFile(hashing, original);
  }
  const a = JSON.parse(await readFile(path.join(tmp, 'a/build.json'))).names;
  const changed = JSON.parse(await readFile(path.join(tmp, 'changed/build.json'))).names;
  for (const source of ['booth.js', 'explorer.js', 'results.js', 'bench.js']) assert.notEqual(a[source], changed[source], source);
  for (const source of ['style.css', 'favicon.svg']) assert.equal(a[source], changed[source], source);
});

test('a page naming an asset the build did not make fails the build, and the old build stays', async () => {
  const out = path.join(tmp, 'bad');
  built(clone, out);
  const before = await files(out);
  const page = path.join(clone, 'html/results.html');
  const original = await readFile(page, 'utf8');
  await writeFile(page, original.replace('<!-- include footer -->', '<img src="/assets/nope.png" alt="">\n<!-- include footer -->'));
  let result;
  try {
    result = build(clone, out);
  } finally {
    await writeFile(page, original);
  }
  assert.notEqual(result.status, 0);
  assert.match(result.output, /build failed: html\/results\.html: no asset nope\.png/);
  assert.deepEqual(Object.keys(await files(out)).sort(), Object.keys(before).sort());
});

test('the build refuses to replace a folder that holds something else', async () => {
  const out = path.join(tmp, 'other');
  await mkdir(out);
  await writeFile(path.join(out, 'notes.txt'), 'keep me');
  const { status, output } = build(WEB, out);
  assert.notEqual(status, 0);
  assert.match(output, /holds no earlier build/);
  assert.equal(await readFile(path.join(out, 'notes.txt'), 'utf8'), 'keep me');
  const usage = build(WEB, '');
  assert.notEqual(usage.status, 0);
  assert.match(usage.output, /usage: node build\.mjs \[--out DIR\]/);
});

test('every script, preload and style sheet of a page carries its Subresource Integrity', async () => {
  const found = await files(path.join(tmp, 'a'));
  for (const page of Object.keys(PAGES)) {
    const html = found[page].toString('utf8');
    const tags = [...html.matchAll(/<(?:script|link)\b[^>]*>/g)].map((m) => m[0]);
    const loading = tags.filter((tag) => /src="|rel="(stylesheet|modulepreload)"/.test(tag));
    assert.ok(loading.length >= 3, `${page}: ${loading.length} scripts and styles`);
    for (const tag of loading) {
      const asset = tag.match(/(?:src|href)="\/(assets\/[^"]+)"/)[1];
      const given = tag.match(/ integrity="([^"]+)"/)?.[1];
      assert.equal(given, sri(found[asset]), `${page}: ${tag}`);
    }
  }
});

test('build.json names the booth hash: SHA-256 of the sha256sum listing of every file but build.json', async () => {
  const found = await files(path.join(tmp, 'a'));
  const { booth } = JSON.parse(found['build.json']);
  const names = Object.keys(found).filter((n) => n !== 'build.json').sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  const listing = names.map((n) => `${sha256(found[n])}  ${n}\n`).join('');
  assert.equal(booth, `sha256:${sha256(Buffer.from(listing))}`);
  // The same sources elsewhere give the same hash; a changed file another one.
  assert.equal(JSON.parse(await readFile(path.join(tmp, 'b/build.json'))).booth, booth);
  const changed = JSON.parse(await readFile(path.join(tmp, 'changed/build.json'))).booth;
  assert.match(changed, /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(changed, booth);
});
