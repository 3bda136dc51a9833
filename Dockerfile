# One image for the api, the worker and beat (distributed mode). Build: docker compose build
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       chromium bubblewrap git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv \
    && useradd --create-home --uid 10001 testable

WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY backend backend
COPY workers workers
COPY migrations migrations
COPY alembic.ini ./
COPY frontend frontend
RUN uv sync --frozen --no-dev

USER testable
ENV PATH="/app/.venv/bin:$PATH" TESTABLE_DATA_DIR=/data
EXPOSE 8000
CMD ["testable", "api", "--host", "0.0.0.0"]
