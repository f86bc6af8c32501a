#!/usr/bin/env bash
# Prepare a Debian 12 host for atelier: system packages, pnpm, the workspace's node modules, and a
# running Docker engine. Idempotent: installs only what is missing, starts dockerd only when none answers.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  docker.io buildah mmdebstrap docker-registry skopeo umoci   # engines, bases, registry, OCI checkers
  diffoscope-minimal faketime                                  # explaining non-reproducible builds
  musl-tools busybox-static                                    # static helpers and test fixtures
  prometheus                                                   # promtool checks the generated scrape config
  apache2-utils                                                # htpasswd (bcrypt) for registry auth tests
  chromium                                                     # headless browser for the report page test
  xz-utils curl jq git ca-certificates
)

missing=()
for p in "${PACKAGES[@]}"; do
  [[ $p == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup-host: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v pnpm >/dev/null || npm i -g pnpm@10 >/dev/null 2>&1
pnpm install --frozen-lockfile --reporter=silent

# Debian's 20.10 client: the Docker 28 CLI some machines carry refuses BuildKit builds without buildx.
DOCKER=/usr/bin/docker
if ! $DOCKER info >/dev/null 2>&1; then
  echo "setup-host: starting dockerd"
  mkdir -p /var/log
  (nohup /usr/sbin/dockerd >/var/log/atelier-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do $DOCKER info >/dev/null 2>&1 && break; sleep 1; done
  $DOCKER info >/dev/null 2>&1 || { echo "setup-host: dockerd did not start; see /var/log/atelier-dockerd.log" >&2; exit 1; }
fi
echo "setup-host: ready (docker $($DOCKER version --format '{{.Server.Version}}'), pnpm $(pnpm --version), node $(node --version))"
