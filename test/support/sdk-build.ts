import { existsSync } from 'node:fs';
import path from 'node:path';

/** The built SDK package (`npm run sdk:build`; `npm test` runs it before jest). */
export const SDK_DIR = path.resolve(__dirname, '..', '..', 'sdk');
export const SDK_CLI = path.join(SDK_DIR, 'dist', 'cli.js');
export const SDK_BROWSER_BUNDLE = path.join(SDK_DIR, 'dist', 'browser', 'bidtape-sdk.global.js');

/** Fails a suite early, naming the command, when the package has not been built. */
export function requireBuiltSdk(): void {
  for (const file of [path.join(SDK_DIR, 'dist', 'index.js'), path.join(SDK_DIR, 'dist', 'index.mjs'), SDK_CLI, SDK_BROWSER_BUNDLE]) {
    if (!existsSync(file)) throw new Error(`${path.relative(SDK_DIR, file)} is missing: run npm run sdk:build`);
  }
}
