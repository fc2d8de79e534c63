import type { NestExpressApplication } from '@nestjs/platform-express';
import path from 'node:path';

/**
 * The trader and bidder pages, served by the app itself: the pages under public/, the
 * contract as a protobuf JSON descriptor for the browser, and two vendored libraries
 * straight from node_modules (no bundler, no CDN).
 */
export function serveWebAssets(app: NestExpressApplication): void {
  const chartsDir = path.join(path.dirname(require.resolve('lightweight-charts/package.json')), 'dist');
  const protobufDir = path.dirname(require.resolve('protobufjs/dist/light/protobuf.min.js'));
  app.useStaticAssets(path.join(__dirname, 'public'), { index: ['index.html'], maxAge: 0 });
  app.useStaticAssets(path.join(__dirname, '..', 'generated'), { prefix: '/assets/', index: false });
  app.useStaticAssets(protobufDir, { prefix: '/vendor/protobufjs/', index: false });
  app.useStaticAssets(chartsDir, { prefix: '/vendor/lightweight-charts/', index: false });
}
