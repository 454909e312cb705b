#!/usr/bin/env bash
# The README's test command (`npm test`) and CI's: installs the Debian packages the tests need when they are
# missing (as root), then runs both vitest projects (unit, integration). Extra arguments go to `vitest run`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need, as "package:command" (the command on PATH that shows it is installed).
# kubernetes-client is installed only when no kubectl is on PATH (another package may provide it).
PACKAGES=(
  docker-registry:docker-registry
  skopeo:skopeo
  apache2-utils:htpasswd
  openssl:openssl
  chromium:chromium
  kubernetes-client:kubectl
)

missing=()
for entry in "${PACKAGES[@]}"; do
  command -v "${entry#*:}" >/dev/null 2>&1 || missing+=("${entry%%:*}")
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends ca-certificates "${missing[@]}" >/dev/null
  else
    echo "the tests need Debian packages that are missing; install them as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

exec npx vitest run "$@"
