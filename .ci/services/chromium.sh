# shellcheck shell=bash
# Headless Chromium for @trek/backend-webgpu's browser test (WebGPU on SwiftShader, driven by
# playwright-core). Installs Debian's chromium when missing and exports TREK_CHROMIUM. Sourced by
# .ci/run under `set -euo pipefail`: never exit; without a browser that test skips with one line.
trek_chromium="$(command -v chromium 2>/dev/null || true)"
if [ -z "$trek_chromium" ] && [ -x /usr/lib/chromium/chromium ]; then trek_chromium=/usr/lib/chromium/chromium; fi
if [ -z "$trek_chromium" ]; then
  echo "ci: installing chromium"
  trek_chromium_sudo=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then trek_chromium_sudo="sudo"; fi
  if $trek_chromium_sudo apt-get update -qq >/dev/null 2>&1 &&
    $trek_chromium_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
    trek_chromium="$(command -v chromium 2>/dev/null || true)"
  else
    echo "ci: could not install chromium; the WebGPU browser test will skip"
  fi
  unset trek_chromium_sudo
fi
if [ -n "$trek_chromium" ]; then
  # The launcher script /usr/bin/chromium adds flags of its own; the browser binary is beside it.
  if [ -x /usr/lib/chromium/chromium ]; then trek_chromium=/usr/lib/chromium/chromium; fi
  export TREK_CHROMIUM="$trek_chromium"
  echo "ci: chromium at $TREK_CHROMIUM"
fi
unset trek_chromium
