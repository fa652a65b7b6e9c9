# newsflow worker image: the package and its runtime dependencies, nothing else.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY streams ./streams
COPY schemas ./schemas
COPY samples ./samples
RUN pip install . && useradd --system --home /app newsflow && mkdir -p /data && chown newsflow /data

USER newsflow
ENV NEWSFLOW_DATA_DIR=/data NEWSFLOW_WEB_HOST=0.0.0.0
EXPOSE 6066
CMD ["newsflow", "worker"]
