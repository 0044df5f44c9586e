#!/usr/bin/env bash
# Builds static pocnet binaries and the image `pocnet:${TAG:-dev}` FROM scratch.
# Usage: deploy/build-image.sh [TAG]
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-dev}"
target=x86_64-unknown-linux-gnu
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$target" --bins \
  --target-dir target/static
mkdir -p deploy/bin
cp "target/static/$target/release/pocnet" "target/static/$target/release/pocnet-node" deploy/bin/
docker build -t "pocnet:$tag" -f deploy/Dockerfile deploy
echo "built pocnet:$tag"
