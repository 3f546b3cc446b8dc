#!/bin/sh
# Stage the generator image's build context in the folder given (default:
# images/generator/context/): the package as `npm pack` makes it (the files package.json ships,
# dist/ built by `npm ci` before), unpacked, with package-lock.json, from which `npm ci --omit=dev`
# in the image installs the runtime dependencies at the locked versions.
set -eu
context="$(realpath -m "${1:-$(dirname "$0")/context}")"
cd "$(dirname "$0")/../.."
rm -rf "$context"
mkdir -p "$context"
tarball="$(npm pack --ignore-scripts --silent --pack-destination "$context" | tail -n 1)"
tar -xzf "$context/$tarball" -C "$context" --strip-components=1
rm "$context/$tarball"
cp package-lock.json "$context/"
