#!/usr/bin/env bash
# Debian packages the tests need (headless Chromium for the HTML report test).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "ci: /usr/bin/chromium is missing and we are not root; the report browser test will be skipped" >&2
  exit 0
fi
echo "ci: installing chromium from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
