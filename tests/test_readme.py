"""Every command of the README's ``sh`` blocks runs, exactly as written, in a fresh folder.

The README is parsed when the test runs (it changes often). The folder is a copy of the
checkout (its tracked and untracked-but-not-ignored files, as a fresh clone plus local work
would have) whose ``.venv`` points at the installed one, with ``.venv/bin`` first on PATH.

* A block is run as one ``bash -e -o pipefail`` script, so its variables and functions carry
  from line to line; a command that starts a server (``make run``, ``livechat-bridge demo`` or
  ``serve``) is started on its own, must answer ``/healthz``, and keeps serving the blocks that
  follow it (the walkthrough's "in another shell") until the next server or the end.
* Client blocks must not get an error answer back (a problem document, ``"status": 4xx``).
* The one substitution: ports. The documented 8080, and a port a server line chooses
  (``make run PORT=8090``), become one free port (``PORT`` and ``LIVECHAT_PORT`` in the
  environment, ``127.0.0.1:8080`` in the text), since other suites may be listening there.
* Excluded, each for a stated reason (see ``EXCLUDED``).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import REPO, copy_checkout, env_with, free_port, serving

pytestmark = pytest.mark.slow

# Commands not run, by how they start, and why.
EXCLUDED = {
    "make test": "runs the whole suite, this test included (it would run itself)",
    "make bench": "the benchmarks: minutes of full load on every core, measuring not checking",
    "xdg-open": "opens a desktop browser",
    "websocat": "a third-party WebSocket client, not installed by the project",
    ".venv/bin/python benchmarks/": "a benchmark: tens of seconds of full load, measuring only",
}
SERVER = re.compile(r"^(\S*/)?(make run\b|livechat-bridge (demo|serve)\b)")
NEEDS_SERVER = re.compile(r"127\.0\.0\.1:8080|\$B\b|curl ")
ERROR_DOCUMENT = re.compile(r'"status": [45]\d\d\b')  # a problem answer (RFC 9457)


@dataclass
class Block:
    line: int  # where the fence opens in the README
    commands: list[str]


def sh_blocks(readme: str) -> list[Block]:
    """The fenced ``sh`` blocks, each split into whole commands (continuations joined)."""
    blocks, inside, start, lines = [], False, 0, []
    for number, line in enumerate(readme.splitlines(), 1):
        if not inside and line.strip() == "```sh":
            inside, start, lines = True, number, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append(Block(start, split_commands("\n".join(lines))))
        elif inside:
            lines.append(line)
    return blocks


def split_commands(text: str) -> list[str]:
    """Shell commands, comments dropped: a command ends at a newline outside quotes and not
    after a backslash."""
    commands, current, quote, i = [], "", "", 0
    while i < len(text):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (not current or current[-1].isspace()):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif char == "\\" and text[i + 1 : i + 2] == "\n":
            current += "\\\n"
            i += 2
            continue
        elif char == "\n":
            commands.append(current.strip())
            current = ""
            i += 1
            continue
        current += char
        i += 1
    commands.append(current.strip())
    return [command for command in commands if command]


def excluded(command: str) -> str | None:
    return next((why for start, why in EXCLUDED.items() if command.startswith(start)), None)


def checkout_copy(target: Path) -> Path:
    """The checkout's files plus a ``.venv`` made of links to the real one and a fresh install
    stamp, so ``make`` finds everything installed and installs nothing."""
    copy_checkout(target)
    venv = target / ".venv"
    venv.mkdir()
    for entry in (REPO / ".venv").iterdir():
        if entry.name != ".installed":
            (venv / entry.name).symlink_to(entry)
    (venv / ".installed").touch()
    return target


class Runner:
    """Runs blocks in order in one folder and keeps the latest server up for the next ones."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.env = env_with(folder / ".venv" / "bin", PORT=str(self.port),
                            LIVECHAT_PORT=str(self.port))  # fmt: skip
        self.server = None
        self.failures: list[str] = []
        self.ran: list[str] = []

    def text(self, command: str) -> str:
        """The command with the free port for 8080 and for a port a server line chooses."""
        command = command.replace("127.0.0.1:8080", f"127.0.0.1:{self.port}")
        if SERVER.match(command):
            command = re.sub(r"(\bPORT=|--port[ =])\d+", rf"\g<1>{self.port}", command)
        return command

    def run_block(self, block: Block) -> None:
        script: list[str] = []
        for command in block.commands:
            if excluded(command):
                continue
            if SERVER.match(command):
                self.script(block, script)
                script = []
                self.start(block, command)
            else:
                script.append(self.text(command))
        self.script(block, script)

    def script(self, block: Block, commands: list[str]) -> None:
        if not commands:
            return
        body = "\n".join(commands)
        if NEEDS_SERVER.search(body) and self.server is None:
            self.failures.append(f"README line {block.line}: needs a running bridge; none started")
            return
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", body], cwd=self.folder, env=self.env,
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        self.ran += commands
        output = done.stdout + done.stderr
        if done.returncode != 0 or ERROR_DOCUMENT.search(done.stdout):
            self.failures.append(
                f"README line {block.line} (exit {done.returncode}):\n{body}\n--- output:\n"
                + output[-3000:]
            )

    def start(self, block: Block, command: str) -> None:
        self.stop()
        context = serving(self.text(command), f"http://127.0.0.1:{self.port}",
                          cwd=self.folder, env=self.env, timeout=120)  # fmt: skip
        try:
            answer = context.__enter__()
        except AssertionError as exc:
            self.failures.append(f"README line {block.line}: {command!r} did not serve: {exc}")
            return
        self.server = context
        self.ran.append(command)
        if answer.get("status") != "ok":
            self.failures.append(f"README line {block.line}: {command!r}: /healthz said {answer}")

    def stop(self) -> None:
        if self.server is not None:
            self.server.__exit__(None, None, None)
            self.server = None


def run_readme(readme: Path, folder: Path) -> Runner:
    runner = Runner(folder)
    try:
        for block in sh_blocks(readme.read_text(encoding="utf-8")):
            runner.run_block(block)
    finally:
        runner.stop()
    return runner


def test_the_splitter_keeps_quoted_newlines_and_continuations_in_one_command():
    text = "B=x  # a comment with Alice's quote\ncurl -d '{\n  \"a\": 1}' \\\n  -s $B\necho ok\n"
    assert split_commands(text) == ["B=x", "curl -d '{\n  \"a\": 1}' \\\n  -s $B", "echo ok"]


def test_every_readme_command_runs_as_written(tmp_path: Path):
    runner = run_readme(REPO / "README.md", checkout_copy(tmp_path))
    assert runner.ran, "the README has no sh block"
    assert not runner.failures, "\n\n".join(runner.failures)
