"""Real processes for the end-to-end tests: start one, poll its /healthz, stop it cleanly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_with(path_first: Path = VENV_BIN, **extra: str) -> dict[str, str]:
    """The test's environment with ``path_first`` leading PATH (and no inherited LIVECHAT_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def copy_checkout(target: Path) -> Path:
    """The checkout's tracked and untracked-but-not-ignored files, as a clone with local work
    would hold them (no ``.venv``, no ``var/``, no build output)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def health(url: str) -> dict | None:
    """The /healthz answer, or None while nothing answers there."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


@contextmanager
def serving(
    command: Sequence[str] | str,
    url: str,
    *,
    cwd: Path,
    env: dict[str, str],
    timeout: float = 60.0,
) -> Iterator[dict]:
    """Start ``command`` (a shell line when a string), yield its first /healthz answer, then
    stop it with SIGINT (the process group: ``make`` runs the bridge as a child)."""
    log = cwd / f"server-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, shell=isinstance(command, str), cwd=cwd, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        while (answer := health(url)) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{command!r} did not serve {url}:\n{log.read_text()}")
            time.sleep(0.1)
        yield answer
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
