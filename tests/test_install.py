"""A fresh virtual environment: the bridge alone with ``pip install .``, the simulator with
``.[sim]``. No ``--system-site-packages``: what the wheel does not declare is not there.

The wheel is built once from a copy of the checkout (what ``pip install .`` builds), then
installed into a new venv; pip's cache makes the dependency downloads cheap after the first
run. About a minute and a half on the 2-core development machine, most of it pip.
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.processes import REPO, copy_checkout, env_with, free_port, serving

pytestmark = pytest.mark.slow

HEAVY = ("pandas", "numpy", "pyarrow", "scipy", "simpy", "matplotlib", "dask", "tqdm", "jinja2")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = copy_checkout(tmp_path_factory.mktemp("source"))
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    (built,) = out.glob("livechat-*.whl")
    return built


def test_the_wheel_ships_the_license_the_scenarios_and_the_example_config_is_beside(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith("/LICENSE") for n in names)
    assert {"scenarios/small-helpdesk.yaml", "scenarios/mmc-textbook.yaml"} <= set(names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    assert b"Provides-Extra: sim" in metadata and b"Provides-Extra: reports" in metadata
    license_text = (REPO / "LICENSE").read_text()
    assert license_text.startswith("MIT License") and "the livechat authors" in license_text


def test_a_bare_install_serves_the_bridge_and_the_sim_extra_runs_a_shipped_scenario(
    wheel: Path, tmp_path: Path
):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    env = env_with(bin_dir)
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, env=env, timeout=900)

    probe = f"import importlib.util as u; print([m for m in {HEAVY!r} if u.find_spec(m)])"
    found = subprocess.run([str(bin_dir / "python"), "-c", probe], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    assert found == "[]", "a bridge-only install pulled in the simulator's or reports' packages"

    port = free_port()
    serve = [str(bin_dir / "livechat-bridge"), "serve", "--port", str(port)]
    with serving(serve, f"http://127.0.0.1:{port}", cwd=tmp_path, env=env) as answer:
        assert answer["status"] == "ok"

    subprocess.run([*pip, f"{wheel}[sim]"], check=True, capture_output=True, env=env, timeout=900)
    run = subprocess.run(
        [str(bin_dir / "livechat-sim"), "run", "small-helpdesk", "--out", "out"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Small helpdesk: 1 replication" in run.stdout
    assert (tmp_path / "out" / "events.parquet").is_file()
