# Stand-in for prom/prometheus, prom/alertmanager, prom/node-exporter and
# nginx/nginx-prometheus-exporter, for machines that cannot reach an image registry:
# Debian bookworm's packages in one image. The stack names each service's entrypoint
# by the official image's path; the links below put the Debian binaries there.
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus prometheus-alertmanager \
      prometheus-node-exporter prometheus-nginx-exporter \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s prometheus-alertmanager /usr/bin/alertmanager \
 && ln -s prometheus-node-exporter /usr/bin/node_exporter \
 && ln -s prometheus-nginx-exporter /usr/bin/nginx-prometheus-exporter \
 && prometheus --version && alertmanager --version
# The official images run as nobody; fresh named volumes copy these directories' owner.
RUN mkdir -p /prometheus /alertmanager && chown 65534:65534 /prometheus /alertmanager
USER 65534:65534
