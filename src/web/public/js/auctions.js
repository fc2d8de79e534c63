import { AuctionStatus, BidKind, formatMinor, OutbidReason, PageClient, parseMinor, stateBadge } from './page-client.js';

const params = new URLSearchParams(location.search);
const handle = localStorage.getItem('bidtape.handle') || '';
const page = new PageClient({ bidder: handle || null });
stateBadge(page, document.getElementById('state'));
let client = null; // the connected BidtapeClient
let watch = null; // the AuctionWatch of the room
document.getElementById('handle').value = handle;
document.getElementById('who').textContent = handle ? `signed in as ${handle}` : 'watching (sign in to bid)';
document.getElementById('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  localStorage.setItem('bidtape.handle', document.getElementById('handle').value.trim());
  location.reload();
});

const list = document.getElementById('list');
const filter = document.getElementById('filter');
filter.value = params.get('show') ?? 'open';
filter.addEventListener('change', () => void refreshList());
const room = document.getElementById('room');
let current = null; // { id, scale, currency, endAt, nextMinimum, state }
let myPseudonym = null;

async function refreshList() {
  const status = filter.value === 'all' ? '' : `status=${filter.value}&`;
  const auctions = await (await fetch(`/v1/auctions?${status}limit=100`)).json();
  list.innerHTML = '';
  for (const a of auctions) {
    const item = document.createElement('div');
    item.className = `item${current?.id === a.id ? ' selected' : ''}`;
    item.dataset.id = a.id;
    item.innerHTML = `<div class="title"></div><div class="sub"><span class="p"></span><span class="t"></span></div>`;
    item.querySelector('.title').textContent = a.title;
    item.querySelector('.p').textContent = `${a.currency} ${formatMinor(a.currentPrice || a.startingPrice, a.priceScale)}${a.bidCount ? '' : ' start'}`;
    item.querySelector('.t').textContent = a.status === 'closed'
      ? `${bids(a.bidCount)} · ${a.winner ? `won by ${a.winner}` : 'no winner'}`
      : `${bids(a.bidCount)} · ends ${new Date(a.endAt).toLocaleTimeString()}`;
    item.addEventListener('click', () => select(a.id));
    list.appendChild(item);
  }
  if (!current && auctions.length && !params.get('auction')) select(auctions[0].id);
}

/** "1 bid", "3 bids". */
const bids = (count) => `${count} ${count === 1 ? 'bid' : 'bids'}`;

function select(id) {
  history.replaceState(null, '', `?auction=${id}`);
  room.innerHTML = '';
  room.appendChild(document.getElementById('room-template').content.cloneNode(true));
  room.querySelector('.bidform').addEventListener('submit', onBid);
  current = { id, scale: 2, currency: '', endAt: 0, nextMinimum: 0, snapshotSeq: 0 };
  for (const el of list.querySelectorAll('.item')) el.classList.toggle('selected', el.dataset.id === id);
  watch?.stop();
  bidderBySeq.clear();
  watch = client.watchAuction(id, { fromSeq: 0 }); // the whole history, then live bids
  const mine = watch;
  void (async () => {
    try {
      for await (const event of mine) {
        if (event.kind === 'snapshot') applyState(event.state);
        else if (event.kind === 'bid') onBidUpdate(event.update);
        else showClosed(event.closed.winner, event.closed.price, event.closed.reserveMet);
      }
    } catch (error) {
      if (mine === watch) show(room.querySelector('.feedback'), false, `This auction cannot be shown: ${error.message}`);
    }
  })();
}

function money(amount) {
  return `${current.currency} ${formatMinor(amount, current.scale)}`;
}

function applyState(s) {
  current.scale = s.priceScale;
  current.currency = s.currency;
  current.endAt = s.endTimeUs / 1000;
  current.nextMinimum = s.nextMinimum;
  current.status = AuctionStatus[s.status];
  current.snapshotSeq = s.seq;
  room.querySelector('.title').textContent = s.title;
  room.querySelector('.status').textContent = current.status.replace('AUCTION_STATUS_', '').toLowerCase();
  room.querySelector('.price').textContent = s.bidCount ? money(s.currentPrice) : `${money(s.startingPrice)} start`;
  room.querySelector('.leader').textContent = s.leader || '—';
  room.querySelector('.count').textContent = s.bidCount;
  setReserve(s.reserveMet);
  setNext(s.nextMinimum);
  if (current.status === 'AUCTION_STATUS_CLOSED') showClosed(s.winner, s.currentPrice, s.reserveMet);
}

/** A closed auction stays readable: its result, its history, and a form that no longer bids. */
function showClosed(winner, price, reserveMet) {
  current.status = 'AUCTION_STATUS_CLOSED';
  room.querySelector('.status').textContent = 'closed';
  room.querySelector('.countdown').textContent = 'ended';
  room.querySelector('.outbid').classList.remove('show');
  for (const control of room.querySelectorAll('.bidform input, .bidform button')) control.disabled = true;
  room.querySelector('.next').textContent = '';
  const result = winner ? `Won by ${winner === myPseudonym ? `${winner} (you)` : winner} at ${money(price)}.` : reserveMet ? 'Ended without a bid.' : 'Ended: reserve not met, no winner.';
  show(room.querySelector('.feedback'), Boolean(winner), result);
}

function setReserve(met) {
  const pill = room.querySelector('.reserve');
  pill.textContent = met ? 'reserve met' : 'reserve not met';
  pill.className = `reserve pill ${met ? 'ok' : 'no'}`;
}

function setNext(nextMinimum) {
  current.nextMinimum = nextMinimum;
  room.querySelector('.next').textContent = `next valid bid: ${money(nextMinimum)}`;
  const input = room.querySelector('[name=amount]');
  if (document.activeElement !== input) input.value = formatMinor(nextMinimum, current.scale).replaceAll(',', '');
}

function addLadderRow(u, fresh) {
  const row = document.createElement('tr');
  if (fresh) row.className = 'new';
  const kind = u.kind === BidKind.BID_KIND_PROXY ? 'proxy' : '';
  for (const text of [u.seq, u.bidder + (u.bidder === myPseudonym ? ' (you)' : ''), money(u.amount), money(u.price), kind, new Date(u.timeUs / 1000).toLocaleTimeString()]) {
    const td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
  }
  const body = room.querySelector('.ladder tbody');
  body.prepend(row);
  while (body.children.length > 30) body.lastChild.remove();
}

async function onBid(event) {
  event.preventDefault();
  const form = event.target;
  const amount = parseMinor(form.amount.value, current.scale);
  const max = form.max.value ? parseMinor(form.max.value, current.scale) : null;
  const feedback = room.querySelector('.feedback');
  if (!handle) return show(feedback, false, 'Sign in (top right) to bid.');
  if (amount === null || (form.max.value && max === null)) return show(feedback, false, `Enter an amount with at most ${current.scale} decimals.`);
  const answer = await client.placeBid({ auctionId: current.id, amount, ...(max === null ? {} : { maxAmount: max }) });
  if (answer.status === 'accepted') {
    learnPseudonym(answer);
    if (answer.leading) room.querySelector('.outbid').classList.remove('show');
    form.max.value = '';
    show(feedback, true, answer.leading
      ? `Accepted: you lead at ${money(answer.price)}.`
      : `Accepted, but an earlier proxy maximum is higher: price now ${money(answer.price)}.`);
    setNext(answer.nextMinimum);
  } else if (answer.status === 'rejected') {
    const reason = answer.reasonName.replaceAll('_', ' ').toLowerCase();
    show(feedback, false, `Rejected (${reason})${answer.nextMinimum ? ` — next valid bid ${money(answer.nextMinimum)}` : ''}. ${answer.message}`);
    if (answer.nextMinimum) setNext(answer.nextMinimum);
  } else if (answer.outcomeUnknown) {
    show(feedback, false, 'No answer before the deadline: check the ladder, then bid again.');
  } else {
    show(feedback, false, `Not placed: ${answer.error.message}`);
  }
}

function show(el, ok, text) {
  el.className = `feedback ${ok ? 'ok' : 'bad'}`;
  el.textContent = text;
}

function onBidUpdate(u) {
  bidderBySeq.set(u.seq, u.bidder);
  // The history replayed after the snapshot fills the ladder; only newer bids change the facts.
  if (u.seq <= current.snapshotSeq) return addLadderRow(u, false);
  room.querySelector('.price').textContent = money(u.price);
  markLeader(u.leader);
  room.querySelector('.count').textContent = u.seq;
  const item = list.querySelector(`.item[data-id="${u.auctionId}"]`);
  if (item) {
    item.querySelector('.p').textContent = money(u.price);
    item.querySelector('.t').textContent = `${bids(u.seq)} · ends ${new Date(u.endTimeUs / 1000).toLocaleTimeString()}`;
  }
  setReserve(u.reserveMet);
  setNext(u.nextMinimum);
  const endAt = u.endTimeUs / 1000;
  if (endAt > current.endAt + 500) {
    const countdown = room.querySelector('.countdown');
    countdown.classList.add('flash');
    setTimeout(() => countdown.classList.remove('flash'), 2000);
  }
  current.endAt = Math.max(current.endAt, endAt);
  addLadderRow(u, true);
  // Leading again (a higher maximum of ours took over): the outbid banner no longer applies.
  if (myPseudonym && u.leader === myPseudonym) room.querySelector('.outbid').classList.remove('show');
}

// Our pseudonym is the bidder of the ladder row with our accepted bid's seq (the update comes first).
const bidderBySeq = new Map();
function learnPseudonym(accepted) {
  if (myPseudonym || accepted.auctionId !== current?.id) return;
  myPseudonym = bidderBySeq.get(accepted.seq) ?? null;
  for (const cell of room.querySelectorAll('.ladder tbody td:nth-child(2)')) {
    if (cell.textContent === myPseudonym) cell.textContent += ' (you)';
  }
  markLeader(room.querySelector('.leader')?.textContent ?? '');
}

function markLeader(leader) {
  const el = room.querySelector('.leader');
  if (el) el.textContent = leader && leader === myPseudonym ? `${leader} (you)` : leader || '—';
}

function onOutbid(outbid) {
  if (outbid.auctionId !== current?.id) return;
  const why = outbid.reason === OutbidReason.OUTBID_REASON_PROXY_MAX ? 'an earlier proxy maximum is higher' : 'someone placed a higher bid';
  const banner = room.querySelector('.outbid');
  banner.textContent = `You have been outbid: ${why}. Price ${money(outbid.price)}, next valid bid ${money(outbid.nextMinimum)}.`;
  banner.classList.add('show');
  room.querySelector('.feedback').className = 'feedback';
}

setInterval(() => {
  const el = room.querySelector('.countdown');
  if (!el || !current?.endAt || current.status === 'AUCTION_STATUS_CLOSED') return;
  const left = Math.max(0, Math.round((current.endAt - Date.now()) / 1000));
  el.textContent = left >= 3600 ? `${Math.floor(left / 3600)}h ${Math.floor((left % 3600) / 60)}m` : `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
}, 250);

client = await page.connect();
client.on('outbid', onOutbid);
if (params.get('auction')) select(params.get('auction'));
await refreshList();
setInterval(refreshList, 5000);
