import { formatMinor, parseMinor, stateBadge, Stream } from './stream.js';

const params = new URLSearchParams(location.search);
const handle = localStorage.getItem('bidtape.handle') || '';
const stream = new Stream({ bidder: handle || null });
stateBadge(stream, document.getElementById('state'));
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
      ? `${a.bidCount} bids · ${a.winner ? `won by ${a.winner}` : 'no winner'}`
      : `${a.bidCount} bids · ends ${new Date(a.endAt).toLocaleTimeString()}`;
    item.addEventListener('click', () => select(a.id));
    list.appendChild(item);
  }
  if (!current && auctions.length && !params.get('auction')) select(auctions[0].id);
}

function select(id) {
  history.replaceState(null, '', `?auction=${id}`);
  room.innerHTML = '';
  room.appendChild(document.getElementById('room-template').content.cloneNode(true));
  room.querySelector('.bidform').addEventListener('submit', onBid);
  current = { id, scale: 2, currency: '', endAt: 0, nextMinimum: 0, snapshotSeq: 0 };
  for (const el of list.querySelectorAll('.item')) el.classList.toggle('selected', el.dataset.id === id);
  stream.watchAuction(id);
}

function money(amount) {
  return `${current.currency} ${formatMinor(amount, current.scale)}`;
}

function applyState(s) {
  current.scale = s.priceScale;
  current.currency = s.currency;
  current.endAt = s.endTimeUs / 1000;
  current.nextMinimum = s.nextMinimum;
  current.status = stream.enums.AuctionStatus[s.status];
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
  const kind = u.kind === 2 ? 'proxy' : '';
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
  try {
    const answer = await stream.placeBid(current.id, amount, max);
    if (answer.kind === 'bidAccepted') {
      if (answer.leading) room.querySelector('.outbid').classList.remove('show');
      form.max.value = '';
      show(feedback, true, answer.leading
        ? `Accepted: you lead at ${money(answer.price)}.`
        : `Accepted, but an earlier proxy maximum is higher: price now ${money(answer.price)}.`);
      setNext(answer.nextMinimum);
    } else {
      const reason = stream.enums.BidRejectReason[answer.reason].replace('BID_REJECT_REASON_', '').replaceAll('_', ' ').toLowerCase();
      show(feedback, false, `Rejected (${reason})${answer.nextMinimum ? ` — next valid bid ${money(answer.nextMinimum)}` : ''}. ${answer.message}`);
      if (answer.nextMinimum) setNext(answer.nextMinimum);
    }
  } catch {
    show(feedback, false, 'Connection lost before the answer; check the ladder, then bid again.');
  }
}

function show(el, ok, text) {
  el.className = `feedback ${ok ? 'ok' : 'bad'}`;
  el.textContent = text;
}

stream.addEventListener('auctionSnapshot', ({ detail }) => {
  if (detail.state.auctionId === current?.id) applyState(detail.state);
});
stream.addEventListener('bidUpdate', ({ detail: u }) => {
  if (u.auctionId !== current?.id) return;
  // The history replayed after the snapshot fills the ladder; only newer bids change the facts.
  if (u.seq <= current.snapshotSeq) return addLadderRow(u, false);
  room.querySelector('.price').textContent = money(u.price);
  markLeader(u.leader);
  room.querySelector('.count').textContent = u.seq;
  const item = list.querySelector(`.item[data-id="${u.auctionId}"]`);
  if (item) {
    item.querySelector('.p').textContent = money(u.price);
    item.querySelector('.t').textContent = `${u.seq} bids · ends ${new Date(u.endTimeUs / 1000).toLocaleTimeString()}`;
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
});
// Our pseudonym is the bidder of the ladder row with our accepted bid's seq (the update comes first).
const bidderBySeq = new Map();
stream.addEventListener('bidUpdate', ({ detail: u }) => bidderBySeq.set(`${u.auctionId}/${u.seq}`, u.bidder));
stream.addEventListener('bidAccepted', ({ detail }) => {
  if (myPseudonym) return;
  myPseudonym = bidderBySeq.get(`${detail.auctionId}/${detail.seq}`) ?? null;
  for (const cell of room.querySelectorAll('.ladder tbody td:nth-child(2)')) {
    if (cell.textContent === myPseudonym) cell.textContent += ' (you)';
  }
  markLeader(room.querySelector('.leader')?.textContent ?? '');
});

function markLeader(leader) {
  const el = room.querySelector('.leader');
  if (el) el.textContent = leader && leader === myPseudonym ? `${leader} (you)` : leader || '—';
}
stream.addEventListener('outbid', ({ detail }) => {
  if (detail.auctionId !== current?.id) return;
  const why = detail.reason === 2 ? 'an earlier proxy maximum is higher' : 'someone placed a higher bid';
  const banner = room.querySelector('.outbid');
  banner.textContent = `You have been outbid: ${why}. Price ${money(detail.price)}, next valid bid ${money(detail.nextMinimum)}.`;
  banner.classList.add('show');
  room.querySelector('.feedback').className = 'feedback';
});
stream.addEventListener('auctionClosed', ({ detail }) => {
  if (detail.auctionId !== current?.id) return;
  showClosed(detail.winner, detail.price, detail.reserveMet);
});

setInterval(() => {
  const el = room.querySelector('.countdown');
  if (!el || !current?.endAt || current.status === 'AUCTION_STATUS_CLOSED') return;
  const left = Math.max(0, Math.round((current.endAt - Date.now()) / 1000));
  el.textContent = left >= 3600 ? `${Math.floor(left / 3600)}h ${Math.floor((left % 3600) / 60)}m` : `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
}, 250);

await stream.connect();
if (params.get('auction')) select(params.get('auction'));
await refreshList();
setInterval(refreshList, 5000);
