# syntax=docker/dockerfile:1.7
# The API image: chain-processor-api with core and db, installed from the repository with the
# pins of constraints.txt. It also carries the `chain-processor-db` CLI, so the migration
# step (compose `migrate`, Helm hook Job) runs this same image.
# Build from the repository root:
#   docker build -f chain-processor-deployment/docker/api.Dockerfile -t chain-processor-api .

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_CONSTRAINT=/src/constraints.txt
WORKDIR /src
COPY constraints.txt ./
COPY chain-processor-core ./chain-processor-core
COPY chain-processor-db ./chain-processor-db
COPY chain-processor-api ./chain-processor-api
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install ./chain-processor-core ./chain-processor-db ./chain-processor-api \
 && /opt/venv/bin/pip check

FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="chain-processor-api" \
      org.opencontainers.image.description="Chain Processor HTTP API" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/chain-processor-org/chain-processor" \
      org.opencontainers.image.licenses="Proprietary" \
      org.opencontainers.image.vendor="chain-processor-org"
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    API_HOST=0.0.0.0 \
    API_PORT=8000 \
    ENVIRONMENT=production
WORKDIR /tmp
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('API_PORT', '8000'), timeout=2)"]
ENTRYPOINT ["chain-processor-api"]
