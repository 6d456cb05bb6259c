"""``livechat-sim drive``: play a scenario against a running bridge through its real APIs.

The scenario's arrivals become handoffs (``POST /api/v1/handoffs`` with each stream's source
kind and that kind's API key), its users wait, give up (cancel), write and cancel after an
agent joined; its roster becomes agents with tokens who open their stream (sign-in and
presence), say "available for N", and greet, work, transfer and end chats through the agent
API. Routing is the bridge's: nothing here picks an agent. Time is the scenario's, played at
the bridge's ``engine.clock_speed`` (1: real time), so the bridge's log can be reported,
calibrated and compared with a simulation of the same scenario (``livechat-report compare
--align start``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass

import aiohttp

from bridge.client import AgentClient, LivechatClient, LivechatClientError, RetryPolicy
from bridge.runtime.tokens import TokenSigner

from .errors import BridgeUnreachable
from .roster import seats
from .scenario import Scenario
from .staff import PERMISSIONS, ROLES
from .synthetic import build_pool
from .twin_agents import LiveAgent
from .twin_chats import Customers, Pace, Tally, planned_arrivals
from .twin_pickups import LivePickups
from .twin_target import BridgeTarget, check_fits


@dataclass(frozen=True, slots=True)
class DriveResult:
    arrivals: int
    agents: int
    wall: float
    tally: Tally

    def lines(self) -> list[str]:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.tally.counts.items()))
        out = [f"Drove {self.arrivals} arrivals and {self.agents} agents in {self.wall:.1f} s"
               f" of wall time: {counts or 'nothing happened'}"]  # fmt: skip
        if self.tally.refused:
            refused = ", ".join(f"{k} x{v}" for k, v in sorted(self.tally.refused.items()))
            out.append(f"Refused by the bridge: {refused}")
        return out


async def reachable(url: str, session: aiohttp.ClientSession) -> None:
    """The bridge answers /healthz as a leader; else a BridgeUnreachable naming the URL."""
    try:
        async with session.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=5)) as r:
            body = await r.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        why = str(exc) or type(exc).__name__
        raise BridgeUnreachable(f"no bridge answers at {url} ({why})") from exc
    if r.status != 200 or not isinstance(body, dict) or body.get("status") != "ok":
        raise BridgeUnreachable(f"{url}/healthz answered {r.status}: not a bridge ready to serve")


def _agents(
    scenario: Scenario, target: BridgeTarget, session: aiohttp.ClientSession, seed: int,
    customers: Customers, pace: Pace, tally: Tally,
) -> list[LiveAgent]:  # fmt: skip
    end = scenario.horizon + scenario.cooldown
    pool = build_pool(seed)
    ttl = end / target.speed + 3600.0  # wall seconds the tokens must outlive the run by
    signer = TokenSigner(target.secret, ttl)
    out = []
    for i, seat in enumerate(seats(scenario, end)):
        first = pool.first_names[i % len(pool.first_names)]
        last = pool.last_names[(i * 7) % len(pool.last_names)]
        token = signer.agent_token(seat.id, first, last, seat.queues, ROLES, PERMISSIONS)
        client = AgentClient(target.url, token, session=session)
        out.append(LiveAgent(seat, client, customers, pace, tally))
    return out


async def drive(scenario: Scenario, target: BridgeTarget, seed: int | None = None) -> DriveResult:
    """Play the scenario to its horizon plus cooldown; the agents then sign out."""
    check_fits(scenario, target)
    seed = scenario.seed if seed is None else seed
    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=0)  # every agent stream holds a connection
    async with aiohttp.ClientSession(connector=connector) as session:
        await reachable(target.url, session)
        retry = RetryPolicy(attempts=8, first_delay=0.05, max_delay=1.0)
        sources = {kind: LivechatClient(target.url, key, session=session, retry=retry)
                   for kind, key in target.keys.items()}  # fmt: skip
        arrivals = planned_arrivals(scenario, seed)
        pace, tally = Pace(target.speed), Tally()
        customers = Customers(sources, pace, tally)
        agents = _agents(scenario, target, session, seed, customers, pace, tally)
        if scenario.manual:
            pickups = LivePickups(random.Random(f"{seed}/agents"))
            for agent in agents:
                pickups.add(agent)
                agent.pickups = pickups
        tasks = [asyncio.create_task(a.roster()) for a in agents]
        tasks += [asyncio.create_task(customers.arrive(a)) for a in arrivals]
        try:
            await pace.until(scenario.horizon + scenario.cooldown)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(*(a.stop() for a in agents), return_exceptions=True)
    return DriveResult(len(arrivals), len(agents), time.perf_counter() - started, tally)


def run_drive(scenario: Scenario, target: BridgeTarget, seed: int | None = None) -> DriveResult:
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(drive(scenario, target, seed))
    raise SystemExit(130)


__all__ = ["DriveResult", "LivechatClientError", "drive", "run_drive"]
