"""Typed application keys shared by every route module (no globals: all state hangs off the app)."""

from __future__ import annotations

import weakref

from aiohttp import web

from bridge.runtime import Bridge
from bridge.settings import Settings

settings_key = web.AppKey("settings", Settings)
bridge_key = web.AppKey("bridge", Bridge)
# Open WebSockets, closed on shutdown; each handler removes its own in ``finally``.
sockets_key = web.AppKey("sockets", weakref.WeakSet)
