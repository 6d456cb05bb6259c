"""Where a source's callbacks may go, and how they are signed: the rules, without any I/O.

Callbacks are requests the bridge makes on a source's behalf, so whoever holds a source key
could aim them at anything the bridge can reach (an admin port, a cloud metadata service).
``TargetPolicy`` is the one rule for every target, a handoff's ``callback_url`` and a Bot
Framework ``serviceUrl`` alike, applied when the handoff (or activity) arrives and again before
every delivery attempt:

* the URL is ``http`` or ``https`` and names a host the source's ``callback_allow`` lists
  (a host name, ``*.example.com`` for its subdomains, ``*`` for any host, or a URL prefix
  such as ``https://hooks.example.com/livechat/``, which also pins scheme, port and path);
* a loopback, private, link-local, shared, multicast or otherwise non-global address is
  refused unless the source sets ``allow_private_callbacks``. An address written in the URL
  is checked here; a host name is checked at delivery, on the addresses it resolves to
  (``is_internal``), which are then the ones connected to.

Signatures follow Standard Webhooks (www.standardwebhooks.com): ``webhook-id`` (stable across
retries), ``webhook-timestamp`` (this attempt, Unix seconds) and ``webhook-signature``
``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``. A ``whsec_<base64>`` secret is
used the way the standard's libraries use it (the decoded bytes); any other secret is its
UTF-8 bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yarl import URL

from bridge.engine.errors import InvalidCommand

if TYPE_CHECKING:
    from bridge.settings import SourceSettings

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"
# What receivers are told to accept: the standard libraries' default tolerance.
REPLAY_WINDOW = 300
_SCHEMES = ("http", "https")


class CallbackNotAllowed(InvalidCommand):
    """A callback target this source may not use (or a source that may not call back)."""

    code = "callback_not_allowed"


@dataclass(frozen=True, slots=True)
class _Prefix:
    scheme: str
    host: str
    port: int | None
    path: str

    def matches(self, url: URL, host: str) -> bool:
        if (url.scheme, host, url.port) != (self.scheme, self.host, self.port):
            return False
        path, base = url.raw_path, self.path.rstrip("/")  # raw: %2F is no path separator
        return path == base or path.startswith(base + "/")


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """One source's callback allow-list; build it with ``parse``, ask it with ``check``."""

    hosts: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    prefixes: tuple[_Prefix, ...] = ()
    any_host: bool = False
    allow_private: bool = False

    @classmethod
    def parse(cls, entries: Iterable[str], allow_private: bool = False) -> TargetPolicy:
        """Raise ``ValueError`` naming the first entry that is neither a host nor a prefix."""
        hosts: set[str] = set()
        suffixes: list[str] = []
        prefixes: list[_Prefix] = []
        any_host = False
        for entry in entries:
            if "://" in entry:
                prefixes.append(_prefix(entry))
            elif entry == "*":
                any_host = True
            elif entry.startswith("*."):
                suffixes.append("." + _host_entry(entry[2:]))
            else:
                hosts.add(_host_entry(entry))
        return cls(frozenset(hosts), tuple(suffixes), tuple(prefixes), any_host, allow_private)

    def check(self, url: str, source: str = "this source") -> None:
        """Refuse (``CallbackNotAllowed``, with a sentence saying why) or return quietly."""
        try:
            target = URL(url)
            host = normal_host(target.host or "")
        except (ValueError, TypeError):
            host, target = "", URL()
        if target.scheme not in _SCHEMES or not host:
            raise CallbackNotAllowed(f"callback target {url!r} is not an http(s) URL with a host")
        if not self._listed(target, host):
            raise CallbackNotAllowed(
                f"callback target {url!r} matches no entry of the callback_allow list of {source}"
            )
        if host.replace(".", "").isdigit() and not _is_address(host):
            raise CallbackNotAllowed(f"callback target host {host!r} is not a canonical address")
        if not self.allow_private and _is_address(host) and is_internal(host):
            raise CallbackNotAllowed(
                f"callback target {host!r} is a loopback, private or link-local address, "
                f"which {source} does not allow (allow_private_callbacks)"
            )

    def _listed(self, url: URL, host: str) -> bool:
        if self.any_host or host in self.hosts:
            return True
        if any(host.endswith(suffix) for suffix in self.suffixes):
            return True
        return any(prefix.matches(url, host) for prefix in self.prefixes)


def check_target(source: SourceSettings, url: str) -> tuple[str, TargetPolicy]:
    """May ``source`` have the bridge post to ``url``? Its signing secret and policy, or raise.

    The one check, made when a handoff or activity names the target and again before every
    delivery attempt (settings may have changed in between): a publishable (browser) key or a
    source without a ``callback_secret`` never calls back, and the target must pass the
    source's ``TargetPolicy``.
    """
    name = f"source {source.name!r}"
    if source.publishable or source.callback_secret is None:
        raise CallbackNotAllowed(f"{name} has no callback secret configured: it cannot call back")
    policy = source.targets()
    policy.check(url, name)
    return source.callback_secret.get_secret_value(), policy


def is_internal(address: str) -> bool:
    """True for any address that is not plainly public: the ones an outsider must not reach.

    IPv4 written inside IPv6 (``::ffff:127.0.0.1``, 6to4) is judged by the IPv4 inside.
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is not None:
            ip = inner
    return not ip.is_global or ip.is_multicast


def normal_host(host: str) -> str:
    """Lower case, without a trailing dot or IPv6 brackets: how hosts are compared."""
    return host.strip("[]").rstrip(".").lower()


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _host_entry(entry: str) -> str:
    host = normal_host(entry.strip())
    if not host or (any(ch in host for ch in "/:@?#* ") and not _is_address(host)):
        raise ValueError(f"callback_allow entry {entry!r} is not a host name or URL prefix")
    return host


def _prefix(entry: str) -> _Prefix:
    url = URL(entry)
    if url.scheme not in _SCHEMES or not url.host or url.query_string or url.fragment:
        raise ValueError(
            f"callback_allow entry {entry!r}: a URL prefix is http(s)://host[:port]/path"
        )
    return _Prefix(url.scheme, normal_host(url.host), url.port, url.raw_path or "/")


def signing_key(secret: str) -> bytes:
    """The HMAC key a callback secret stands for (``ValueError`` for a bad ``whsec_`` one)."""
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode()
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError("a whsec_ callback secret must be base64 after the prefix") from exc
    if not key:
        raise ValueError("a whsec_ callback secret must not be empty")
    return key


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp}.{body}">``: what receivers recompute."""
    signed = b"%s.%d.%s" % (msg_id.encode(), timestamp, body)
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, msg_id: str, body: bytes, now: float) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt: a retry signs its own fresh timestamp.

    The id is one of ours (``chat:seq`` or an activity id), never the caller's text; a ``.``
    in it would make the signed string ambiguous, so it is refused.
    """
    if "." in msg_id:
        raise ValueError(f"webhook id {msg_id!r} must not contain '.'")
    timestamp = int(now)
    return {
        "Content-Type": "application/json",
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(signing_key(secret), msg_id, timestamp, body),
    }
