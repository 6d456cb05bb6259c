"""The bridge's moving parts between HTTP and the engine: one writer, timers, fan-out, callbacks."""

from .bridge import Bridge
from .callbacks import CallbackDelivery
from .runner import CommandRunner, TimerDriver
from .tokens import AgentClaims, TokenSigner, Unauthorized

__all__ = [
    "AgentClaims",
    "Bridge",
    "CallbackDelivery",
    "CommandRunner",
    "TimerDriver",
    "TokenSigner",
    "Unauthorized",
]
