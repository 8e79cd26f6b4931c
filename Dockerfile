# syntax=docker/dockerfile:1
# Build: docker build -t ccgw .    Run: docker run --network host -v /srv/ccgw/ccgw.json:/etc/ccgw/ccgw.json:ro ccgw
# (host networking: SIP and RTP carry addresses in their payloads, which NAT between container and host breaks.)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props global.json ContactCenterGateway.sln ./
COPY src/ src/
RUN dotnet publish src/Ccgw.Daemon -c Release -o /out --nologo \
 && dotnet publish src/Ccgw.Cli -c Release -o /out --nologo \
 && rm -f /out/*.pdb

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN groupadd --system ccgw && useradd --system --gid ccgw --home-dir /var/lib/ccgw ccgw \
 && install -d -o ccgw -g ccgw -m 0750 /var/lib/ccgw
COPY --from=build /out /usr/lib/ccgw
# The production template, not the demo config/: the container exits 78 naming Site:SipDomain until configured,
# e.g. -v /srv/ccgw/ccgw.json:/etc/ccgw/ccgw.json:ro (or CCGW__Site__SipDomain=... variables). Listeners stay on
# loopback until that configuration opens them. For the demo: -v "$PWD/config:/etc/ccgw:ro".
COPY packaging/ccgw.json /etc/ccgw/ccgw.json
COPY config/prompts/ /usr/share/ccgw/prompts/
COPY config/customers.json /usr/share/ccgw/customers.json
ENV CCGW__Data__Directory=/var/lib/ccgw \
    DOTNET_gcServer=0
USER ccgw
WORKDIR /var/lib/ccgw
EXPOSE 5060/udp 5060/tcp 5222/tcp 1883/tcp 8080/tcp
VOLUME ["/var/lib/ccgw"]
HEALTHCHECK --interval=30s --timeout=3s CMD ["/usr/lib/ccgw/ccgwctl", "health"]
ENTRYPOINT ["/usr/lib/ccgw/ccgw", "--config", "/etc/ccgw/ccgw.json"]
