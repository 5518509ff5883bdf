# syntax=docker/dockerfile:1.7
# The executor image: chain-processor-executor with core and db. User node code runs in
# sandboxed subprocesses started by the executor; the image needs no extra capabilities.
# Run it with the seccomp profile docker/seccomp/executor.json (README: "The executor's
# sandbox"): the runtimes' default profiles forbid the namespaces the sandboxes need.
# Build from the repository root:
#   docker build -f chain-processor-deployment/docker/executor.Dockerfile -t chain-processor-executor .

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_CONSTRAINT=/src/constraints.txt
WORKDIR /src
COPY constraints.txt ./
COPY chain-processor-core ./chain-processor-core
COPY chain-processor-db ./chain-processor-db
COPY chain-processor-executor ./chain-processor-executor
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install ./chain-processor-core ./chain-processor-db ./chain-processor-executor \
 && /opt/venv/bin/pip check

FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="chain-processor-executor" \
      org.opencontainers.image.description="Chain Processor execution worker" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/chain-processor-org/chain-processor" \
      org.opencontainers.image.licenses="Proprietary" \
      org.opencontainers.image.vendor="chain-processor-org"
# The sandboxes unshare a user and a network namespace (no capability needed, but the
# container's seccomp profile must allow it: docker/seccomp/executor.json).
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EXECUTOR_METRICS_PORT=9100 \
    ENVIRONMENT=production
WORKDIR /tmp
USER 10001:10001
EXPOSE 9100
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/metrics' % os.environ.get('EXECUTOR_METRICS_PORT', '9100'), timeout=2)"]
ENTRYPOINT ["chain-processor-executor"]
