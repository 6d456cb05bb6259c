"""HS256 tokens: agent tokens carry the profile the engine signs in; user tokens name one chat.

Verification is cached per token string (bounded): a console or a load generator reuses one
token for thousands of requests, and the expiry is still checked on every use.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import jwt

from bridge.engine.errors import LivechatError

_ALGORITHM = "HS256"
_CACHE_SIZE = 4096


class Unauthorized(LivechatError):
    code = "unauthorized"


@dataclass(frozen=True, slots=True)
class AgentClaims:
    agent_id: str
    first_name: str
    last_name: str
    queues: tuple[str, ...]
    roles: tuple[str, ...]
    permissions: tuple[str, ...]
    expires: float
    # Skill -> level pairs (issue 13); the engine's ``sign_in`` checks the levels.
    skills: tuple[tuple[str, int], ...] = ()

    @property
    def skill_levels(self) -> dict[str, int]:
        return dict(self.skills)


class TokenSigner:
    def __init__(self, secret: str, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._ttl = ttl
        self._clock = clock
        self._agents: dict[str, AgentClaims] = {}
        self._users: dict[str, str] = {}

    def agent_token(
        self,
        agent_id: str,
        first_name: str,
        last_name: str,
        queues: Sequence[str],
        roles: Sequence[str] = ("IT Agent",),
        permissions: Sequence[str] = ("ESChat_Agent",),
        ttl: float | None = None,
        skills: Mapping[str, int] | None = None,
    ) -> str:
        now = self._clock()
        claims = {
            "sub": agent_id,
            "typ": "agent",
            "first_name": first_name,
            "last_name": last_name,
            "roles": list(roles),
            "permissions": list(permissions),
            "queues": list(queues),
            "iat": int(now),
            "exp": int(now + (ttl or self._ttl)),
        }
        if skills:
            claims["skills"] = dict(skills)
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def user_token(self, chat_id: str) -> str:
        """No expiry: the token is the chat's identity for as long as the chat is kept."""
        return jwt.encode({"sub": chat_id, "typ": "user"}, self._secret, algorithm=_ALGORITHM)

    def agent(self, token: str) -> AgentClaims:
        claims = self._agents.get(token)
        if claims is None:
            claims = self._decode_agent(token)
            if len(self._agents) >= _CACHE_SIZE:
                self._agents.clear()
            self._agents[token] = claims
        if claims.expires <= self._clock():
            raise Unauthorized("the agent token has expired")
        return claims

    def user(self, token: str) -> str:
        chat_id = self._users.get(token)
        if chat_id is None:
            data = self._decode(token, required=("sub",))
            if data.get("typ") != "user" or not isinstance(data["sub"], str):
                raise Unauthorized("not a user token")
            chat_id = data["sub"]
            if len(self._users) >= _CACHE_SIZE:
                self._users.clear()
            self._users[token] = chat_id
        return chat_id

    def _decode_agent(self, token: str) -> AgentClaims:
        data = self._decode(token, required=("sub", "exp"))
        if data.get("typ", "agent") != "agent":
            raise Unauthorized("not an agent token")
        try:
            return AgentClaims(
                _text(data["sub"]),
                _text(data.get("first_name", "")),
                _text(data.get("last_name", "")),
                _texts(data.get("queues")),
                _texts(data.get("roles")),
                _texts(data.get("permissions")),
                float(data["exp"]),
                _levels(data.get("skills", {})),
            )
        except (TypeError, ValueError) as exc:
            raise Unauthorized("malformed agent token claims") from exc

    def _decode(self, token: str, required: Sequence[str]) -> dict[str, object]:
        try:
            return jwt.decode(
                token, self._secret, algorithms=[_ALGORITHM], options={"require": list(required)}
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string claim")
    return value


def _levels(value: object) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, dict):
        raise TypeError("expected an object of skill levels")
    pairs = []
    for skill, level in value.items():
        if isinstance(level, bool) or not isinstance(level, int):
            raise TypeError("expected whole-number skill levels")
        pairs.append((_text(skill), level))
    return tuple(sorted(pairs))


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list claim")
    return tuple(_text(v) for v in value)
