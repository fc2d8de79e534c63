import { CandleInterval, formatMinor, PageClient, stateBadge } from './page-client.js';

/* global LightweightCharts */

const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'EUR-USD', 'GBP-USD', 'USD-JPY', 'XAU-USD'];
const grid = document.getElementById('grid');
const rateSelect = document.getElementById('rate');
const intervalSelect = document.getElementById('interval');
const cards = new Map();

const page = new PageClient();
stateBadge(page, document.getElementById('state'));

function card(symbol) {
  let c = cards.get(symbol);
  if (c) return c;
  const el = document.createElement('div');
  el.className = 'card';
  el.dataset.symbol = symbol;
  el.dataset.candles = '0';
  el.innerHTML = `
    <div class="top"><div><div class="symbol">${symbol}</div><div class="name"></div></div><div class="change"></div></div>
    <div class="last" data-testid="last">—</div>
    <div class="quote"><span>Bid <b class="bid">—</b></span><span>Spread <b class="spread">—</b></span><span>Ask <b class="ask">—</b></span></div>
    <div class="chart" data-testid="chart"></div>
    <div class="meta"><span class="seq"></span><span class="conflated"></span></div>`;
  grid.appendChild(el);
  const chart = LightweightCharts.createChart(el.querySelector('.chart'), {
    height: 150,
    layout: { background: { color: 'transparent' }, textColor: '#8a93a6', fontSize: 10, attributionLogo: false },
    grid: { vertLines: { color: 'rgba(35,43,61,.6)' }, horzLines: { color: 'rgba(35,43,61,.6)' } },
    rightPriceScale: { borderVisible: false },
    timeScale: { borderVisible: false, timeVisible: true, secondsVisible: true, rightOffset: 2 },
    handleScroll: false, handleScale: false,
  });
  const series = chart.addSeries(LightweightCharts.CandlestickSeries, {
    upColor: '#1fc77e', downColor: '#ff5470', borderVisible: false, wickUpColor: '#1fc77e', wickDownColor: '#ff5470',
    priceLineVisible: false,
  });
  c = { el, chart, series, scale: 2, first: null, last: null, lastSeq: 0, candles: new Map() };
  cards.set(symbol, c);
  return c;
}

/** Display only: the chart needs numbers; prices stay integers of minor units everywhere else. */
function bar(c, candle) {
  const unit = 10 ** c.scale;
  return {
    time: Math.floor(candle.startTimeUs / 1e6),
    open: candle.open / unit, high: candle.high / unit, low: candle.low / unit, close: candle.close / unit,
  };
}

function showCandles(symbol, interval, candles) {
  const c = card(symbol);
  c.el.dataset.interval = String(interval); // the CandleInterval the chart shows (for tests)
  c.candles = new Map(candles.map((k) => [Number(k.startTimeUs), k]));
  c.series.setData(candles.map((k) => bar(c, k)));
  c.el.dataset.candles = String(c.candles.size);
  c.chart.timeScale().fitContent();
}

function updateCandle(candle) {
  const c = cards.get(candle.symbol);
  if (!c) return;
  const start = Number(candle.startTimeUs);
  if (start < Math.max(0, ...c.candles.keys())) return; // older than what is drawn: the chart only appends
  c.candles.set(start, candle);
  c.series.update(bar(c, candle));
  c.el.dataset.candles = String(c.candles.size);
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
}

/** The first update of a symbol (its snapshot) carries its catalogue entry: scale and name. */
function describe(c, instrument) {
  if (c.instrument === instrument.symbol) return;
  c.instrument = instrument.symbol;
  c.scale = instrument.priceScale;
  c.series.applyOptions({ priceFormat: { type: 'price', precision: c.scale, minMove: 1 / 10 ** c.scale } });
  c.el.querySelector('.name').textContent = instrument.displayName;
}

const client = await page.connect();
client.on('candleHistory', (history) => showCandles(history.symbol, history.interval, history.candles));
client.on('candle', (candle) => updateCandle(candle));

let subscription = null;
/** (Re)subscribes at the chosen rate and candle length: the new request replaces the old one's options. */
function subscribe() {
  const previous = subscription;
  subscription = client.subscribe(SYMBOLS, { maxRate: Number(rateSelect.value), candles: CandleInterval[intervalSelect.value] });
  const mine = subscription;
  previous?.unsubscribe();
  void (async () => {
    for await (const update of mine) {
      describe(card(update.symbol), update.instrument);
      show(update.symbol, update.tick);
    }
  })();
}
rateSelect.addEventListener('change', subscribe);
intervalSelect.addEventListener('change', subscribe);
SYMBOLS.forEach(card);
subscribe();
