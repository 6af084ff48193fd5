# Stand-in for node:20.19-bookworm-slim, for machines that cannot reach an image
# registry (stack/offline/README.md). Debian trixie packages Node 20.19, the minor the
# app is built and tested on. Used only as the Dockerfile's NODE_IMAGE build argument.
ARG BASE
FROM ${BASE}
# The official image's unprivileged user: uid/gid 1000, which the stack's web secrets
# are mounted for. Created before any package could take the ids.
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --create-home --shell /bin/bash node
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/* \
 && node --version
# npm's registry is reached over TLS that this machine's network re-signs: npm (Node)
# must trust this machine's CA bundle, which images.sh copies in beside this file.
COPY ca-certificates.crt /usr/local/share/groundwork/host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/groundwork/host-ca.crt
CMD ["node"]
