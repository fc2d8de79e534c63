import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createAuction, placeBid } from './support/auctions';
import { freshSymbol, publisherFor } from './support/market';
import { pollUntil } from './support/poll';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const DASHBOARD = path.resolve(__dirname, '..', 'deploy', 'grafana-dashboard.json');

/** Metric names a PromQL expression reads (functions, keywords and label names left out). */
function metricNames(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').replace(/by \([^)]*\)/g, '');
  const words = withoutLabels.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  const functions = new Set(['rate', 'sum', 'increase', 'histogram_quantile', 'by', 'avg', 'max', 'min']);
  return words.filter((w) => !functions.has(w) && /_/.test(w));
}

/** `# TYPE name kind` lines of a scrape. */
function types(scrape: string): Map<string, string> {
  return new Map([...scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

describe('metrics: Prometheus conventions and the shipped Grafana dashboard', () => {
  let platform: TestPlatform;
  let scrape = '';

  beforeAll(async () => {
    platform = await startTestPlatform();
    // Something of everything the dashboard shows: ticks to a subscriber, a bid, a publisher's item.
    const client = await StreamClient.connect(`${platform.wsUrl}?bidder=metrics-${Date.now()}`);
    client.subscribe(['AAPL'], 0);
    await client.waitFor('snapshot');
    for (let i = 0; i < 5; i++) platform.market.publish(quoteFor('AAPL'));
    await pollUntil('ticks', () => client.ticks('AAPL').length === 5);
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    await placeBid(client, auction.id, 1000);
    await placeBid(client, auction.id, 2000); // the leader bids again: ALREADY_LEADING
    const symbol = freshSymbol('M');
    const { key } = await publisherFor(platform.url, symbol);
    await fetch(`${platform.url}/v1/publish`, {
      method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ quotes: [{ symbol, bidPrice: 1000, askPrice: 1005, bidSize: 10, askSize: 10 }] }),
    });
    client.close();
    scrape = await (await fetch(`${platform.url}/metrics`)).text();
  });
  afterAll(() => platform.stop());

  it('has every metric the dashboard queries', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const kinds = types(scrape);
    const missing: string[] = [];
    for (const panel of dashboard.panels) {
      for (const name of panel.targets.flatMap((t) => metricNames(t.expr))) {
        const family = name.replace(/_(bucket|sum|count)$/, '');
        const kind = kinds.get(name) ?? kinds.get(family);
        if (!kind || (name !== family && kind !== 'histogram')) missing.push(`${panel.title}: ${name}`);
      }
    }
    expect(dashboard.panels.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('follows the naming conventions: _total counters, base units, standard process metrics, no ratios since start', () => {
    const kinds = types(scrape);
    const ours = [...kinds].filter(([name]) => name.startsWith('bidtape_'));
    expect(ours.filter(([name, kind]) => kind === 'counter' && !name.endsWith('_total'))).toEqual([]);
    expect(ours.filter(([name, kind]) => kind !== 'counter' && name.endsWith('_total'))).toEqual([]);
    expect(ours.filter(([name]) => /_ratio$|_ms$|_us$|_kb$|_nodejs_|_process_/.test(name))).toEqual([]);
    for (const standard of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(kinds.has(standard.replace(/_total$/, '')) || kinds.has(standard)).toBe(true);
    }
    expect(kinds.get('bidtape_bid_ack_duration_seconds')).toBe('histogram');
    expect(kinds.get('bidtape_fanout_delay_seconds')).toBe('histogram');
  });

  it('records what happened: bids by outcome and reason, batches, acknowledgement and fan-out times, published items', () => {
    const value = (pattern: RegExp) => Number(pattern.exec(scrape)?.[1] ?? NaN);
    expect(value(/^bidtape_bids_total\{outcome="accepted",reason=""\} (\S+)$/m)).toBe(1);
    expect(value(/^bidtape_bids_total\{outcome="rejected",reason="ALREADY_LEADING"\} (\S+)$/m)).toBe(1);
    expect(value(/^bidtape_bid_ack_duration_seconds_count (\S+)$/m)).toBe(2);
    expect(value(/^bidtape_bid_batch_size_count (\S+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^bidtape_bid_commit_duration_seconds_count (\S+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^bidtape_fanout_delay_seconds_count (\S+)$/m)).toBeGreaterThanOrEqual(5);
    expect(value(/^bidtape_published_items_total\{kind="quote",outcome="accepted"\} (\S+)$/m)).toBe(1);
  });

  it('reports an event-loop lag minimum in seconds, never the empty histogram’s 9.2e9', async () => {
    // Two scrapes in a row: the second sees a window with few or no samples.
    await fetch(`${platform.url}/metrics`);
    const again = await (await fetch(`${platform.url}/metrics`)).text();
    const min = Number(/^nodejs_eventloop_lag_min_seconds (\S+)$/m.exec(again)![1]);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(min).toBeLessThan(10);
  });
});
