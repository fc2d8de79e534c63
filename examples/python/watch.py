#!/usr/bin/env python3
"""Watch prices with the bidtape Python client: one JSON line per tick, gap and state change.

    protoc -I proto --python_out=examples/python/gen proto/bidtape/v1/*.proto
    PYTHONPATH=examples/python/gen python3 examples/python/watch.py --url ws://localhost:3000/v1/stream \\
        --symbols BTC-USD,AAPL --rate 2 --ticks 20
"""
import argparse
import asyncio
import json

from bidtape_client import BidtapeClient


async def watch(url: str, symbols: list[str], rate, ticks: int) -> None:
    client = BidtapeClient(url, symbols, max_rate=rate, initial_delay=0.05, max_delay=0.5)
    seen = 0
    async for event in client.events():
        print(json.dumps(event), flush=True)
        if event["type"] == "tick":
            seen += 1
            if seen >= ticks:
                client.close()
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="ws://localhost:3000/v1/stream")
    parser.add_argument("--symbols", default="BTC-USD")
    parser.add_argument("--rate", type=int, default=None, help="max updates per second per symbol; 0 = every update")
    parser.add_argument("--ticks", type=int, default=20, help="ticks to print before exiting")
    args = parser.parse_args()
    asyncio.run(watch(args.url, args.symbols.split(","), args.rate, args.ticks))


if __name__ == "__main__":
    main()
