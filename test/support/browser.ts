import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');

/**
 * Debian's Chromium, headless. .ci/run installs it and sets BIDTAPE_REQUIRE_BROWSER=1, so CI
 * always runs the browser tests; elsewhere they are skipped with a warning when it is missing.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.BIDTAPE_REQUIRE_BROWSER === '1') throw new Error(`Chromium not found at ${CHROMIUM}`);
  console.warn(`Chromium not found at ${CHROMIUM}: browser tests skipped (apt-get install chromium)`);
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ], // playwright gives every launch a fresh temporary profile
  });
}
