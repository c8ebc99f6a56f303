#!/bin/sh
# ecsfix stand-in for the official nginx image's entrypoint: the /docker-entrypoint.d scripts run
# only when the command is nginx, then the command replaces the shell.
set -e
if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
  find /docker-entrypoint.d/ -follow -type f -name '*.sh' -print | sort -V | while read -r f; do
    if [ -x "$f" ]; then "$f"; fi
  done
fi
exec "$@"
