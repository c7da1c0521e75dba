"""HTTP wire helpers: Discord-exact JSON responses and request bodies (JSON or multipart with files)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from emulator.errors import ApiError

__all__ = ["API_PREFIX", "Body", "json_response", "read_body", "snowflake"]

API_PREFIX = "/api/v10"


def json_response(data: Any, status: int = 200) -> web.Response:
    # Exactly `application/json`: discord.py treats `...; charset=utf-8` as text and fails to parse it.
    resp = web.Response(body=json.dumps(data, ensure_ascii=False).encode(), status=status)
    resp.headers["Content-Type"] = "application/json"
    return resp


def no_content() -> web.Response:
    return web.Response(status=204)


@dataclass
class Body:
    json: dict[str, Any]
    files: list[tuple[str, str, bytes, str]] = field(default_factory=list)  # (field, filename, data, type)


async def read_body(request: web.Request) -> Body:
    if request.content_type.startswith("multipart/"):
        payload: dict[str, Any] = {}
        files: list[tuple[str, str, bytes, str]] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            data = await part.read(decode=False)
            if name == "payload_json":
                payload = json.loads(data)
            else:
                ctype = part.headers.get("Content-Type", "application/octet-stream")
                files.append((name, part.filename or name, bytes(data), ctype))
        return Body(payload, files)
    if not request.can_read_body:
        return Body({})
    raw = await request.read()
    if not raw:
        return Body({})
    try:
        data = json.loads(raw)
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None
    return Body(data if isinstance(data, dict) else {"__list__": data})


def snowflake(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit():
        raise ApiError(400, 50035, "Invalid Form Body",
                       {name: {"_errors": [{"code": "NUMBER_TYPE_COERCE", "message": f"Value \"{raw}\" is not snowflake."}]}})
    return int(raw)
