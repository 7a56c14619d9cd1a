# syntax=docker/dockerfile:1

# Multi-stage build: a full Go toolchain to compile, a distroless image to run.
# Build:  docker build --build-arg VERSION=$(git describe --tags --always) -t shipflow .
# Run:    docker run --rm shipflow version

ARG GO_VERSION=1.26

# --platform=$BUILDPLATFORM: compile natively and cross-compile to the target,
# which is far faster than building under emulation for multi-arch images.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# Modules first, as their own layer: it is rebuilt only when go.mod/go.sum
# change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download

COPY . .

ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
# CGO off: a static binary is what lets the runtime image have no libc at all.
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/shipflow ./cmd/shipflow

# distroless/static: CA certificates (provider APIs over HTTPS) and tzdata
# (customer time zones) but no shell or package manager; :nonroot runs as
# uid/gid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="shipflow" \
      org.opencontainers.image.description="Shipment lifecycle engine on Temporal and Postgres" \
      org.opencontainers.image.source="https://github.com/shipflow/shipflow" \
      org.opencontainers.image.version="${VERSION}"

COPY --from=build /out/shipflow /shipflow

USER nonroot:nonroot
# 8080: HTTP API (`serve`, SHIPFLOW_HTTP_ADDR). 9090: a standalone worker's
# /metrics and /healthz (`worker`, SHIPFLOW_METRICS_ADDR).
EXPOSE 8080 9090
ENTRYPOINT ["/shipflow"]
CMD ["serve"]
