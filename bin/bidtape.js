#!/usr/bin/env node
// Runs the TypeScript CLI directly (ts-node, transpile only); `npm run proto` must have run.
require('ts-node').register({ transpileOnly: true, project: require('path').join(__dirname, '..', 'tsconfig.json') });
require('../sdk/cli/bidtape.ts');
