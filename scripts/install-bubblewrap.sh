#!/usr/bin/env bash
# bubblewrap (bwrap): every test process of a run is sandboxed with it (SECURITY.md, "The
# test sandbox"). Debian's package when apt is available; elsewhere say how to get it, or
# how to opt out (TESTABLE_SANDBOX=off), and fail, since runs would end in error anyway.
set -euo pipefail

if command -v bwrap >/dev/null 2>&1; then
  exit 0
fi
if [ "$(uname -s)" != "Linux" ]; then
  echo "bubblewrap needs Linux; on $(uname -s) set TESTABLE_SANDBOX=off to run tests unsandboxed" >&2
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "installing Debian's bubblewrap ..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
  exit 0
fi
for manager in dnf yum zypper apk pacman; do
  if command -v "$manager" >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "installing bubblewrap with $manager ..." >&2
    case "$manager" in
      apk) apk add --no-cache bubblewrap ;;
      pacman) pacman -S --noconfirm bubblewrap ;;
      *) "$manager" install -y bubblewrap ;;
    esac
    exit 0
  fi
done
echo "bubblewrap (bwrap) is missing: install the 'bubblewrap' package as root, or set" \
  "TESTABLE_SANDBOX=off to run tests unsandboxed (not safe for untrusted repositories)" >&2
exit 1
