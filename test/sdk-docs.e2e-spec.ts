import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import ts from 'typescript';
import { createAuction } from './support/auctions';
import { browserAvailable, launchBrowser } from './support/browser';
import { startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { requireBuiltSdk } from './support/sdk-build';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const DOC = path.join(ROOT, 'docs', 'sdk.md');

/** The fenced blocks of one language in a markdown file, each with the heading it sits under. */
function snippets(markdown: string, language: string): { heading: string; code: string }[] {
  const found: { heading: string; code: string }[] = [];
  let heading = '';
  let open: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (open) {
      if (line.startsWith('```')) {
        found.push({ heading, code: open.join('\n') });
        open = null;
      } else open.push(line);
    } else if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '');
    else if (line.trim() === '```' + language) open = [];
  }
  return found;
}

const markdown = readFileSync(DOC, 'utf8');
const tsSnippets = snippets(markdown, 'ts');
const htmlSnippets = snippets(markdown, 'html');

/**
 * docs/sdk.md's examples, exactly as written (only `localhost:3000` becomes the test server's
 * address): the TypeScript ones type-checked against the built package's types and run as ES
 * modules that import `@bidtape/sdk`; the HTML one in headless Chromium.
 */
describe('the examples of docs/sdk.md', () => {
  let platform: TestPlatform;
  let folder: string;
  const address = () => new URL(platform.url).host;
  const asWritten = (code: string) => code.replaceAll('localhost:3000', address());

  beforeAll(async () => {
    requireBuiltSdk();
    // Inside the repository, so `@bidtape/sdk` resolves as a partner's project would resolve it.
    folder = mkdtempSync(path.join(ROOT, 'node_modules', '.cache-sdk-docs-'));
    platform = await startTestPlatform({ SIM_ENABLED: 'true', SIM_TRADE_PERCENT: '0' });
    await createAuction(platform.url, { title: 'Docs lot', startingPrice: 1000, endInMs: 120_000 });
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('has examples to run', () => {
    expect(tsSnippets.length).toBeGreaterThanOrEqual(2);
    expect(htmlSnippets.length).toBeGreaterThanOrEqual(1);
  });

  it('type-checks every TypeScript example against the package types', () => {
    const files = tsSnippets.map((s, i) => {
      const file = path.join(folder, `check-${i}.mts`);
      writeFileSync(file, s.code);
      return file;
    });
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], strict: true, noEmit: true, types: [], skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) =>
      `${tsSnippets[files.indexOf(d.file?.fileName ?? '')]?.heading ?? '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
  });

  it.each(tsSnippets.map((s, i) => [s.heading, i] as const))('runs "%s"', async (_heading, index) => {
    const js = ts.transpileModule(asWritten(tsSnippets[index].code), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const file = path.join(folder, `run-${index}.mjs`);
    writeFileSync(file, js);
    const { stdout, stderr } = await run(process.execPath, [file], { cwd: folder, timeout: 25_000 });
    expect(stderr).not.toMatch(/Error|rejected \(/);
    expect(stdout.trim().split('\n').length).toBeGreaterThan(0);
    expect(stdout).not.toContain('no decision');
    expect(stdout).toMatch(/\d+\.\d+/); // prices came through as exact decimals
  }, 30_000);

  const describeBrowser = browserAvailable() ? describe : describe.skip;
  describeBrowser('in a browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(() => browser?.close());

    it.each(htmlSnippets.map((s) => [s.heading, s.code] as const))('runs the page of "%s"', async (_heading, html) => {
      const page = await browser.newPage();
      const errors: string[] = [];
      // Errors of the example only: the platform page it replaces (its /js/ modules) may still run a timer.
      page.on('pageerror', (e) => { if (!e.stack?.includes('/js/')) errors.push(e.message); });
      // A page of the platform's origin (as a partner's page would be served), then the example as its document.
      await page.goto(`${platform.url}/auctions.html`);
      await page.setContent(asWritten(html));
      await page.waitForFunction(() => /^\d+\.\d+$/.test(document.querySelector('#last')?.textContent ?? ''), undefined, { timeout: 10_000 });
      expect(errors).toEqual([]);
      await page.close();
    }, 30_000);
  });
});
