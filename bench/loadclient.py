"""A small HTTP/1.1 keep-alive load client that accounts for every request it sends.

Each of N connections posts in a loop until the duration is over, then waits for its last
answer, so `sent == answered` and the number of 2xx answers can be compared exactly with
what the server stored. Only for servers on this machine (loopback).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    seconds: float
    sent: int = 0
    ok: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def rps(self) -> float:
        return self.sent / self.seconds


TEXTS = [
    "配送太慢了，等了两个小时",
    "The app crashes at checkout",
    "菜很新鲜，骑手态度也好",
    "Coupon did not apply",
    "包装破了，汤洒了",
]


async def _connection(
    host: str, port: int, key: str, until: float, cid: int, out: LoadResult
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    n = 0
    try:
        while time.perf_counter() < until:
            n += 1
            body = json.dumps(
                {"text": f"{TEXTS[n % len(TEXTS)]} ({cid}-{n})", "nps": n % 11}, ensure_ascii=False
            ).encode()
            head = (
                f"POST /api/v1/feedback HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            start = time.perf_counter()
            writer.write(head + body)
            out.sent += 1
            try:
                status_line = await reader.readline()
                status = int(status_line.split()[1])
                length = 0
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                out.errors += 1
                break
            out.latencies_ms.append((time.perf_counter() - start) * 1000)
            out.statuses[status] = out.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                out.ok += 1
    finally:
        writer.close()


async def _run(host: str, port: int, key: str, connections: int, seconds: float) -> LoadResult:
    out = LoadResult(seconds=seconds)
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(*(_connection(host, port, key, until, c, out) for c in range(connections)))
    out.seconds = time.perf_counter() - start
    return out


def run_load(
    host: str, port: int, key: str, *, connections: int = 64, seconds: float = 30
) -> LoadResult:
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError("the load client only targets servers on this machine")
    return asyncio.run(_run(host, port, key, connections, seconds))
