#!/usr/bin/env bash
# Validate the deployment for real: compose config (Compose v2), the Helm chart (Helm's
# library, strict lint, Kubernetes 1.28 schemas), promtool/amtool, dashboards, Dockerfiles,
# the node-code backup and the PostgreSQL restore drill (RPO/RTO).
#
#   chain-processor-deployment/scripts/test.sh [pytest arguments, e.g. --junitxml=FILE]
#
# Installs what it needs: Debian packages when root and missing (prometheus for promtool,
# prometheus-alertmanager for amtool, shellcheck, postgresql, python3-seccomp), and a venv
# (CP_DEPLOY_VENV, default .venv-deploy at the repository root, which the root .gitignore
# ignores as .venv*/) from requirements.txt with the repository's constraints.txt.
# Exits non-zero when anything fails; the last line is pytest's summary.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(dirname "$here")
venv=${CP_DEPLOY_VENV:-$repo/.venv-deploy}
python=${PYTHON:-python3}
say() { echo "deployment: $*"; }

install_debian_packages() {
  local missing=()
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  compgen -G "/usr/lib/postgresql/*/bin/pg_basebackup" >/dev/null || missing+=(postgresql)
  /usr/bin/python3 -c "import seccomp" 2>/dev/null || missing+=(python3-seccomp)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    say "missing ${missing[*]} and not root: apt-get install ${missing[*]}" >&2
    return 1
  fi
  # Refresh the package lists only when they do not know a package yet.
  local package
  for package in "${missing[@]}"; do
    if ! apt-cache show "$package" >/dev/null 2>&1; then
      say "apt-get update"
      apt-get update -qq >/dev/null
      break
    fi
  done
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# nginx to check the web image's configuration with `nginx -t`: the Debian packages are
# only unpacked into the venv (dpkg -x), never installed, so no service is set up or started.
fetch_nginx() {
  local target=$venv/nginx
  [ -x "$target/usr/sbin/nginx" ] && return 0
  local work
  work=$(mktemp -d)
  chmod 755 "$work"
  if ! (cd "$work" && apt-get download -q nginx nginx-common >/dev/null 2>&1); then
    [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null
    (cd "$work" && apt-get download -q nginx nginx-common >/dev/null 2>&1) || {
      say "cannot download the nginx packages" >&2
      rm -rf "$work"
      return 1
    }
  fi
  local deb
  for deb in "$work"/*.deb; do dpkg -x "$deb" "$target"; done
  rm -rf "$work"
}

install_venv() {
  local stamp=$venv/.installed
  local inputs=("$here/requirements.txt" "$repo/constraints.txt"
    "$repo/chain-processor-core/pyproject.toml" "$repo/chain-processor-db/pyproject.toml")
  if [ -f "$stamp" ] && [ -z "$(find "${inputs[@]}" -newer "$stamp" 2>/dev/null)" ]; then
    return 0
  fi
  if [ ! -x "$venv/bin/python" ]; then
    say "creating $venv"
    "$python" -m venv "$venv"
  fi
  say "installing requirements.txt, chain-processor-core and chain-processor-db into $venv"
  local log
  log=$(mktemp)
  if ! PIP_CONSTRAINT="$repo/constraints.txt" PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$venv/bin/pip" install -q -r "$here/requirements.txt" \
    -e "$repo/chain-processor-core" -e "$repo/chain-processor-db" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  "$venv/bin/pip" check >/dev/null
  touch "$stamp"
}

install_debian_packages
install_venv
fetch_nginx
export CP_NGINX_ROOT=$venv/nginx

cd "$here"
exec "$venv/bin/python" -m pytest -c "$here/pytest.ini" --rootdir "$here" "$@"
