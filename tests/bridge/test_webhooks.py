"""The callback-target rule and the webhook secret, without a bridge (``bridge.webhooks``)."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from bridge.settings import SourceSettings
from bridge.webhooks import CallbackNotAllowed, TargetPolicy, is_internal, signing_key

POLICY = TargetPolicy.parse(
    ["hooks.example.com", "*.bots.example.org", "https://api.example.net:8443/livechat/"]
)


@pytest.mark.parametrize("url", [
    "https://hooks.example.com/anything",
    "http://HOOKS.example.com.:8080/x",
    "https://eu.bots.example.org/v3/conversations",
    "https://a.b.bots.example.org/",
    "https://api.example.net:8443/livechat/",
    "https://api.example.net:8443/livechat/hook?x=1",
])  # fmt: skip
def test_allowed_targets_pass(url: str):
    POLICY.check(url)


@pytest.mark.parametrize("url", [
    "https://hooks.example.com.evil.example/x",
    "https://evilhooks.example.com/x",
    "https://bots.example.org/",
    "https://evilbots.example.org/",
    "https://api.example.net/livechat/",
    "http://api.example.net:8443/livechat/",
    "https://api.example.net:8443/livechat-admin/",
    "https://api.example.net:8443/",
    "ftp://hooks.example.com/x",
])  # fmt: skip
def test_everything_else_is_refused_with_the_reason(url: str):
    with pytest.raises(CallbackNotAllowed) as refused:
        POLICY.check(url, "source 'bot'")
    assert refused.value.code == "callback_not_allowed"
    assert "source 'bot'" in str(refused.value) or "http(s)" in str(refused.value)


def test_an_empty_allow_list_allows_nothing():
    with pytest.raises(CallbackNotAllowed, match="callback_allow"):
        TargetPolicy.parse([]).check("https://hooks.example.com/x")


@pytest.mark.parametrize(("address", "internal"), [
    ("127.0.0.1", True), ("10.0.0.1", True), ("172.16.5.4", True), ("192.168.1.1", True),
    ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.1", True),
    ("::1", True), ("fe80::1", True), ("fc00::1", True), ("::ffff:10.0.0.1", True),
    ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1
    ("93.184.215.14", False), ("2606:4700:4700::1111", False), ("::ffff:93.184.215.14", False),
])  # fmt: skip
def test_what_counts_as_internal(address: str, internal: bool):
    assert is_internal(address) is internal


def test_private_addresses_pass_only_for_a_source_that_allows_them():
    with pytest.raises(CallbackNotAllowed, match="allow_private_callbacks"):
        TargetPolicy.parse(["*"]).check("http://10.0.0.7/hook")
    TargetPolicy.parse(["*"], allow_private=True).check("http://10.0.0.7/hook")


@pytest.mark.parametrize("entry", ["", "hooks.example.com/path", "user@host", "ftp://h/x",
                                   "https://h/x?q=1", "*.", "https:///x"])  # fmt: skip
def test_a_bad_allow_list_entry_is_a_config_error_naming_it(entry: str):
    with pytest.raises(ValidationError, match="callback_allow entry"):
        SourceSettings(name="s", api_key="k", callback_allow=[entry])


def test_a_whsec_secret_is_its_base64_key_and_a_plain_one_its_bytes():
    key = b"k" * 32
    assert signing_key("whsec_" + base64.b64encode(key).decode()) == key
    assert signing_key("whsec_" + base64.b64encode(key).decode().rstrip("=")) == key
    assert signing_key("plain-secret") == b"plain-secret"
    with pytest.raises(ValidationError, match="base64"):
        SourceSettings(name="s", api_key="k", callback_secret="whsec_not base64!")
