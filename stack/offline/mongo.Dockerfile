# Stand-in for mongo:7.0, for machines that cannot reach an image registry and where
# MongoDB's server is not packaged: FerretDB v1.24 (MongoDB wire protocol, SQLite
# backend), built by stack/install.sh, with SCRAM authentication on. What it does not
# stand in for is in stack/README.md ("The offline stand-ins").
ARG BASE
FROM ${BASE}
# The official image's mongodb user is uid/gid 999; the stack mounts secrets for it.
RUN groupadd --system --gid 999 mongodb \
 && useradd --system --uid 999 --gid mongodb --home-dir /data/db --shell /usr/sbin/nologin mongodb
# curl: the healthcheck shim below asks FerretDB's own readiness probe.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
# Fresh named volumes copy these directories' owner.
RUN mkdir -p /data/db /data/configdb && chown mongodb:mongodb /data/db /data/configdb
COPY ferretdb /usr/local/bin/ferretdb
COPY mongo-standin-entrypoint.sh /usr/local/bin/mongo-standin-entrypoint.sh
# The stack's healthcheck runs `mongosh ... ping` (docker-stack.yml). A second stack file
# cannot replace that list, only append to it (docker/cli merges lists), so the
# stand-in answers the same command instead: this shim ignores its arguments and asks
# FerretDB whether it is ready.
COPY mongosh-shim.sh /usr/local/bin/mongosh
USER mongodb
EXPOSE 27017
ENTRYPOINT ["/usr/local/bin/mongo-standin-entrypoint.sh"]
CMD ["mongod"]
