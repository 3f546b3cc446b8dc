#!/bin/sh
# Stage the generator image's build context in the folder given (default:
# images/generator/context/): the built CLI (bin/, dist/generator/, after `npm ci`, whose prepare
# script builds it) and the package files that `npm ci --omit=dev` in the image installs its
# runtime dependencies from, at the locked versions.
set -eu
context="$(realpath -m "${1:-$(dirname "$0")/context}")"
cd "$(dirname "$0")/../.."
rm -rf "$context"
mkdir -p "$context/dist"
cp package.json package-lock.json "$context/"
cp -R bin "$context/"
cp -R dist/generator "$context/dist/"
