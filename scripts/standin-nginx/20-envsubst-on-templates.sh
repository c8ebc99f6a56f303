#!/bin/sh
# ecsfix stand-in for the official image's 20-envsubst-on-templates.sh: /etc/nginx/templates/X.template
# is rendered to /etc/nginx/conf.d/X with only the variables set in the environment substituted;
# an output directory the user cannot write is reported and skipped, as the official script does.
set -e
template_dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
  echo "$0: ERROR: $template_dir exists, but $output_dir is not writable" >&2
  exit 0
fi
# shellcheck disable=SC2016,SC2046 # literal ${NAME} words for envsubst, one per variable name
defined_envs=$(printf '${%s} ' $(env | cut -d= -f1))
find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
  relative_path=${template#"$template_dir/"}
  output_path="$output_dir/${relative_path%"$suffix"}"
  mkdir -p "$(dirname "$output_path")"
  envsubst "$defined_envs" <"$template" >"$output_path"
done
