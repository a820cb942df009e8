"""The one exception the job-file parser raises: :class:`JobFileError` (file, line, option, message)."""

from __future__ import annotations

__all__ = ["JobFileError", "ValueProblem"]


class ValueProblem(ValueError):
    """A value could not be converted; raised by the unit parsers without any file context.

    The job-file reader catches it and re-raises a :class:`JobFileError` carrying the file, line and
    option, so users never see this class from :func:`parse_jobfile`.
    """


class JobFileError(ValueError):
    """A fio job file could not be read: ``str(e)`` is ``"job.fio:12: bs: invalid size '4x'"``.

    Attributes:
        path: the file as named by the user (or the include path as resolved), ``"<string>"`` for text.
        line: 1-based line number, 0 when the problem is not tied to one line.
        option: the option name as written (``None`` for syntax errors that are not about an option).
        message: the bare message, without the location prefix.
    """

    def __init__(self, path: str, line: int, option: str | None, message: str) -> None:
        self.path = path
        self.line = line
        self.option = option
        self.message = message
        where = f"{path}:{line}" if line else path
        text = f"{where}: {option}: {message}" if option else f"{where}: {message}"
        super().__init__(text)
