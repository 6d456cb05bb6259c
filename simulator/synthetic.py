"""Synthetic users, questions and messages from Faker, built once per replication from its seed.

Faker is far too slow to call per chat, so a small seeded pool is drawn up front and the hot
loop only indexes into it with the replication's ``random.Random``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from faker import Faker

DEVICES = ("laptop", "VPN client", "Outlook", "printer", "phone", "Teams", "badge", "monitor")
PROBLEMS = (
    "will not start",
    "keeps asking for my password",
    "is very slow",
    "shows an error",
    "stopped syncing",
    "cannot connect",
    "lost my settings",
)


@dataclass(frozen=True, slots=True)
class Pool:
    customers: tuple[str, ...]
    questions: tuple[str, ...]
    messages: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


@lru_cache(maxsize=8)  # staffing rounds and replications in one worker reuse seeds
def build_pool(seed: int, customers: int = 300, questions: int = 120) -> Pool:
    fake = Faker()
    fake.seed_instance(seed)
    pick = random.Random(seed)
    asked = tuple(
        f"My {pick.choice(DEVICES)} {pick.choice(PROBLEMS)} on {fake.hostname()}"
        for _ in range(questions)
    )
    return Pool(
        customers=tuple(fake.user_name() for _ in range(customers)),
        questions=asked,
        messages=tuple(fake.sentence(nb_words=6) for _ in range(questions)),
        first_names=tuple(fake.first_name() for _ in range(64)),
        last_names=tuple(fake.last_name() for _ in range(64)),
    )
