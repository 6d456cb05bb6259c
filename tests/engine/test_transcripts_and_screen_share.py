"""Transcript requests, their outcomes and screen-share links: check, then emit; replayable."""

from __future__ import annotations

from bridge.engine import Engine
from bridge.engine import errors as err
from bridge.engine.events import (
    ScreenShareOffered,
    TranscriptFailed,
    TranscriptRequested,
    TranscriptSent,
)

from .support import FakeClock, refused, rig

URL = "https://remote.example.com/session/c1"


def _held():
    r = rig()
    r.agent("a1")
    r.chat("c1")  # auto-accept: a1 holds it
    return r


def test_the_user_asks_for_the_transcript_even_after_the_chat_closed():
    r = _held()
    r.engine.end("c1", "a1")
    r.at(40.0)
    assert r.engine.request_transcript("c1", "ann@example.com") == [
        TranscriptRequested(40.0, "c1", None, "user", "ann@example.com")
    ]


def test_the_agent_asks_while_holding_or_having_ended_the_chat_but_nobody_else():
    r = _held()
    r.agent("a2")
    refused(r, err.ChatNotActive, r.engine.request_transcript, "c1", "x@example.com", "a2")
    r.engine.end("c1", "a1")
    [asked] = r.engine.request_transcript("c1", "ann@example.com", "a1")
    assert (asked.by, asked.agent_id) == ("agent", "a1")
    refused(r, err.ChatNotActive, r.engine.request_transcript, "c1", "x@example.com", "a2")
    refused(r, err.UnknownChat, r.engine.request_transcript, "nope", "x@example.com")


def test_outcomes_name_their_request_and_change_no_routing_state():
    r = _held()
    r.at(5.0)
    before = r.engine.snapshot()
    sent = r.engine.record_transcript("c1", 7, "ann@example.com", 2)
    failed = r.engine.record_transcript("c1", 8, "ann@example.com", 5, "timeout")
    assert sent == [TranscriptSent(5.0, "c1", 7, "ann@example.com", 2)]
    assert failed == [TranscriptFailed(5.0, "c1", 8, "ann@example.com", 5, "timeout")]
    assert r.engine.snapshot() == before


def test_a_screen_share_link_is_numbered_like_a_message_and_replays():
    r = _held()
    [message] = r.engine.post_agent_message("c1", "a1", "let me look")
    [offered] = r.engine.offer_screen_share("c1", "a1", URL)
    assert (type(offered), offered.url, offered.agent_id) == (ScreenShareOffered, URL, "a1")
    assert offered.n == message.n + 1
    [after] = r.engine.post_agent_message("c1", "a1", "click it")
    assert after.n == offered.n + 1
    fresh = Engine(FakeClock())
    fresh.replay(r.log)
    assert fresh.snapshot() == r.engine.snapshot()


def test_a_screen_share_link_needs_the_chat_and_an_http_url():
    r = _held()
    r.agent("a2")
    refused(r, err.ChatNotActive, r.engine.offer_screen_share, "c1", "a2", URL)
    refused(r, err.InvalidCommand, r.engine.offer_screen_share, "c1", "a1", "javascript:alert(1)")
