import type { NestExpressApplication } from '@nestjs/platform-express';
import path from 'node:path';

/**
 * The trader and bidder pages, served by the app itself: the pages under public/, the SDK's
 * browser bundle (the one client of the repository, built by `npm run sdk:build`) and the
 * charting library, straight from node_modules (no CDN).
 */
export function serveWebAssets(app: NestExpressApplication): void {
  const chartsDir = path.join(path.dirname(require.resolve('lightweight-charts/package.json')), 'dist');
  const sdkBundleDir = path.dirname(require.resolve('@bidtape/sdk/browser'));
  app.useStaticAssets(path.join(__dirname, 'public'), { index: ['index.html'], maxAge: 0 });
  app.useStaticAssets(sdkBundleDir, { prefix: '/vendor/bidtape-sdk/', index: false });
  app.useStaticAssets(chartsDir, { prefix: '/vendor/lightweight-charts/', index: false });
}
