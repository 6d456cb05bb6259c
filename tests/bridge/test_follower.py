"""A follower's ``reached``: it returns once the row is handled, and a wait given up on is
forgotten (the follower keeps no list of waiters that nobody awaits)."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from bridge.http.workspace import workspace_follower_key

from .support import bridge_of, hand_off


async def test_reached_returns_once_the_row_is_handled_and_drops_a_cancelled_wait(
    client: TestClient,
):
    follower = client.server.app[workspace_follower_key]
    target = bridge_of(client).runner.last_seq + 1  # the next row: not committed yet
    waiting = asyncio.ensure_future(follower.reached(target))
    given_up = asyncio.ensure_future(follower.reached(target + 10_000))
    await asyncio.wait((waiting, given_up), timeout=0)  # both are parked, none is done
    assert not waiting.done() and not given_up.done()
    given_up.cancel()

    await hand_off(client)  # commits rows: the follower handles them
    await asyncio.wait_for(waiting, 5)
    assert follower.seq >= target
    assert follower._waiting == []  # the cancelled wait is gone too
    await asyncio.wait_for(follower.reached(target), 1)  # already there: returns at once
