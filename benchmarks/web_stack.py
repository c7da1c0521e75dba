"""Which web stack and which charts for the dashboard, measured side by side in one run.

Stacks: aiohttp (already installed with discord.py) against Starlette on uvicorn, each in its own process
serving the same Jinja2 page (a 48-bar SVG chart and a 50-row table, like the overview). The load comes from
this process over loopback (httpx, 16 at a time). Charts: the bytes an inline SVG chart adds to a page,
against the smallest build of Chart.js (fetched with `npm pack chart.js` when npm is available).

    pip install -e ".[bench]"   # starlette, uvicorn
    python benchmarks/web_stack.py [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE = """
import time, jinja2
from web.charts import bar_chart
now = 1_800_000_000.0
chart = bar_chart([(now - h * 3600, (h * 37) % 23) for h in range(48)], title="Comments per hour",
                  start=now - 47 * 3600, end=now + 3600)
rows = [{"title": f"Story {n} about the council budget", "comments": n * 3} for n in range(50)]
template = jinja2.Environment(autoescape=True).from_string(
    "<!doctype html><title>x</title>{{ chart }}<table>{% for r in rows %}<tr><td>{{ r.title }}</td>"
    "<td>{{ r.comments }}</td></tr>{% endfor %}</table>")
def render():
    return template.render(chart=chart, rows=rows)
"""

AIOHTTP = PAGE + """
from aiohttp import web
async def page(request):
    return web.Response(text=render(), content_type="text/html")
app = web.Application()
app.router.add_get("/", page)
web.run_app(app, host="127.0.0.1", port=PORT, print=None, access_log=None)
"""

STARLETTE = PAGE + """
import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
async def page(request):
    return HTMLResponse(render())
app = Starlette(routes=[Route("/", page)])
uvicorn.run(app, host="127.0.0.1", port=PORT, log_level="error", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(url: str, requests: int, concurrency: int = 16) -> tuple[float, float, float]:
    """(requests per second, p50 ms, p95 ms) as seen by the client."""
    latencies: list[float] = []
    queue = iter(range(requests))
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        async def worker() -> None:
            for _ in queue:
                started = time.perf_counter()
                answer = await client.get(url)
                assert answer.status_code == 200
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return requests / elapsed, statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]


async def run_stack(name: str, code: str, requests: int) -> tuple[float, float, float]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code.replace("PORT", str(port)), cwd=ROOT,
                                                env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    await client.get(f"http://127.0.0.1:{port}/")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        await load(f"http://127.0.0.1:{port}/", 200)  # warm up
        return await load(f"http://127.0.0.1:{port}/", requests)
    finally:
        proc.terminate()
        await proc.wait()


def import_ms(statement: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def chartjs_bytes() -> int | None:
    npm = shutil.which("npm")
    if npm is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([npm, "pack", "chart.js@4", "--silent"], cwd=tmp, capture_output=True, text=True,
                              timeout=120, check=False)
        if done.returncode != 0:
            return None
        with tarfile.open(Path(tmp) / done.stdout.strip().splitlines()[-1]) as archive:
            member = archive.extractfile("package/dist/chart.umd.min.js")
            return len(member.read()) if member else None


async def main_async(args: argparse.Namespace) -> None:
    from web.charts import bar_chart

    results = {}
    for name, code in (("aiohttp", AIOHTTP), ("starlette+uvicorn", STARLETTE)):
        rps, p50, p95 = await run_stack(name, code, args.requests)
        results[name] = rps
        print(f"{name:18} {rps:7.0f} req/s   p50 {p50:5.1f} ms   p95 {p95:5.1f} ms", flush=True)
    py = sys.executable
    print(f"import: aiohttp.web {import_ms('import aiohttp.web'):.0f} ms, "
          f"starlette+uvicorn {import_ms('import starlette.applications, uvicorn'):.0f} ms (python alone "
          f"{import_ms('pass'):.0f} ms; {py})")
    now = 1_800_000_000.0
    svg = str(bar_chart([(now - h * 3600, h % 7) for h in range(48)], title="Comments per hour",
                        start=now - 47 * 3600, end=now + 3600)).encode()
    chartjs = chartjs_bytes()
    print(f"chart: inline SVG {len(svg) / 1024:.1f} KB ({len(gzip.compress(svg)) / 1024:.1f} KB gzipped); "
          + (f"Chart.js 4 chart.umd.min.js {chartjs / 1024:.0f} KB before any data" if chartjs else
             "Chart.js: npm not available"))
    print(f"RESULT aiohttp_rps={results['aiohttp']:.0f} starlette_rps={results['starlette+uvicorn']:.0f} "
          f"ratio={results['aiohttp'] / results['starlette+uvicorn']:.2f} svg_kb={len(svg) / 1024:.1f}"
          + (f" chartjs_kb={chartjs / 1024:.0f}" if chartjs else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
