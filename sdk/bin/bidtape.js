#!/usr/bin/env node
'use strict';
// The `bidtape` command (package.json "bin"): runs the TypeScript CLI from its sources.
// Each .ts file is transpiled once (TypeScript's transpileModule, no type check) and cached by
// content hash in node_modules/.cache/bidtape-cli, so a start costs about 0.1 s and the cache
// can never be stale. The protobuf code is generated from proto/ first if this checkout has not
// done it yet (src/generated/ is not committed).
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
if (!fs.existsSync(path.join(root, 'src', 'generated', 'bidtape.js'))) {
  require('node:child_process').execFileSync(process.execPath, [path.join(root, 'scripts', 'gen-proto.js')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const cacheDir = path.join(root, 'node_modules', '.cache', 'bidtape-cli');
const CACHE_VERSION = 'v1 commonjs es2022'; // change when the compiler options below change
let typescript;

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(`${CACHE_VERSION}\0${filename}\0${source}`).digest('hex').slice(0, 40);
  const cached = path.join(cacheDir, `${key}.js`);
  let js;
  try {
    js = fs.readFileSync(cached, 'utf8');
  } catch {
    typescript ??= require('typescript');
    js = typescript.transpileModule(source, {
      fileName: filename,
      compilerOptions: {
        module: typescript.ModuleKind.CommonJS,
        target: typescript.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    }).outputText;
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const temporary = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, js);
      fs.renameSync(temporary, cached); // atomic: concurrent runs never read half a file
    } catch {
      // read-only checkout: run without the cache
    }
  }
  module._compile(js, filename);
};

require('../cli/bidtape.ts');
