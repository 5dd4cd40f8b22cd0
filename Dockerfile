# PayHub for deployment: a release build, then a slim runtime that runs `payhub serve` as a
# non-root user. Configuration comes from PAYHUB_* variables (see compose.yaml and the README),
# optionally with a mounted config file named by PAYHUB_CONFIG.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# Cache mounts keep the registry and the target folder between builds (BuildKit).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin payhub \
    && cp target/release/payhub /usr/local/bin/payhub

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/payhub --create-home payhub
COPY --from=build /usr/local/bin/payhub /usr/local/bin/payhub
USER payhub
WORKDIR /var/lib/payhub
ENV PAYHUB_SERVER__LISTEN=0.0.0.0:8080 \
    PAYHUB_LOG=info
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["payhub"]
CMD ["serve"]
