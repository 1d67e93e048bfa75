#!/bin/sh
# Installs a Vulkan CPU driver that Dawn (the `webgpu` npm package) accepts, so the WebGPU
# backend's tests and benchmarks run on machines without a GPU.
#
# Debian 12 ships Mesa 22.3, whose lavapipe Dawn refuses; Mesa 25 from bookworm-backports works.
# The backports driver is unpacked into a private folder instead of being installed, so the
# machine's apt sources and its system Mesa stay untouched.
#
# Usage:  eval "$(scripts/setup-lavapipe.sh [DEST])"
# Prints: export VK_ICD_FILENAMES=DEST/lvp_icd.json XDG_RUNTIME_DIR=DEST/xdg
# Idempotent: a second run only prints the exports.
set -eu

dest=${1:-${TMPDIR:-/tmp}/trek-lavapipe}
icd="$dest/lvp_icd.json"
log() { echo "setup-lavapipe: $*" >&2; }
# Installing the driver's dependencies needs root; the backports driver itself is only unpacked.
sudo=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi

if [ ! -f "$icd" ]; then
  mkdir -p "$dest/apt/lists/partial" "$dest/apt/cache/archives/partial" "$dest/root"
  mkdir -p -m 700 "$dest/xdg"

  # The Vulkan loader and the libraries libvulkan_lvp.so links against (LLVM, libdrm, libelf…)
  # come from the system's Mesa package; only the driver itself is taken from backports.
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libvulkan1 mesa-vulkan-drivers >/dev/null 2>&1; then
    log "refreshing apt lists"
    $sudo apt-get update -q >/dev/null 2>&1 || true
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libvulkan1 mesa-vulkan-drivers >/dev/null
  fi

  # Use the Debian mirror this machine already trusts (deb822 sources first, then sources.list).
  mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -v security | head -n 1 || true)
  if [ -z "$mirror" ]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  fi
  if [ -z "$mirror" ]; then
    log "no Debian mirror is configured in /etc/apt"
    exit 1
  fi

  echo "deb $mirror bookworm-backports main" > "$dest/apt/sources.list"
  apt_private="-o Dir::Etc::SourceList=$dest/apt/sources.list -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists=$dest/apt/lists -o Dir::Cache=$dest/apt/cache \
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache="
  # shellcheck disable=SC2086
  apt-get $apt_private update >/dev/null 2>&1
  # shellcheck disable=SC2086
  (cd "$dest/apt" && apt-get $apt_private download mesa-vulkan-drivers >/dev/null 2>&1)
  deb=$(ls "$dest"/apt/mesa-vulkan-drivers_*.deb 2>/dev/null | head -n 1)
  if [ -z "$deb" ]; then
    log "could not download mesa-vulkan-drivers from bookworm-backports"
    exit 1
  fi
  dpkg-deb -x "$deb" "$dest/root"

  arch_dir=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
  driver="$dest/root/usr/lib/$arch_dir/libvulkan_lvp.so"
  if [ ! -f "$driver" ]; then
    log "the backports package has no $driver"
    exit 1
  fi
  # Written last and atomically, so an interrupted run is redone rather than half-trusted.
  cat > "$icd.tmp" <<JSON
{ "file_format_version": "1.0.0",
  "ICD": { "library_path": "$driver", "api_version": "1.3.0" } }
JSON
  mv "$icd.tmp" "$icd"
  log "lavapipe installed in $dest"
fi

echo "export VK_ICD_FILENAMES=$icd XDG_RUNTIME_DIR=$dest/xdg"
