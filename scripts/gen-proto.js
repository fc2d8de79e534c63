#!/usr/bin/env node
// Generates static protobufjs code from proto/: one copy for the server (src/generated/) and
// one for the SDK (sdk/src/generated/), which is a package of its own and imports nothing from
// src/. Static code is the fastest protobufjs encoder/decoder and gives typed messages.
const { execFileSync } = require('node:child_process');
const { mkdirSync, readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const protoDir = path.join(root, 'proto');
const outDir = path.join(root, 'src', 'generated');
const sdkOutDir = path.join(root, 'sdk', 'src', 'generated');
const files = readdirSync(path.join(protoDir, 'bidtape', 'v1'))
  .filter((f) => f.endsWith('.proto'))
  .map((f) => path.join(protoDir, 'bidtape', 'v1', f));
mkdirSync(outDir, { recursive: true });
mkdirSync(sdkOutDir, { recursive: true });
const bin = (name) => path.join(root, 'node_modules', 'protobufjs-cli', 'bin', name);
/** Static code plus its declarations; `rootName` keeps each copy's types apart in protobufjs's shared registry. */
function generate(dir, rootName) {
  const js = path.join(dir, 'bidtape.js');
  execFileSync(process.execPath, [bin('pbjs'), '-t', 'static-module', '-w', 'commonjs', '--force-number', '--no-beautify',
    '-r', rootName, '-p', protoDir, '-o', js, ...files], { cwd: protoDir, stdio: 'inherit' });
  execFileSync(process.execPath, [bin('pbts'), '--no-comments', '-o', path.join(dir, 'bidtape.d.ts'), js], { stdio: 'inherit' });
}
generate(outDir, 'bidtape-server');
// The SDK's copy: its build bundles a private protobufjs/minimal with it.
generate(sdkOutDir, 'bidtape-sdk');
// The contract as a JSON descriptor (the server's JSON subprotocol and field checks use reflection).
execFileSync(process.execPath, [bin('pbjs'), '-t', 'json', '-p', protoDir, '-o', path.join(outDir, 'bidtape.json'), ...files],
  { cwd: protoDir, stdio: 'inherit' });
