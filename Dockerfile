# Newsdesk: `docker compose up -d` (see README, "Docker"). The database lives in the /app/data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=data/newsdesk.db

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install .

# The demo feed for `newsdesk sandbox`; a named volume on /app/data starts with a copy of it.
COPY data/demo ./data/demo

RUN useradd --create-home --uid 10001 newsdesk && chown -R newsdesk:newsdesk /app/data
USER newsdesk

VOLUME ["/app/data"]
CMD ["newsdesk", "run"]
