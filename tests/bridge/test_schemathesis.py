"""Schemathesis against a real bridge process: every check, stateless and stateful over links.

The document at ``/openapi.json`` is the contract. Schemathesis generates requests from it
(valid and invalid), sends them with real credentials (the source's ``X-API-Key``, an agent
token, and the user token each handoff answer carries) and checks each answer with all of its
built-in checks: no 5xx, status codes, content types, headers and bodies as documented,
invalid data refused, valid data accepted, authentication never ignored, 405 with ``Allow``.
The stateful phase follows the document's links (handoff -> the chat's user and agent routes,
ticket creation -> the ticket's routes), so it reaches the states a client really gets to.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
import yaml
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.stateful.state_machine import APIStateMachine

from bridge.http.schemas import IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY

from .support import ALICE_LOGIN, SECRET, SOURCE_KEY, signer
from .test_kill9 import bridge_command, free_port

USER_CHAT = "/api/v1/chats/{chat_id}"
AGENT_CHAT = "/api/v1/agent/chats/{chat_id}"
MAX_EXAMPLES = 8  # per operation, stateless
SCENARIOS = 30  # stateful
STEPS = 8  # calls per stateful scenario


def write_config(tmp: Path) -> Path:
    config = {
        "secret": SECRET,
        "sources": [{"name": "bot", "api_key": SOURCE_KEY}],
        "engine": {"auto_accept": False},
        "demo_users": [ALICE_LOGIN],
    }
    path = tmp / "bridge.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bridge_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A bridge process on a free port, stopped (and its log shown on failure) at the end."""
    tmp = tmp_path_factory.mktemp("schemathesis")
    port, log = free_port(), tmp / "bridge.log"
    command = [*bridge_command(), "serve", "--config", str(write_config(tmp))]
    command += ["--db", str(tmp / "events.db"), "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:  # bounded wait until the process listens
            assert process.poll() is None, log.read_text()
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


class Credentials:
    """The right credential for each operation, from its declared security.

    User routes get the user token of the chat in their path (learnt from handoff answers);
    agent routes get an agent token whose queues include that chat's queue, so the agent
    really may act on the chats the stateful phase opened.
    """

    def __init__(self) -> None:
        self.chats: dict[str, tuple[str, str]] = {}  # chat_id -> (user token, queue)
        self.signer = signer()

    def learn(self, case: Any, response: Any) -> None:
        if case.operation.path == "/api/v1/handoffs" and response.status_code in (200, 201):
            body = response.json()
            self.chats[body["chat_id"]] = (body["user_token"], body["queue"])

    def headers(self, case: Any) -> dict[str, str]:
        schemes = {
            name for item in case.operation.definition.raw.get("security", []) for name in item
        }
        chat = self.chats.get((case.path_parameters or {}).get("chat_id", ""))
        if "user" in schemes and chat is not None:
            return {"Authorization": f"Bearer {chat[0]}"}
        if "agent" in schemes:
            queues = ("Acme/GENERAL", *([chat[1]] if chat else []))
            token = self.signer.agent_token(
                "alice", "Alice", "Adams", queues, ("IT Agent",), ("ESChat_Agent",)
            )
            return {"Authorization": f"Bearer {token}"}
        if "source" in schemes:
            return {"X-API-Key": SOURCE_KEY}
        return {}


# Valid by the document yet refused: by a rule the document cannot state (capacity over the
# configured maximum, an attachment type the config does not allow, a queue that is closed...).
# Those answers carry a domain code; a schema-valid body refused as invalid is caught below.
POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "415", "422", "426", "429"]
VALIDATION_CODES = frozenset({"invalid_body", "invalid_json", "invalid_query"})
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_EXPECTED}}}
)


@schemathesis.check
def schema_valid_input_passes_validation(ctx: Any, response: Any, case: Any) -> bool | None:
    """What the document calls valid, the bridge's own validation accepts: the two agree."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code in (400, 422):
        code = response.json().get("code")
        assert code not in VALIDATION_CODES, f"schema-valid input refused as {code}"
    return None


@pytest.fixture(scope="module")
def api_schema(bridge_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{bridge_url}/openapi.json", config=CONFIG)


credentials = Credentials()
SETTINGS = hypothesis.settings(
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
    database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


def check(case: Any) -> None:
    response = case.call(headers=credentials.headers(case))
    credentials.learn(case, response)
    case.validate_response(response)


def operation_strategy(operation: Any) -> Any:
    """Valid and invalid cases (an operation with nothing to get wrong has no invalid ones)."""
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    try:
        return positive | operation.as_strategy(GenerationMode.NEGATIVE)
    except Exception:  # schemathesis raises several types for "no negative data"
        return positive


def test_every_operation_answers_as_documented(api_schema: Any) -> None:
    """Each operation, one by one; all failures are listed together, not just the first."""
    failures: dict[str, str] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "HEAD":
            continue  # aiohttp adds HEAD to every GET route: the same handler, tested as GET

        @hypothesis.settings(SETTINGS, max_examples=MAX_EXAMPLES)
        @hypothesis.given(operation_strategy(operation))
        def run(case: Any) -> None:
            check(case)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collected and reported below
            failures[operation.label] = str(exc)[:6000]
    assert not failures, "\n\n".join(f"== {k}\n{v}" for k, v in failures.items())


def test_workflows_over_the_documented_links_answer_as_documented(api_schema: Any) -> None:
    """Scenarios chained by the links; pages and WebSockets (no links) are left to the above."""
    api = api_schema.exclude(method="HEAD").exclude(tag=["pages", "streams", "ops"])
    machine: type[APIStateMachine] = api.as_state_machine()
    seen: Counter[tuple[str, int]] = Counter()

    class Workflows(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            headers = credentials.headers(case)
            key = (case.headers or {}).get(IDEMPOTENCY_HEADER)
            if key is not None and 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
                # A valid generated key may repeat across scenarios on the one live bridge, and
                # a repeat answers an earlier scenario's chat: a fresh valid key keeps scenarios
                # apart (replays stay deterministic). An invalid one is sent as generated, for
                # the bridge to refuse; the stateless phase sends every generated key.
                headers[IDEMPOTENCY_HEADER] = uuid.uuid4().hex
            return {"headers": headers}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            credentials.learn(case, response)
            seen[(case.operation.label, response.status_code)] += 1

    Workflows.run(
        settings=hypothesis.settings(SETTINGS, max_examples=SCENARIOS, stateful_step_count=STEPS)
    )
    # The links were followed with the credentials they lead to: a chat opened by a handoff
    # was then read by its user (the user token from the answer) and reached by an agent of its
    # queue (answered, or refused by the chat's state: not 401/403/404).
    assert seen[("POST /api/v1/handoffs", 201)] > 0, seen
    reached = {label for (label, status) in seen if status in (200, 201, 409)}
    paths = {label.split()[1] for label in reached}
    assert any(path.startswith(USER_CHAT) for path in paths), seen
    assert any(path.startswith(AGENT_CHAT) for path in paths), seen


@pytest.mark.parametrize(
    ("mode", "status", "code", "refused"),
    [
        (GenerationMode.POSITIVE, 422, "invalid_body", True),
        (GenerationMode.POSITIVE, 422, "invalid_command", False),  # a rule, not the schema
        (GenerationMode.NEGATIVE, 422, "invalid_body", False),
    ],
)
def test_the_agreement_check_fails_only_on_valid_input_refused_as_invalid(
    mode: GenerationMode, status: int, code: str, refused: bool
) -> None:
    case = SimpleNamespace(meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)))
    response = SimpleNamespace(status_code=status, json=lambda: {"code": code})
    if refused:
        with pytest.raises(AssertionError, match="schema-valid input refused as invalid_body"):
            schema_valid_input_passes_validation(None, response, case)
    else:
        assert schema_valid_input_passes_validation(None, response, case) is None
