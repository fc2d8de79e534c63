import { spawnSync } from 'node:child_process';

/**
 * Tests that need a Debian package (chromium, docker-compose, protoc, python3 modules) run
 * when it is installed. .ci/run installs them all and sets BIDTAPE_REQUIRE_SYSTEM_TOOLS=1,
 * so in CI a missing tool fails the run instead of skipping tests.
 */
export function systemTool(name: string, available: boolean): boolean {
  if (available) return true;
  if (process.env.BIDTAPE_REQUIRE_SYSTEM_TOOLS === '1') throw new Error(`${name} is required in CI but not installed`);
  console.warn(`${name} not installed: its tests are skipped (see .ci/run for the apt packages)`);
  return false;
}

export function commandWorks(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}
