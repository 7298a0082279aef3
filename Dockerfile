# One image for every Gyde process (worker, api, media server, simulator, CLI): the command picks.
FROM python:3.11-slim AS base
# uv installs exactly uv.lock into /opt/venv (first on PATH), with this image's Python only.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_NO_CACHE=1 \
    PATH=/opt/venv/bin:$PATH
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*
RUN pip install uv==0.13.9
WORKDIR /app
# The locked dependencies first (a layer that survives code changes), then the project, editable.
# --locked: a pyproject.toml that uv.lock no longer matches fails the build. No dev extra.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project
COPY . .
RUN uv sync --locked && useradd --system --uid 10001 --home /app gyde && chown -R gyde /app
USER gyde
# api 8000, media server 8765, simulator 8766, worker health 8081
EXPOSE 8000 8765 8766 8081
CMD ["gyde", "--help"]
