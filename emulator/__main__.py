"""`python -m emulator [--host H] [--port P] [--no-demo]`: the emulator in its own process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from emulator.standalone import serve_forever


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Local Discord emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    parser.add_argument("--no-demo", action="store_true", help="start empty (no demo guild)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(args.host, args.port, demo=not args.no_demo))


if __name__ == "__main__":
    main()
