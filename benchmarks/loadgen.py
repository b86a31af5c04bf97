"""A small HTTP/1.1 load generator: C clients on keep-alive connections to one loopback
server, each sending its next body as soon as the last reply arrived.  Written on bare
asyncio streams so that the client costs far less CPU than the servers it measures (both
share the machine's cores).  Bounded in count and in time; it stops by itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # seconds, of requests answered 2xx
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def request(port: int, path: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> tuple[int, bytes]:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next((int(line.split(":", 1)[1]) for line in lines[1:] if line.lower().startswith("content-length:")), 0)
    return status, await reader.readexactly(length) if length else b""


async def client(port: int, raws: Iterable[bytes], deadline: float, load: Load) -> None:
    """One client on one connection: each raw request in turn until ``deadline``, its
    latency or its error added to ``load``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**24)
    try:
        for raw in raws:
            if time.perf_counter() > deadline:
                break
            start = time.perf_counter()
            status, reply = await exchange(reader, writer, raw)
            if 200 <= status < 300:
                load.latencies.append(time.perf_counter() - start)
            else:
                load.errors.append(f"{status}: {reply[:200]!r}")
    finally:
        writer.close()


async def _run(port: int, path: str, per_client: list[list[bytes]], seconds: float) -> Load:
    load = Load()
    start = time.perf_counter()
    await asyncio.gather(*(client(port, (request(port, path, b) for b in bodies), start + seconds, load) for bodies in per_client))
    load.seconds = time.perf_counter() - start
    return load


def drive(port: int, path: str, bodies: list[bytes], clients: int, seconds: float) -> Load:
    """Send ``bodies`` (dealt round-robin to ``clients`` connections) for at most ``seconds``."""
    per_client = [bodies[i::clients] for i in range(clients)]
    return asyncio.run(_run(port, path, per_client, seconds))


def post_once(port: int, path: str, body: bytes, timeout: float = 600) -> tuple[int, bytes, float]:
    async def one() -> tuple[int, bytes, float]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**26)
        try:
            start = time.perf_counter()
            status, reply = await asyncio.wait_for(exchange(reader, writer, request(port, path, body)), timeout)
            return status, reply, time.perf_counter() - start
        finally:
            writer.close()

    return asyncio.run(one())
