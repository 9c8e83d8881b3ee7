# syntax=docker/dockerfile:1
# The beacon agent image: a self-contained publish on a chiseled runtime-deps base (no
# shell, no package manager, only libc, libssl, zlib and CA certificates).
#
#   docker build -t registry.example.com/beacon:0.1.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t registry.example.com/beacon:0.1.0 --push .
#
# The same publish runs without Docker:
#   dotnet publish src/Beacon.Agent -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true -o out

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src

# Restore first, from the project files only, so that source edits reuse the restore layer.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Beacon.Agent/Beacon.Agent.csproj src/Beacon.Agent/
COPY src/Beacon.Bgp/Beacon.Bgp.csproj src/Beacon.Bgp/
COPY src/Beacon.Cluster/Beacon.Cluster.csproj src/Beacon.Cluster/
RUN case "$TARGETARCH" in \
      amd64) echo linux-x64 ;; \
      arm64) echo linux-arm64 ;; \
      *) echo "unsupported TARGETARCH '$TARGETARCH'" >&2; exit 1 ;; \
    esac > /rid \
 && dotnet restore src/Beacon.Agent -r "$(cat /rid)" -p:SelfContained=true -p:PublishReadyToRun=true

COPY src/ src/
# ReadyToRun: code is compiled ahead of time, so the agent's first allocations and
# announcements after a start do not wait for the JIT (docs/benchmarks.md, live cluster).
RUN dotnet publish src/Beacon.Agent -c Release -r "$(cat /rid)" --self-contained --no-restore \
      -p:PublishReadyToRun=true -p:DebugType=None -p:DebugSymbols=false -o /out

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS runtime
COPY --from=build /out /opt/beacon
# The image runs unprivileged (the chiseled images' app user). deploy/daemonset.yaml
# runs it as root with every capability dropped but NET_BIND_SERVICE, because
# Kubernetes cannot grant a capability to a non-root process; see the comment there.
USER 1654:1654
ENTRYPOINT ["/opt/beacon/beacon"]
CMD ["run"]
