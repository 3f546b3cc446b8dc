#!/bin/sh
# The end-to-end run (docs/e2e.md). Spack's build jobs and container builds install into the
# fixed paths the containers use (/opt/software, /opt/view); on this machine they run in a shell,
# so the run gets a mount namespace of its own where those paths are throw-away folders: the
# host's /opt is never written.
set -eu
cd "$(dirname "$0")/../.."
if [ "${E2E_PRIVATE_MOUNTS:-}" != 1 ]; then
  exec unshare --mount --propagation private env E2E_PRIVATE_MOUNTS=1 sh "$0" "$@"
fi
scratch="$(mktemp -d "${TMPDIR:-/tmp}/spacktainers-e2e-opt.XXXXXX")"
mkdir -p "$scratch/opt"
# Only inside this namespace: /opt is a fresh, empty folder.
mount --bind "$scratch/opt" /opt
status=0
npx vitest run --config vitest.e2e.config.ts "$@" || status=$?
rm -rf "$scratch"
exit "$status"
