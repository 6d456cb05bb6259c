"""The client is light: importing it (a Lambda cold start) brings none of the server runtime."""

from __future__ import annotations

import subprocess
import sys

SERVER_ONLY = ("bridge.runtime", "bridge.http.errors", "bridge.store", "prometheus_client", "jwt")


def test_importing_the_client_loads_no_server_runtime():
    probe = f"import sys, bridge.client; print([m for m in {SERVER_ONLY!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
