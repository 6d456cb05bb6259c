"""The routing engine: a pure, clock-injected state machine shared by bridge and simulator.

No I/O, no wall clock, no aiohttp. See the README's "Routing engine" section for the model.
"""

from . import errors, events
from .config import GENERAL, EngineConfig, QueueConfig, queue_key
from .core import SOURCES, Engine
from .ewt import ESTIMATORS, QueueState, RecentHistory
from .hours import BusinessHours
from .policy import POLICIES, LeastBusy, LongestIdle, policy_named

__all__ = [
    "ESTIMATORS",
    "GENERAL",
    "POLICIES",
    "SOURCES",
    "BusinessHours",
    "Engine",
    "EngineConfig",
    "LeastBusy",
    "LongestIdle",
    "QueueConfig",
    "QueueState",
    "RecentHistory",
    "errors",
    "events",
    "policy_named",
    "queue_key",
]
