"""The ``supervision:`` settings (issue 16 item 7): which token role makes an agent a supervisor.

Kept beside ``bridge.settings`` (which only names the section) so that file stays small. The
role travels in the agent token like every other role (the demo login's profile, a CLI token's
``--roles``, or an OIDC group's ``roles``); the engine's one rule (``bridge.engine.supervision``)
asks for it together with the Live Chat role and permission.
"""

from __future__ import annotations

from pydantic import Field

from bridge.config_files import Strict
from bridge.engine.supervision import SUPERVISOR_ROLE


class SupervisionSettings(Strict):
    # The role (in the token's roles) of a supervisor: sees, whispers, barges in, takes over
    # and reassigns the live chats of the support queues in their own token.
    role: str = Field(default=SUPERVISOR_ROLE, min_length=1, max_length=100)
