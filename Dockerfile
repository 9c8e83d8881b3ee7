# Multi-stage build of the beacon agent: SDK to publish, runtime-deps + self-contained app to run.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig Bgp.sln ./
COPY src/ src/
RUN dotnet publish src/Beacon.Agent -c Release -o /out --self-contained -r linux-x64 -p:PublishTrimmed=false

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0 AS runtime
COPY --from=build /out /opt/beacon
# Runs as an unprivileged user; binding port 179 and BGP socket options need
# CAP_NET_BIND_SERVICE and CAP_NET_ADMIN, granted by the DaemonSet, not by root.
USER 65532:65532
ENTRYPOINT ["/opt/beacon/beacon"]
CMD ["run"]
