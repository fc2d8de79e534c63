// The pages' connection: the SDK's BidtapeClient (its browser bundle defines window.Bidtape),
// plus what only a page needs: retrying a first connection that fails, and a badge that says
// why when the server keeps refusing instead of spinning on "Reconnecting…".

/* global Bidtape */

export const { formatMinor: exactMinor, parseDecimal, AuctionStatus, OutbidReason, BidKind, CandleInterval } = Bidtape;

/** Handshakes in a row that never opened before the badge says the server refuses. */
const REFUSALS_SHOWN_AFTER = 3;

function streamUrl() {
  const url = new URL('/v1/stream', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class PageClient extends EventTarget {
  constructor({ bidder } = {}) {
    super();
    this.bidder = bidder || null;
    this.state = 'connecting';
    this.refusal = '';
    this.failures = 0;
  }

  /** Resolves with a connected BidtapeClient; a first connection that fails is tried again with backoff. */
  async connect() {
    for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5000)) {
      const client = new Bidtape.BidtapeClient({ url: streamUrl(), ...(this.bidder ? { bidder: this.bidder } : {}) });
      client.on('state', (state) => this.onState(client, state));
      client.on('disconnect', ({ code, reason, willReconnect }) => this.onDisconnect(code, reason, willReconnect));
      try {
        await client.connect();
        this.client = client;
        return client;
      } catch {
        // A browser cannot read why a handshake was refused (the HTTP status): count refusals instead.
        this.failures++;
        this.refused();
        await sleep(delayMs + Math.random() * delayMs);
      }
    }
  }

  onState(client, state) {
    if (state === 'live' || state === 'resumed') this.failures = 0;
    if (state === 'closed' && client !== this.client) return; // a first attempt that failed: connect() retries
    if (this.failures >= REFUSALS_SHOWN_AFTER && (state === 'connecting' || state === 'reconnecting')) return; // still refused
    if (state === 'closed' && this.refusal) return this.setState('refused');
    this.setState(state);
  }

  onDisconnect(code, reason, willReconnect) {
    if (!willReconnect) {
      this.refusal = `closed by the server (${code}${reason ? `: ${reason}` : ''})`;
      return;
    }
    if (this.state !== 'live' && this.state !== 'resumed') this.failures++; // a reconnect attempt that never opened
    this.refused();
  }

  refused() {
    if (this.failures < REFUSALS_SHOWN_AFTER) return;
    this.refusal = this.bidder
      ? `the server refuses the connection: check the handle "${this.bidder}" (letters, digits, . _ -), or try later`
      : 'the server refuses the connection (too many connections, or credentials required); retrying';
    this.setState('refused');
  }

  setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }
}

/** Integer minor units for display, grouped: (1234567, 2) → "12,345.67". Exact: the SDK's formatMinor. */
export function formatMinor(amount, scale) {
  const [whole, fraction] = exactMinor(amount, scale).split('.');
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (fraction === undefined ? '' : `.${fraction}`);
}

/** What a user typed ("12.3", "12,3") as integer minor units, or null when it is not an amount of this scale. */
export function parseMinor(text, scale) {
  try {
    return parseDecimal(text.trim().replace(',', '.'), scale);
  } catch {
    return null;
  }
}

export function stateBadge(page, element) {
  const labels = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', resumed: 'Live (resumed)', closed: 'Closed' };
  const update = () => {
    element.textContent = page.state === 'refused' ? `Not connected: ${page.refusal}` : labels[page.state] ?? page.state;
    element.dataset.state = page.state;
  };
  page.addEventListener('state', update);
  update();
}
