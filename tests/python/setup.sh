#!/usr/bin/env bash
# Installs what the Python tests need, when missing: Java 17 (for Spark), the pinned virtual
# environment .venv-py/ (tests/python/requirements.txt), the `pol` and `gen-shaanxi` binaries,
# and the `pol` Python package built from python/ with maturin into that environment.
# Quick when everything is there: the venv is rebuilt only when requirements.txt changed, and
# maturin's build is incremental (it shares target/ with the workspace).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v java >/dev/null; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
venv=.venv-py
if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/python/requirements.txt "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r tests/python/requirements.txt
  cp tests/python/requirements.txt "$venv/requirements.txt"
fi
cargo build -q --bin pol
cargo build -q -p pol-testkit --bin gen-shaanxi
VIRTUAL_ENV="$PWD/$venv" CARGO_TARGET_DIR="$PWD/target" PATH="$PWD/$venv/bin:$PATH" \
  "$venv/bin/maturin" develop -q -m python/Cargo.toml
