"""Bounded REST load on loopback: sequential and concurrent simulated patients."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import List, Sequence

import aiohttp

CONVERSATION = (
    "Hallo",
    "Was ist Leaky Gut?",
    "Kann Stress den Darm durchlässig machen?",
    "und Antibiotika?",
    "Sieht man das bei einer Darmspiegelung?",
    "ja gerne",
    "Danke, tschüss",
)


@dataclass
class LoadResult:
    label: str
    latencies: List[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def row(self) -> str:
        return (
            f"| {self.label} | {self.requests} | {self.throughput:.1f} | {self.percentile(0.5) * 1000:.0f} | "
            f"{self.percentile(0.95) * 1000:.0f} | {self.percentile(0.99) * 1000:.0f} | {self.errors} |"
        )


async def _patient(url: str, result: LoadResult, deadline: float, messages: Sequence[str]) -> None:
    """One simulated patient after another, each with its own HTTP connection (kept alive for the
    conversation), as separate patients' browsers or messenger webhooks would have."""
    timeout = aiohttp.ClientTimeout(total=30)
    while time.monotonic() < deadline:
        sender = f"bench-{uuid.uuid4().hex[:10]}"
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=1)) as session:
            for message in messages:
                if time.monotonic() >= deadline:
                    return
                await _send(session, url, sender, message, result)


async def _send(
    session: aiohttp.ClientSession, url: str, sender: str, message: str, result: LoadResult
) -> None:
    started = time.monotonic()
    try:
        async with session.post(url, json={"sender": sender, "message": message}) as response:
            await response.read()
            if response.status != 200:
                result.errors += 1
                return
    except (aiohttp.ClientError, asyncio.TimeoutError):
        result.errors += 1
        return
    result.latencies.append(time.monotonic() - started)


async def run_load(
    base_url: str, users: int, seconds: float, label: str, messages: Sequence[str] = CONVERSATION
) -> LoadResult:
    result = LoadResult(label)
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(_patient(f"{base_url}/webhooks/rest/webhook", result, deadline, messages) for _ in range(users))
    )
    result.seconds = time.monotonic() - started
    return result
