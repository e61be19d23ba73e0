#!/usr/bin/env bash
# Builds the statically linked x86_64 release binary into dist/plaudit.
#
# There is no musl Rust target here, so this is glibc with crt-static (a static-pie). Notes:
# - crt-static needs an explicit --target, or proc-macros fail to build.
# - getrandom 0.3/0.4 look getrandom() up dynamically, which fails in a static binary and then
#   falls back to /dev/urandom (absent in an empty root): force the syscall backend.
# - Name resolution never goes through glibc's NSS: the SMTP relay is resolved with hickory
#   (pure Rust, reads /etc/hosts and /etc/resolv.conf), so no libnss_* modules are needed.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
export RUSTFLAGS="-C target-feature=+crt-static --cfg getrandom_backend=\"linux_getrandom\""
cargo build --locked --profile dist --target "$target"
mkdir -p dist
cp "target/$target/dist/plaudit" dist/plaudit
if ldd dist/plaudit >/dev/null 2>&1 && ! ldd dist/plaudit 2>&1 | grep -q "statically linked"; then
  echo "dist/plaudit is dynamically linked:" >&2; ldd dist/plaudit >&2; exit 1
fi
echo "dist/plaudit: $(stat -c %s dist/plaudit) bytes; ldd: $(ldd dist/plaudit 2>&1 | head -1 | xargs)"
