# Newsdesk: `docker compose up -d` (see README, "Docker"). The database lives in the /app/data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=data/newsdesk.db

WORKDIR /app

# Dependencies first, from the metadata alone, so a code change rebuilds only the layers below.
# (A current pip: older ones warn that lxml "does not provide the extra 'html_clean'", which it does.)
COPY pyproject.toml ./
RUN pip install --upgrade pip \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && echo "asyncpg>=0.29" >> /tmp/requirements.txt && pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt

# Then the code: every package of [tool.setuptools.packages.find] (tests/test_docker.py checks the list).
COPY README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY newsdesk ./newsdesk
COPY web ./web
COPY emulator ./emulator
COPY demo ./demo
RUN pip install --no-deps .

# The demo feed for `newsdesk sandbox`; a named volume on /app/data starts with a copy of it.
COPY data/demo ./data/demo

# uid 10001 owns /app/data. With a bind mount instead of the named volume (`-v ./data:/app/data`), the host
# folder must be writable by that uid: `sudo chown -R 10001:10001 ./data` (or run with --user "$(id -u)").
RUN useradd --create-home --uid 10001 newsdesk && chown -R newsdesk:newsdesk /app/data
USER newsdesk

VOLUME ["/app/data"]

# Healthy = `newsdesk run` wrote its heartbeat within 2 minutes and is connected to Discord's gateway.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 CMD ["newsdesk", "health"]

CMD ["newsdesk", "run"]
