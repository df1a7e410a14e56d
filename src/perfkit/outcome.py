"""How a recorded run ended, and the command it ran: the facts a collector writes into
``Profile.metadata`` beside the samples.

``Profile.outcome`` reads them back as an :class:`Outcome`, which ``perfkit profile`` and
``perfkit.profile(...)`` share: what a run returned, what it warned about, what to exit with.
A job of its own next to the sample model (exit-status policy and the wording of a user's
warnings are not the model's). :mod:`perfkit.model` imports and re-exports these names, so
this module imports nothing of perfkit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["EXIT_INTERRUPTED", "Outcome", "command_text"]


def command_text(command: Any) -> str:
    """A recorded command as one shell-quoted line (collectors store it as an argv list)."""
    if isinstance(command, (list, tuple)):
        import shlex  # only for this; keeps the model's import light

        return shlex.join(str(part) for part in command)
    return "" if command is None else str(command)


#: exit status when the user stopped recording with Ctrl-C (128 + SIGINT, as shells report it)
EXIT_INTERRUPTED = 130


def _as_flag(name: str) -> str:
    return name


@dataclass(frozen=True)
class Outcome:
    """The run behind a recorded profile."""

    #: the target's exit status, subprocess style (-N: killed by signal N); None when perfkit
    #: attached to a running process or the profile was not recorded by perfkit
    exit_status: int | None = None
    interrupted: bool = False  #: the user pressed Ctrl-C; the profile holds what was gathered
    stopped_by_duration: bool = False  #: perfkit stopped the target when ``duration`` ran out
    ignored_options: tuple[str, ...] = ()  #: RecordOptions fields the backend could not honour
    warnings: tuple[str, ...] = ()  #: what the backend noticed (lost samples, a partial capture)
    empty: bool = False  #: no samples were collected

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any], *, empty: bool = False) -> Outcome:
        status = metadata.get("exit_code")
        return cls(
            exit_status=status if isinstance(status, int) and not isinstance(status, bool) else None,
            interrupted=bool(metadata.get("interrupted")),
            stopped_by_duration=bool(metadata.get("stopped_by_duration")),
            ignored_options=tuple(str(n) for n in metadata.get("ignored_options", ()) or ()),
            warnings=tuple(str(w) for w in metadata.get("warnings", ()) or ()),
            empty=empty,
        )

    @property
    def failed(self) -> bool:
        """The target itself failed (a non-zero exit that perfkit's own ``duration`` did not cause)."""
        return self.exit_status not in (None, 0) and not self.stopped_by_duration and not self.interrupted

    @property
    def status(self) -> int:
        """What ``perfkit profile`` exits with: 130 after Ctrl-C, 0 when perfkit stopped the
        target on ``duration``, else the target's own status as a shell reports it (128 + N for
        a signal)."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        if not self.failed or self.exit_status is None:
            return 0
        return 128 - self.exit_status if self.exit_status < 0 else min(self.exit_status, 255)

    def messages(self, profiler: str, flag: Callable[[str], str] = _as_flag) -> list[str]:
        """The warnings a user should read, one per line; ``flag`` words an option's name as the
        caller spells it (the CLI: ``gil`` -> ``--gil``)."""
        lines = [f"{flag(name)} is not supported by {profiler}; it was ignored" for name in self.ignored_options]
        lines.extend(self.warnings)
        if self.empty:
            lines.append(
                "no samples were collected; the command may have ended too quickly"
                f" (raise {flag('rate')} or profile a longer run)"
            )
        return lines
