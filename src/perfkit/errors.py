"""The one error type for mistakes a user can fix.

The CLI prints a :class:`PerfkitError` as a single line and exits non-zero; anything else
escaping is a bug in perfkit and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class PerfkitError(Exception):
    """A user-fixable problem. The message names the input and says what to do."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ParamError(PerfkitError):
    """A user-fixable problem with one named parameter of a library call.

    The message is a template with ``{name}`` where the parameter is named: the library says
    ``format``, the CLI re-renders the same template with the flag the user typed (``--to``),
    so a library error and a CLI error are one text, each in its caller's words.
    """

    def __init__(self, param: str, template: str, *, exit_code: int | None = None) -> None:
        self.param = param
        self.template = template
        super().__init__(self.render(param), exit_code=exit_code)

    def render(self, name: str) -> str:
        """The message with the parameter called ``name``."""
        return self.template.replace("{name}", name)


@contextmanager
def renamed(**names: str) -> Iterator[None]:
    """Inside, a ParamError about parameter ``key`` names it ``names[key]`` instead: a caller
    words the errors of what it calls in its own terms (``path`` -> ``output``, ``format`` ->
    ``--to``)."""
    try:
        yield
    except ParamError as exc:
        if exc.param not in names:
            raise
        raise ParamError(names[exc.param], exc.template, exit_code=exc.exit_code) from None
