"""The one error type for mistakes a user can fix.

The CLI prints a :class:`PerfkitError` as a single line and exits non-zero; anything else
escaping is a bug in perfkit and keeps its traceback.
"""

from __future__ import annotations


class PerfkitError(Exception):
    """A user-fixable problem. The message names the input and says what to do."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
