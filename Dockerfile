# One image for every Gyde process (worker, api, media server, simulator, CLI): the command picks.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install -e . && useradd --system --uid 10001 --home /app gyde && chown -R gyde /app
USER gyde
# api 8000, media server 8765, simulator 8766, worker health 8081
EXPOSE 8000 8765 8766 8081
CMD ["gyde", "--help"]
