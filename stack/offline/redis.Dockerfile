# Stand-in for redis:7.2-alpine, for machines that cannot reach an image registry:
# Debian bookworm's Redis 7.0. The stack runs its own entrypoint script with /bin/sh.
ARG BASE
FROM ${BASE}
# The official image's redis user is uid/gid 999; the stack mounts the password secret
# for that uid. Created first, so the package's postinst keeps it.
RUN groupadd --system --gid 999 redis \
 && useradd --system --uid 999 --gid redis --home-dir /data --shell /usr/sbin/nologin redis
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && redis-server --version
# A fresh named volume copies this directory's owner: the redis user can write its AOF.
RUN mkdir -p /data && chown redis:redis /data
WORKDIR /data
CMD ["redis-server"]
