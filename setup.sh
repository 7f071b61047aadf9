#!/usr/bin/env bash
# idbooth setup: installs what is missing, then runs the booth or the whole test suite.
#   ./setup.sh run    install system packages, build in release, start the kiosk (demo camera without a camera)
#   ./setup.sh test   install system packages, start a local CUPS PDF printer, run fmt, clippy, every test
#                     and build the benches (this is what .ci/run runs)
# Needs root or sudo for apt-get and cupsd. Idempotent: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

RUN_PACKAGES=(libclang-dev pkg-config)
TEST_PACKAGES=(xvfb matchbox-window-manager imagemagick xdotool poppler-utils
               cups cups-client cups-bsd printer-driver-cups-pdf)

install_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
    . "$HOME/.cargo/env"
  fi
}

# A CUPS queue `idbooth-pdf` that writes PDFs to $IDBOOTH_CUPS_OUT (tests read them back).
start_cups() {
  export IDBOOTH_CUPS_OUT="${IDBOOTH_CUPS_OUT:-/var/spool/cups-pdf/idbooth}"
  $SUDO mkdir -p "$IDBOOTH_CUPS_OUT"
  $SUDO chmod 1777 "$IDBOOTH_CUPS_OUT"
  local conf=/etc/cups/cups-pdf.conf
  if ! grep -q "^Out $IDBOOTH_CUPS_OUT\$" "$conf" 2>/dev/null; then
    $SUDO sed -i '/^Out /d;/^AnonDirName /d' "$conf"
    echo "Out $IDBOOTH_CUPS_OUT" | $SUDO tee -a "$conf" >/dev/null
    echo "AnonDirName $IDBOOTH_CUPS_OUT" | $SUDO tee -a "$conf" >/dev/null
  fi
  if ! lpstat -r 2>/dev/null | grep -q "is running"; then
    $SUDO cupsd
    for _ in $(seq 50); do lpstat -r 2>/dev/null | grep -q "is running" && break; sleep 0.1; done
  fi
  if ! lpstat -p idbooth-pdf >/dev/null 2>&1; then
    $SUDO lpadmin -p idbooth-pdf -E -v cups-pdf:/ -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd
  fi
  $SUDO cupsenable idbooth-pdf
  $SUDO cupsaccept idbooth-pdf
}

case "${1:-}" in
  run)
    install_packages "${RUN_PACKAGES[@]}"
    ensure_rust
    cargo build --release
    exec ./target/release/idbooth kiosk
    ;;
  test)
    install_packages "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    ensure_rust
    start_cups
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings
    # --all-targets also builds every criterion bench and runs each benchmark once in test mode, so a
    # separate release build of the benches (15 minutes on a cold 2-core machine) would prove nothing more.
    cargo test --all-targets
    ;;
  *)
    echo "usage: ./setup.sh run | test" >&2
    exit 2
    ;;
esac
