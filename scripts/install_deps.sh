#!/usr/bin/env bash
# Installs the Debian 12 packages gradcodec builds, tests and fuzzes with.
# Does nothing when they are all present; otherwise runs apt-get (as root, or
# through sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libzstd-dev libabsl-dev libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libzip-dev libcli11-dev   # the command-line tool
  clang-14 libclang-rt-14-dev   # libFuzzer and the sanitizer runtimes
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
    grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
