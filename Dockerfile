# coalition-bot: docker build -t coalition-bot . && docker run --env-file .env -v coalition-data:/data coalition-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install . && rm -rf build
COPY content ./content

# Run as an unprivileged user; the database lives on the /data volume.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin coalition \
    && mkdir /data && chown coalition:coalition /data
USER coalition
ENV DATABASE_PATH=/data/coalition.db \
    STANDARDS_PATH=/app/content/standards
VOLUME ["/data"]

# Healthy while the bot's heartbeat (in the database) is fresh and it is connected to Discord.
HEALTHCHECK --interval=60s --timeout=15s --start-period=90s --retries=3 \
    CMD ["coalition-bot", "healthcheck"]

STOPSIGNAL SIGTERM
CMD ["coalition-bot"]
