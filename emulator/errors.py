"""Discord's JSON error bodies, raised by the emulator's logic and turned into HTTP responses by the server."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["ApiError", "form_error", "join_words"]


def join_words(items: Iterable[str], conjunction: str = "and") -> str:
    """"a", "a and b", "a, b and c": lists in messages read as a sentence, not as Python's repr."""
    words = list(items)
    return "".join(words) if len(words) <= 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


class ApiError(Exception):
    """A REST failure with Discord's body: `{"message": ..., "code": ...}` (+ `errors` for form errors)."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.retry_after = retry_after

    def details(self) -> str:
        """The form errors as one line: "content: Must be 2000 or fewer in length." ('' when none)."""
        found: list[str] = []

        def walk(node: Any, path: list[str]) -> None:
            if isinstance(node, dict):
                for error in node.get("_errors", []):
                    found.append(f"{'.'.join(path) or 'body'}: {error.get('message', error.get('code'))}")
                for key, child in node.items():
                    if key != "_errors":
                        walk(child, [*path, key])

        walk(self.errors or {}, [])
        return "; ".join(found)

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        if self.retry_after is not None:
            data["retry_after"] = round(self.retry_after, 3)
            data["global"] = False
        return data

    # The ones the emulator raises most, named as Discord names them.
    @classmethod
    def missing_permissions(cls) -> ApiError:
        return cls(403, 50013, "Missing Permissions")

    @classmethod
    def missing_access(cls) -> ApiError:
        return cls(403, 50001, "Missing Access")

    @classmethod
    def unknown(cls, what: str) -> ApiError:
        codes = {"Channel": 10003, "Guild": 10004, "Member": 10007, "Message": 10008, "Role": 10011,
                 "User": 10013, "Emoji": 10014, "Webhook": 10015, "interaction": 10062,
                 "application command": 10063, "Application": 10002}
        return cls(404, codes.get(what, 10000), f"Unknown {what}")


def form_error(path: str, code: str, message: str) -> ApiError:
    """400 Invalid Form Body with the error nested at `path` (dot-separated, e.g. `embeds.0.description`)."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return ApiError(400, 50035, "Invalid Form Body", errors)
