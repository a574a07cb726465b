# syntax=docker/dockerfile:1
# Gatehouse as a container: the compiled binary (`bun run build`) on a small, shell-less runtime.
#
#   docker build -t gatehouse .
#   docker run -d --name gatehouse -p 127.0.0.1:8788:8788 -v gatehouse-data:/data \
#     -e PUBLIC_URL=https://gatehouse.example.com -e TRUSTED_PROXIES=172.16.0.0/12 \
#     -e WORKOS_IDENTITY_API_KEY=sk_… -e WORKOS_IDENTITY_CLIENT_ID=client_… -e GATEHOUSE_TEAMS=org_… \
#     gatehouse
#
# Put a TLS proxy in front (deploy/Caddyfile, or deploy/compose.yaml for both). README "Deploying".

# ---- build: install the locked dependencies and compile one self-contained binary ----
FROM oven/bun:1.4.5 AS build
WORKDIR /src
COPY package.json bun.lock bunfig.toml ./
# The patches package.json's patchedDependencies names (bun install applies them).
COPY patches ./patches
RUN bun install --frozen-lockfile --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY views ./views
COPY db ./db
RUN bun run build \
 && mkdir -p /out/data \
 && cp dist/gatehouse /out/gatehouse \
 && /out/gatehouse --version

# ---- runtime: glibc and nothing else (no shell, no package manager), as a non-root user ----
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/gatehouse /usr/local/bin/gatehouse
# The data dir belongs to the image's non-root user (uid 65532); a named volume starts as a copy of it.
COPY --from=build --chown=65532:65532 --chmod=0700 /out/data /data
USER 65532:65532
WORKDIR /data
ENV HOST=0.0.0.0 \
    PORT=8788 \
    GATEHOUSE_DATA_DIR=/data
# PUBLIC_URL (https://… of your proxy) and the WorkOS keys come from `docker run -e` / compose.
VOLUME ["/data"]
EXPOSE 8788
STOPSIGNAL SIGTERM
# GET /readyz through the binary itself (the image has no curl): the database, WorkOS and every
# team's environment answer.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/gatehouse", "healthcheck", "/readyz"]
ENTRYPOINT ["/usr/local/bin/gatehouse"]
CMD ["serve"]
