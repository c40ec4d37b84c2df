#!/bin/sh
# Packages the extension as pol-<version>.vsix (needs Node.js and npm; CI does not run this).
set -eu
cd "$(dirname "$0")"
if [ -f package-lock.json ]; then npm ci; else npm install; fi
npx @vscode/vsce package --allow-missing-repository --skip-license
