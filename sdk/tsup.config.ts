import { defineConfig } from 'tsup';
import type { Options } from 'tsup';

// protobufjs/minimal is bundled, not a dependency: the SDK configures its own private copy
// (64-bit integers as numbers) and never touches the protobufjs of the application using it.
const shared: Options = { noExternal: ['protobufjs'], target: 'es2022', sourcemap: true };

export default defineConfig([
  // The library for Node and bundlers: ESM and CommonJS, with types.
  { ...shared, entry: { index: 'src/index.ts', recording: 'src/recording.ts' }, format: ['esm', 'cjs'], dts: { resolve: ['protobufjs'] }, clean: true, platform: 'node', external: ['ws'] },
  // The `bidtape` command, compiled (no TypeScript at run time).
  { ...shared, entry: { cli: 'cli/bidtape.ts' }, format: ['cjs'], platform: 'node', external: ['ws'], banner: { js: '#!/usr/bin/env node' } },
  // One classic script for pages: window.Bidtape, no Node built-ins.
  { ...shared, entry: { 'bidtape-sdk': 'src/index.ts' }, outDir: 'dist/browser', format: ['iife'], globalName: 'Bidtape', platform: 'browser', minify: true },
]);
