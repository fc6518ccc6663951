// index.d.ts is checked against the code: test/usage.ts compiles with `tsc --noEmit --strict`, and
// the names index.d.ts declares are exactly the ones index.js exports (classes: their public members).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import * as runtime from '../index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const require = createRequire(import.meta.url);

function typescript() {
  try {
    return require('typescript');
  } catch {
    throw new Error('typescript is missing: run `npm ci` in web/client (scripts/test.sh does)');
  }
}

test('usage.ts type-checks against index.d.ts (tsc --noEmit --strict)', () => {
  const ts = typescript();
  const tsc = path.join(path.dirname(require.resolve('typescript')), '..', 'bin', 'tsc');
  try {
    execFileSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
        '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', 'false',
        path.join(here, 'usage.ts')],
      { cwd: root, encoding: 'utf8', stdio: 'pipe' },
    );
  } catch (err) {
    assert.fail(`tsc ${ts.version} failed:\n${err.stdout}${err.stderr}`);
  }
});

// Declared value exports and class members of index.d.ts, read with the TypeScript parser.
function declarations() {
  const ts = typescript();
  const file = path.join(root, 'index.d.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const exports = new Set();
  const classes = new Map();
  const exported = (node) => node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const node of source.statements) {
    if (ts.isExportAssignment(node)) exports.add('default');
    if (!exported(node)) continue;
    if (ts.isFunctionDeclaration(node)) exports.add(node.name.text);
    if (ts.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) exports.add(d.name.text);
    }
    if (ts.isClassDeclaration(node)) {
      exports.add(node.name.text);
      const members = new Set();
      for (const m of node.members) if (m.name) members.add(m.name.text);
      classes.set(node.name.text, members);
    }
  }
  return { exports, classes };
}

function publicMembers(cls, instance) {
  const names = new Set();
  for (const n of Object.getOwnPropertyNames(cls.prototype)) {
    if (n !== 'constructor' && !n.startsWith('_')) names.add(n);
  }
  for (const n of Object.keys(instance)) if (!n.startsWith('_')) names.add(n);
  return names;
}

test('index.d.ts declares exactly what index.js exports', () => {
  const { exports } = declarations();
  assert.deepEqual([...exports].sort(), Object.keys(runtime).sort());
});

test('declared class members exist at run time, and public ones are all declared', async () => {
  const { classes } = declarations();
  const { makeFakeWebSocket } = await import('./fakes.js');
  const { FakeWebSocket } = makeFakeWebSocket();
  const client = new runtime.RealtimeClient('ws://127.0.0.1:1/v1/ws', { WebSocket: FakeWebSocket, environment: null });
  client.close();
  const backoff = new runtime.Backoff({});
  assert.deepEqual([...classes.get('RealtimeClient')].sort(), [...publicMembers(runtime.RealtimeClient, client)].sort());
  assert.deepEqual([...classes.get('Backoff')].sort(), [...publicMembers(runtime.Backoff, backoff)].sort());
});
