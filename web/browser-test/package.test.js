// The JavaScript client as an app team gets it: scripts/pack-client.sh makes the tarball, an empty
// project installs it with `npm install <tarball>` (offline, with an empty cache: it must fetch
// nothing), and RealtimeClient is imported by its package name from Node and from a page in
// headless Chromium. The versions of the package, the module and `kata-rt --version` agree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  throw new Error('playwright-core is missing: run `npm ci` in web/browser-test (scripts/test.sh does)');
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const executablePath = process.env.KATA_RT_CHROMIUM || '/usr/bin/chromium';
const binary = process.env.KATA_RT_BINARY;
const cmakeVersion = process.env.KATA_RT_VERSION;
const PKG = '@kata/realtime-client';

let work;
let tarball;
let app;
let server;
let browser;

before(() => {
  work = mkdtempSync(path.join(tmpdir(), 'kata-rt-pack-'));
  const out = execFileSync(path.join(repo, 'scripts', 'pack-client.sh'), [path.join(work, 'out')], {
    encoding: 'utf8',
  });
  tarball = out.trim().split('\n').at(-1);
  app = path.join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }),
  );
});

after(async () => {
  await browser?.close();
  if (server) await new Promise((resolve) => server.close(resolve));
  if (work) rmSync(work, { recursive: true, force: true });
});

test('npm install <tarball> into an empty project fetches nothing and installs only the client', () => {
  assert.ok(existsSync(tarball), `pack-client.sh made ${tarball}`);
  // --offline with an empty cache and an unreachable registry: any fetch would fail the install.
  const r = spawnSync(
    'npm',
    [
      'install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts',
      '--cache', path.join(work, 'npm-cache'), '--registry', 'http://127.0.0.1:9/',
      tarball,
    ],
    { cwd: app, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `npm install failed:\n${r.stdout}\n${r.stderr}`);
  assert.deepEqual(readdirSync(path.join(app, 'node_modules')).filter((n) => !n.startsWith('.')), ['@kata']);
  const installed = path.join(app, 'node_modules', '@kata', 'realtime-client');
  const pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
  assert.equal(pkg.license, 'Apache-2.0');
  assert.equal(pkg.private, undefined, 'not private');
  assert.deepEqual(pkg.dependencies ?? {}, {}, 'zero runtime dependencies');
  assert.ok(pkg.repository?.url, 'repository');
  assert.match(readFileSync(path.join(installed, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/);
  const readme = readFileSync(path.join(installed, 'README.md'), 'utf8');
  for (const heading of ['## Install', '## Options', '## Events', '## Close codes', '## Supported environments']) {
    assert.ok(readme.includes(heading), `README has ${heading}`);
  }
  assert.doesNotMatch(readme, /issue #?[0-9]|this round|other engineers/i);
  const types = readFileSync(path.join(installed, 'index.d.ts'), 'utf8');
  assert.doesNotMatch(types, /PROTOCOL\.md/, 'no reference to a file outside the package');
  assert.ok(existsSync(path.join(installed, 'index.js')));
});

test('Node imports RealtimeClient by the package name; every version agrees', () => {
  const script = `
    import { RealtimeClient, VERSION, isValidChannel } from '${PKG}';
    import { createRequire } from 'node:module';
    const pkg = createRequire(process.cwd() + '/')('${PKG}/package.json');
    console.log(JSON.stringify({ type: typeof RealtimeClient, VERSION, pkg: pkg.version, valid: isValidChannel('team:dev') }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
  const got = JSON.parse(out.trim().split('\n').at(-1));
  assert.deepEqual(got, { type: 'function', VERSION: got.pkg, pkg: got.pkg, valid: true });
  assert.ok(cmakeVersion, 'KATA_RT_VERSION comes from CMake project(VERSION)');
  assert.equal(got.pkg, cmakeVersion, 'package.json version = CMake project(VERSION)');
  if (binary) {
    const v = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
    assert.equal(v, `kata-rt ${cmakeVersion}`);
  }
});

test('a page in headless Chromium imports RealtimeClient from the installed package', async () => {
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} not found: scripts/setup.sh installs Debian's chromium`);
  }
  const installed = path.join(app, 'node_modules', '@kata', 'realtime-client', 'index.js');
  const page = `<!doctype html><title>app</title>
<script type="importmap">{"imports":{"${PKG}":"/node_modules/${PKG}/index.js"}}</script>
<script type="module">
  import { RealtimeClient, VERSION } from '${PKG}';
  window.result = { type: typeof RealtimeClient, VERSION };
</script>`;
  server = http.createServer((req, res) => {
    if (req.url === `/node_modules/${PKG}/index.js`) {
      res.setHeader('content-type', 'text/javascript');
      res.end(readFileSync(installed));
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end(page);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  browser = await chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: false,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (err) => errors.push(String(err)));
  await tab.goto(`http://127.0.0.1:${port}/`);
  await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 20000 });
  const result = await tab.evaluate(() => window.result);
  assert.deepEqual(result, { type: 'function', VERSION: cmakeVersion });
  assert.deepEqual(errors, []);
});
