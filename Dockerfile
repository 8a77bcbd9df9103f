# The Media Magic image: `mediamagic` (every service role, migrations, admin commands) and
# `mediamagic-router`, on Debian bookworm with ffmpeg, CA certificates and the job sandbox
# (bubblewrap, setpriv, iptables), running as the non-root user 10001. The chart runs it.
# scripts/image-rootfs.sh assembles the same root file system without a container engine
# (the test command checks the binaries inside it).

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bins -p mediamagic -p mediamagic-router \
 && install -D -m 0755 target/release/mediamagic /out/usr/local/bin/mediamagic \
 && install -D -m 0755 target/release/mediamagic-router /out/usr/local/bin/mediamagic-router \
 && install -D -m 0644 schema/supergraph.graphql /out/usr/share/mediamagic/schema/supergraph.graphql \
 && install -D -m 0644 router/config/production.yaml /out/usr/share/mediamagic/router/production.yaml

FROM debian:bookworm-slim
COPY image/packages.txt /tmp/packages.txt
RUN apt-get update \
 && grep -v '^#' /tmp/packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/packages.txt \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mediamagic
COPY --from=build /out/ /
ENV ROUTER_CONFIG_FILE_PATH=/usr/share/mediamagic/router/production.yaml \
    SUPERGRAPH_FILE_PATH=/usr/share/mediamagic/schema/supergraph.graphql \
    MEDIAMAGIC__LOG__FORMAT=json
USER 10001:10001
EXPOSE 4000 4001 4002 4003 4004 4005 4006 4007 4013 9090
CMD ["mediamagic", "--help"]
