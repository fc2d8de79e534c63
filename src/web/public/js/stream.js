// Browser client for the bidtape.v1.proto subprotocol: binary protobuf frames decoded with the
// protobufjs light build and the contract's JSON descriptor (/assets/bidtape.json).
// Reconnects with backoff and re-sends what the page subscribed to.

/* global protobuf */

let typesPromise;
function loadTypes() {
  typesPromise ??= fetch('/assets/bidtape.json')
    .then((r) => r.json())
    .then((json) => {
      const root = protobuf.Root.fromJSON(json);
      return {
        ClientMessage: root.lookupType('bidtape.v1.ClientMessage'),
        ServerMessage: root.lookupType('bidtape.v1.ServerMessage'),
        enums: {
          BidRejectReason: root.lookupEnum('bidtape.v1.BidRejectReason').valuesById,
          OutbidReason: root.lookupEnum('bidtape.v1.OutbidReason').valuesById,
          AuctionStatus: root.lookupEnum('bidtape.v1.AuctionStatus').valuesById,
          ErrorCode: root.lookupEnum('bidtape.v1.ErrorCode').valuesById,
        },
      };
    });
  return typesPromise;
}

/** Close codes after which reconnecting cannot help (docs/protocol.md, Close codes). */
const FINAL_CLOSES = new Set([1002, 1007, 1009, 4003]);

export class Stream extends EventTarget {
  constructor({ bidder } = {}) {
    super();
    this.bidder = bidder || null;
    this.nextId = 1;
    this.pending = new Map();
    this.symbolSubscription = null; // { symbols, maxRate }
    this.auctionWatches = new Map(); // auctionId -> last seq seen
    this.state = 'connecting';
    this.everLive = false;
    this.delayMs = 250;
  }

  async connect() {
    this.types = await loadTypes();
    this.open();
  }

  get enums() {
    return this.types.enums;
  }

  open() {
    const url = new URL('/v1/stream', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.bidder) url.searchParams.set('bidder', this.bidder);
    const ws = new WebSocket(url, 'bidtape.v1.proto');
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.failedOpens = 0;
      this.delayMs = 250;
      this.setState(this.everLive ? 'resumed' : 'live');
      this.everLive = true;
      if (this.symbolSubscription) this.send({ subscribe: this.symbolSubscription });
      for (const [auctionId, seq] of this.auctionWatches) {
        this.send({ subscribeAuction: { auctionId, fromSeq: seq } }); // what was missed, or the whole history
      }
    };
    ws.onmessage = (event) => {
      const message = this.types.ServerMessage.decode(new Uint8Array(event.data));
      this.route(message);
    };
    ws.onclose = (event) => {
      if (this.closedByPage) return;
      // A browser cannot read why a handshake was refused (the HTTP status): after a few refusals
      // in a row, say so instead of spinning. A close after opening carries its code and reason.
      this.failedOpens = opened ? 0 : (this.failedOpens ?? 0) + 1;
      for (const [, reject] of this.pending.values()) reject(new Error('connection lost'));
      this.pending.clear();
      if (opened && FINAL_CLOSES.has(event.code)) {
        this.refusal = `closed by the server (${event.code}${event.reason ? `: ${event.reason}` : ''})`;
        return this.setState('refused');
      }
      if (this.failedOpens >= 3) {
        this.refusal = this.bidder
          ? `the server refuses the connection: check the handle "${this.bidder}" (letters, digits, . _ -), or try later`
          : 'the server refuses the connection (too many connections, or credentials required); retrying';
        this.setState('refused');
      } else {
        this.setState('reconnecting');
      }
      setTimeout(() => this.open(), this.delayMs + Math.random() * this.delayMs);
      this.delayMs = Math.min(this.delayMs * 2, 5000);
    };
  }

  close() {
    this.closedByPage = true;
    this.ws?.close(1000);
  }

  setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }

  send(fields) {
    const id = this.nextId++;
    const payload = this.types.ClientMessage.encode(this.types.ClientMessage.fromObject({ id, ...fields })).finish();
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(payload);
    return id;
  }

  request(fields) {
    return new Promise((resolve, reject) => {
      const id = this.send(fields);
      this.pending.set(id, [resolve, reject]);
    });
  }

  /** Subscribes (and re-subscribes after a reconnect); `channels` and `candleInterval` by enum name. */
  subscribeSymbols(symbols, maxRate, { channels, candleInterval } = {}) {
    this.symbolSubscription = { symbols, maxRate, ...(channels ? { channels } : {}), ...(candleInterval ? { candleInterval } : {}) };
    this.send({ subscribe: this.symbolSubscription });
  }

  /** Watches one auction, with its whole history first (replay from seq 0). */
  watchAuction(auctionId) {
    for (const id of this.auctionWatches.keys()) {
      if (id !== auctionId) this.send({ unsubscribeAuction: { auctionId: id } });
    }
    this.auctionWatches = new Map([[auctionId, 0]]);
    this.send({ subscribeAuction: { auctionId, fromSeq: 0 } });
  }

  placeBid(auctionId, amount, maxAmount) {
    const clientBidId = crypto.randomUUID();
    const placeBid = { auctionId, amount, clientBidId };
    if (maxAmount) placeBid.maxAmount = maxAmount;
    return this.request({ placeBid });
  }

  route(message) {
    const kind = message.kind;
    const body = message[kind];
    const requestId = body?.requestId;
    if ((kind === 'bidAccepted' || kind === 'bidRejected') && this.pending.has(requestId)) {
      this.pending.get(requestId)[0]({ kind, ...body });
      this.pending.delete(requestId);
    }
    if (kind === 'bidUpdate' && this.auctionWatches.has(body.auctionId)) {
      if (body.seq <= this.auctionWatches.get(body.auctionId)) return; // already seen (resume overlap)
      this.auctionWatches.set(body.auctionId, body.seq);
    }
    // With a replay the snapshot comes first and the history after it: the watch's resume
    // point moves with the bid updates only.
    this.dispatchEvent(new CustomEvent(kind, { detail: body }));
  }
}

/** Integer minor units to a decimal string, without floating point: 1234567, 2 → "12,345.67". */
export function formatMinor(amount, scale) {
  const negative = amount < 0;
  const digits = String(Math.abs(amount)).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = scale > 0 ? '.' + digits.slice(digits.length - scale) : '';
  return (negative ? '-' : '') + whole + fraction;
}

/** Parses "12.3" with the given scale into integer minor units, or null. */
export function parseMinor(text, scale) {
  const match = /^\s*(\d+)(?:[.,](\d*))?\s*$/.exec(text);
  if (!match || (match[2] ?? '').length > scale) return null;
  return Number(match[1] + (match[2] ?? '').padEnd(scale, '0'));
}

export function stateBadge(stream, element) {
  const labels = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', resumed: 'Live (resumed)' };
  const update = () => {
    element.textContent = stream.state === 'refused' ? `Not connected: ${stream.refusal}` : labels[stream.state] ?? stream.state;
    element.dataset.state = stream.state;
  };
  stream.addEventListener('state', update);
  update();
}
