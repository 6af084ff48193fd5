# A Swarm node for `make cluster`: a Docker engine inside a container (Debian
# bookworm's docker.io 20.10, the same engine release as this machine's), since these
# machines have one host and no registry. stack/cluster/node.sh runs it with every
# capability but SYS_RESOURCE (--privileged fails: the host's bounding set lacks it).
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends docker.io iptables ca-certificates procps \
 && rm -rf /var/lib/apt/lists/* \
 && dockerd --version
# The unix socket for `docker exec`, and TCP 2375 without TLS so this machine's
# `docker` can drive the node (DOCKER_HOST=tcp://<node ip>:2375). The port is not
# published: it is reachable only on the cluster's private bridge, i.e. from this host
# and the other nodes. Anyone on that bridge is root on the node; never expose it.
EXPOSE 2375
STOPSIGNAL SIGTERM
ENTRYPOINT ["dockerd", "--host=unix:///var/run/docker.sock", "--host=tcp://0.0.0.0:2375"]
