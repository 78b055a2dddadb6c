# ramp's image, for `ramp k8s` (README: "Running on Kubernetes") and anywhere else.
#
#   docker build -t REGISTRY/ramp:TAG .
#
# The build stage compiles a static binary (no cgo: ramp's SQLite and everything else are pure
# Go). The base is distroless's static image in its debug-nonroot variant: no libc or package
# manager, CA certificates for HTTPS targets, tzdata, the nonroot user (65532, the manifests'
# runAsUser), and busybox's sh, which the manifests' pods need to pick their segment from the
# Job's completion index and to wait for files on the shared volume.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags '-s -w' -o /out/ramp ./cmd/ramp

FROM gcr.io/distroless/static-debian12:debug-nonroot
COPY --from=build /out/ramp /usr/local/bin/ramp
# ramp and the shell by name, as the manifests call them.
ENV PATH=/usr/local/bin:/busybox
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/ramp"]
