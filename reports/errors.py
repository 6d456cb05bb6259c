"""Report errors: the input could not be turned into a report; each carries a stable ``code``.

The CLI turns any of these into a one-line message and exit status 2, never a traceback.
"""

from __future__ import annotations


class ReportError(Exception):
    """The log or a frame cannot be reported on; nothing was written."""

    code = "report_error"


class LogNotFound(ReportError):
    code = "log_not_found"


class LogUnreadable(ReportError):
    """Not a Parquet event log nor a bridge store (SQLite file, PostgreSQL database), or
    damaged, or its database server cannot be reached."""

    code = "log_unreadable"


class SchemaMismatch(ReportError):
    """A frame lacks columns or has the wrong dtypes: catching it early beats a KeyError later."""

    code = "schema_mismatch"


class LogHasNoChats(ReportError):
    """The log holds no ``ChatOpened``: there is nothing to calibrate a scenario from."""

    code = "log_has_no_chats"
