"""Errors every layer may raise: this module imports nothing of the project, so anything can import it."""

from __future__ import annotations

__all__ = ["CliError"]


class CliError(Exception):
    """An expected failure of a command-line action: printed as `newsdesk: <message>`, exit code `code`.

    Raised by the subcommand handlers of any package; `newsdesk.cli.main` prints it as one line.
    """

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code
