"""A small bidtape client for Python partners, on protoc-generated code.

    protoc -I proto --python_out=examples/python/gen proto/bidtape/v1/*.proto
    PYTHONPATH=examples/python/gen:examples/python python3 -c '...'

    import asyncio
    from bidtape_client import BidtapeClient

    async def main():
        client = BidtapeClient("ws://localhost:3000/v1/stream", ["BTC-USD", "AAPL"], max_rate=2)
        async for event in client.events():
            print(event)            # {"type": "tick", "symbol": ..., "seq": ..., "last": "95123.45"}, gaps, states

    asyncio.run(main())

What it does for you, as docs/protocol.md asks of a client:
- subscribes, and subscribes again after every reconnect (exponential backoff with jitter; no
  reconnect after the close codes that forbid it: 1002, 1007, 1009, 4003);
- keeps last_seq and the epoch of each symbol; reports a gap ("tick": first_seq beyond
  last_seq + 1; "snapshot": a fresh snapshot past what was seen; "epoch": the numbering restarted)
  and carries on from the newer state (a tick is the whole state);
- turns prices (integers of minor units) into exact decimal strings with the instrument's scale.
"""
import asyncio
import random
from decimal import Decimal
from typing import AsyncIterator, Optional

import websockets

from bidtape.v1 import stream_pb2

FINAL_CLOSE_CODES = {1002, 1007, 1009, 4003}


class BidtapeClient:
    def __init__(self, url: str, symbols: list[str], max_rate: Optional[int] = None,
                 initial_delay: float = 0.25, max_delay: float = 5.0):
        self.url = url
        self.symbols = [s.strip().upper() for s in symbols if s.strip()]
        self.max_rate = max_rate
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.last_seq: dict[str, int] = {}
        self.epochs: dict[str, str] = {}
        self.scales: dict[str, int] = {}
        self.closed = False

    def close(self) -> None:
        self.closed = True

    async def events(self) -> AsyncIterator[dict]:
        """Every tick, gap and connection state change, until close() or a final close code."""
        delay = self.initial_delay
        ever_live = False
        while not self.closed:
            try:
                async with websockets.connect(self.url, subprotocols=["bidtape.v1.proto"]) as ws:
                    delay = self.initial_delay
                    yield {"type": "state", "state": "resumed" if ever_live else "live"}
                    ever_live = True
                    await ws.send(self._subscribe_request().SerializeToString())
                    async for frame in ws:
                        for event in self._handle(stream_pb2.ServerMessage.FromString(frame)):
                            yield event
                        if self.closed:
                            return
                # A clean close (1000, 1001) ends the iteration without an exception.
                code = ws.close_code or 1006
                if code in FINAL_CLOSE_CODES:
                    yield {"type": "state", "state": "closed", "code": code}
                    return
                yield {"type": "state", "state": "reconnecting", "code": code}
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else 1006
                if code in FINAL_CLOSE_CODES:
                    yield {"type": "state", "state": "closed", "code": code}
                    return
                yield {"type": "state", "state": "reconnecting", "code": code}
            except OSError as error:
                yield {"type": "state", "state": "reconnecting", "error": str(error)}
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self.max_delay)

    def _subscribe_request(self) -> stream_pb2.ClientMessage:
        request = stream_pb2.ClientMessage(id=1)
        request.subscribe.symbols.extend(self.symbols)
        if self.max_rate is not None:
            request.subscribe.max_rate = self.max_rate
        return request

    def _handle(self, message: stream_pb2.ServerMessage) -> list[dict]:
        kind = message.WhichOneof("kind")
        if kind == "snapshot":
            return self._snapshot(message.snapshot)
        if kind == "tick":
            return self._tick(message.tick)
        if kind == "tick_batch":
            return [event for tick in message.tick_batch.ticks for event in self._tick(tick)]
        if kind == "error":
            return [{"type": "error", "code": message.error.code, "message": message.error.message}]
        if kind == "feed_status":
            return [{"type": "feed_status", "state": message.feed_status.state, "message": message.feed_status.message}]
        return []

    def _snapshot(self, snapshot) -> list[dict]:
        events = []
        for item in snapshot.symbols:
            symbol = item.instrument.symbol
            self.scales[symbol] = item.instrument.price_scale
            seq = item.latest.seq if item.HasField("latest") else 0
            known = self.last_seq.get(symbol)
            if known is not None and self.epochs.get(symbol) != item.epoch:
                events.append({"type": "gap", "symbol": symbol, "expected": known + 1, "got": seq, "cause": "epoch"})
            elif known is not None and seq > known + 1:
                events.append({"type": "gap", "symbol": symbol, "expected": known + 1, "got": seq, "cause": "snapshot"})
            self.last_seq[symbol] = seq
            self.epochs[symbol] = item.epoch
            if item.HasField("latest"):
                events.append(self._tick_event(item.latest, snapshot=True))
        return events

    def _tick(self, tick) -> list[dict]:
        last = self.last_seq.get(tick.symbol)
        if last is None or tick.seq <= last:
            return []  # not subscribed, or seen already
        events = []
        if tick.first_seq > last + 1:
            events.append({"type": "gap", "symbol": tick.symbol, "expected": last + 1, "got": tick.first_seq, "cause": "tick"})
        self.last_seq[tick.symbol] = tick.seq
        events.append(self._tick_event(tick, snapshot=False))
        return events

    def _tick_event(self, tick, snapshot: bool) -> dict:
        scale = self.scales.get(tick.symbol, 0)
        exact = lambda minor: str(Decimal(minor).scaleb(-scale))  # noqa: E731 - integers to exact decimals
        return {
            "type": "snapshot" if snapshot else "tick", "symbol": tick.symbol, "seq": tick.seq,
            "epoch": self.epochs.get(tick.symbol, ""), "bid": exact(tick.bid_price), "ask": exact(tick.ask_price),
            "last": exact(tick.last_price),
        }
