# syntax=docker/dockerfile:1.7
# The web image: the Vite-built SPA served by unprivileged nginx (port 8080), which also
# proxies /api, /health and /docs to the API (nginx/default.conf).
# Build from the repository root:
#   docker build -f chain-processor-deployment/docker/web.Dockerfile -t chain-processor-web .

FROM node:20.18.1-bookworm-slim AS build
WORKDIR /src
COPY chain-processor-web/package.json chain-processor-web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY chain-processor-web/ ./
RUN npm run build

FROM nginxinc/nginx-unprivileged:1.27.3-alpine3.20 AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="chain-processor-web" \
      org.opencontainers.image.description="Chain Processor web UI (static SPA behind nginx)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/chain-processor-org/chain-processor" \
      org.opencontainers.image.licenses="Proprietary" \
      org.opencontainers.image.vendor="chain-processor-org"
COPY chain-processor-deployment/docker/nginx/nginx.conf /etc/nginx/nginx.conf
COPY chain-processor-deployment/docker/nginx/default.conf /etc/nginx/conf.d/default.conf
COPY chain-processor-deployment/docker/nginx/security-headers.conf /etc/nginx/snippets/security-headers.conf
COPY --from=build /src/dist /usr/share/nginx/html
USER 101:101
EXPOSE 8080
# nginx runs directly: the stock entrypoint scripts rewrite files under /etc/nginx, which
# fails on a read-only root filesystem. Every writable path is under /tmp (nginx.conf).
ENTRYPOINT []
CMD ["nginx", "-g", "daemon off;"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
  CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
