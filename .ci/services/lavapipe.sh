# shellcheck shell=bash
# WebGPU for the @trek/backend-webgpu tests: Mesa's lavapipe (a Vulkan driver on the CPU) that
# Dawn, the `webgpu` package, accepts. Sourced by .ci/run under `set -euo pipefail`: a failure
# is reported and the WebGPU tests then skip with one line each.
if lavapipe_exports="$(sh scripts/setup-lavapipe.sh)" && [ -n "$lavapipe_exports" ]; then
  eval "$lavapipe_exports"
  echo "ci: lavapipe ready (VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-})"
else
  echo "ci: lavapipe setup failed; WebGPU tests will skip"
fi
unset lavapipe_exports
