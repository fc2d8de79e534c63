#!/usr/bin/env node
// Generates static protobufjs code (src/generated/bidtape.js + .d.ts) from proto/.
// Static code is the fastest protobufjs encoder/decoder and gives typed messages.
const { execFileSync } = require('node:child_process');
const { mkdirSync, readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const protoDir = path.join(root, 'proto');
const outDir = path.join(root, 'src', 'generated');
const files = readdirSync(path.join(protoDir, 'bidtape', 'v1'))
  .filter((f) => f.endsWith('.proto'))
  .map((f) => path.join(protoDir, 'bidtape', 'v1', f));
mkdirSync(outDir, { recursive: true });
const bin = (name) => path.join(root, 'node_modules', 'protobufjs-cli', 'bin', name);
const js = path.join(outDir, 'bidtape.js');
execFileSync(process.execPath, [bin('pbjs'), '-t', 'static-module', '-w', 'commonjs', '--force-number',
  '--no-beautify', '-p', protoDir, '-o', js, ...files], { cwd: protoDir, stdio: 'inherit' });
execFileSync(process.execPath, [bin('pbts'), '--no-comments', '-o', path.join(outDir, 'bidtape.d.ts'), js],
  { stdio: 'inherit' });
// The same contract as a JSON descriptor for browsers (protobufjs light build, no codegen there).
execFileSync(process.execPath, [bin('pbjs'), '-t', 'json', '-p', protoDir, '-o', path.join(outDir, 'bidtape.json'), ...files],
  { cwd: protoDir, stdio: 'inherit' });
