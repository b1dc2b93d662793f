#!/bin/sh
# Install what aksup needs to build and test on Debian 12 (root or sudo).
set -eu
PKGS="meson ninja-build pkg-config gcc libyaml-dev libjansson-dev libcap-dev
libseccomp-dev libcurl4-openssl-dev libssl-dev check"
# --test: what the test suite needs, and bubblewrap, the reference the
# suite's aksup-bench run measures proc.exec against (without it the
# benchmark says so and goes on)
TEST_PKGS="jq util-linux procps coreutils clang libclang-rt-14-dev python3 python3-venv nodejs
bubblewrap openssl"
if [ "${1:-}" = "--test" ]; then PKGS="$PKGS $TEST_PKGS"; fi
missing=$(for p in $PKGS; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	grep -q '^install ok installed$' || echo "$p"; done)
if [ -n "$missing" ]; then
	SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
echo "dependencies: ok"
