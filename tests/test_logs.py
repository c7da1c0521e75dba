from __future__ import annotations

import logging

from bot.logs import RedactingFormatter, register_secret


def test_secrets_and_token_shapes_are_scrubbed_from_lines_and_tracebacks() -> None:
    register_secret("sk-live-supersecret")
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz12345678"
    formatter = RedactingFormatter("%(message)s")
    try:
        raise RuntimeError(f"login failed for {token}")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "key=%s", ("sk-live-supersecret",),
                                   sys.exc_info())
    text = formatter.format(record)
    assert "sk-live-supersecret" not in text and token not in text
    assert "key=********" in text and "login failed for ********" in text
