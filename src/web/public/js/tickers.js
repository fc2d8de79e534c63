import { formatMinor, stateBadge, Stream } from './stream.js';

/* global LightweightCharts */

const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'EUR-USD', 'GBP-USD', 'USD-JPY', 'XAU-USD'];
const grid = document.getElementById('grid');
const rateSelect = document.getElementById('rate');
const cards = new Map();

const stream = new Stream();
stateBadge(stream, document.getElementById('state'));

function card(symbol) {
  let c = cards.get(symbol);
  if (c) return c;
  const el = document.createElement('div');
  el.className = 'card';
  el.dataset.symbol = symbol;
  el.innerHTML = `
    <div class="top"><div><div class="symbol">${symbol}</div><div class="name"></div></div><div class="change"></div></div>
    <div class="last" data-testid="last">—</div>
    <div class="quote"><span>Bid <b class="bid">—</b></span><span>Spread <b class="spread">—</b></span><span>Ask <b class="ask">—</b></span></div>
    <div class="chart"></div>
    <div class="meta"><span class="seq"></span><span class="conflated"></span></div>`;
  grid.appendChild(el);
  const chart = LightweightCharts.createChart(el.querySelector('.chart'), {
    height: 70,
    layout: { background: { color: 'transparent' }, textColor: '#8a93a6', attributionLogo: false },
    grid: { vertLines: { visible: false }, horzLines: { visible: false } },
    rightPriceScale: { visible: false }, timeScale: { visible: false }, crosshair: { vertLine: { visible: false }, horzLine: { visible: false } },
    handleScroll: false, handleScale: false,
  });
  const series = chart.addSeries(LightweightCharts.AreaSeries, {
    lineColor: '#5b8cff', topColor: 'rgba(91,140,255,.35)', bottomColor: 'rgba(91,140,255,0)', lineWidth: 2,
    priceLineVisible: false, lastValueVisible: false,
  });
  c = { el, chart, series, scale: 2, first: null, last: null, lastSeq: 0 };
  cards.set(symbol, c);
  return c;
}

function show(symbol, tick) {
  const c = card(symbol);
  const previous = c.last;
  c.last = tick.lastPrice;
  c.first ??= tick.lastPrice;
  c.lastSeq = tick.seq;
  const last = c.el.querySelector('.last');
  last.textContent = formatMinor(tick.lastPrice, c.scale);
  if (previous !== null && previous !== tick.lastPrice) {
    last.classList.remove('up', 'down');
    void last.offsetWidth; // restart the flash
    last.classList.add(tick.lastPrice > previous ? 'up' : 'down');
    setTimeout(() => last.classList.remove('up', 'down'), 350);
  }
  c.el.querySelector('.bid').textContent = formatMinor(tick.bidPrice, c.scale);
  c.el.querySelector('.ask').textContent = formatMinor(tick.askPrice, c.scale);
  c.el.querySelector('.spread').textContent = formatMinor(tick.askPrice - tick.bidPrice, c.scale);
  // Change since the page opened, in basis points with integer arithmetic.
  const diff = tick.lastPrice - c.first;
  const bp = Math.round((diff * 10000) / c.first);
  const change = c.el.querySelector('.change');
  change.textContent = `${diff >= 0 ? '+' : ''}${formatMinor(diff, c.scale)} (${bp >= 0 ? '+' : ''}${formatMinor(bp, 2)}%)`;
  change.className = `change ${diff > 0 ? 'up' : diff < 0 ? 'down' : ''}`;
  c.el.querySelector('.seq').textContent = `seq ${tick.seq}`;
  const covered = tick.seq - tick.firstSeq + 1;
  c.el.querySelector('.conflated').textContent = covered > 1 ? `${covered} updates in 1` : '';
  // Display only: the chart needs numbers; prices stay integers everywhere else.
  c.series.update({ time: Math.floor(tick.timestampUs / 1e6), value: tick.lastPrice / 10 ** c.scale });
  c.chart.timeScale().fitContent();
}

stream.addEventListener('snapshot', ({ detail }) => {
  for (const s of detail.symbols) {
    const c = card(s.instrument.symbol);
    c.scale = s.instrument.priceScale;
    c.el.querySelector('.name').textContent = s.instrument.displayName;
    if (s.latest) show(s.instrument.symbol, s.latest);
  }
});
stream.addEventListener('tick', ({ detail }) => show(detail.symbol, detail));
stream.addEventListener('tickBatch', ({ detail }) => detail.ticks.forEach((t) => show(t.symbol, t)));

rateSelect.addEventListener('change', () => stream.subscribeSymbols(SYMBOLS, Number(rateSelect.value)));
SYMBOLS.forEach(card);
await stream.connect();
stream.subscribeSymbols(SYMBOLS, Number(rateSelect.value));
