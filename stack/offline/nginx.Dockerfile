# Stand-in for nginx:1.28.0-alpine, for machines that cannot reach an image registry.
# Debian sid packages nginx >= 1.27.3, the first open-source release whose upstream
# servers take `resolve` (the stack's tasks.web re-resolution).
ARG BASE
FROM ${BASE}
# The official image's worker user, named by the stack rendering's `user nginx;`.
RUN groupadd --system nginx && useradd --system --gid nginx --no-create-home --shell /usr/sbin/nologin nginx
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
 && nginx -v
# nginx opens its compiled-in log paths before it reads the config; on the stack's
# read-only root they must point at the container's stdout/stderr, as in the official image.
RUN ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80 443
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
