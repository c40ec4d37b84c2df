#!/usr/bin/env bash
# Installs what the OpenFisca comparison needs, when missing: the pinned virtual environment
# .venv-openfisca/ (tests/openfisca/requirements.txt: openfisca-country-template 8.2.0 and its
# openfisca-core) and the `pol` binary. Quick when everything is there: the venv is rebuilt only
# when requirements.txt changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv-openfisca
if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/openfisca/requirements.txt "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r tests/openfisca/requirements.txt
  cp tests/openfisca/requirements.txt "$venv/requirements.txt"
fi
cargo build -q --bin pol
