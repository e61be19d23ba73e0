#!/usr/bin/env bash
# Proves the static binary runs in an empty root: a chroot holding only the binary, a data
# folder, /etc/hosts and /etc/resolv.conf (no libc, no /dev, no /proc, no NSS modules).
# Needs root (chroot). Usage: packaging/check-static.sh [path/to/binary]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-dist/plaudit}
[ -x "$bin" ] || packaging/build-static.sh
echo "ldd: $(ldd "$bin" 2>&1 | head -1 | xargs)"
if ldd "$bin" 2>&1 | grep -q "=>"; then echo "FAIL: $bin links shared libraries" >&2; exit 1; fi

root=$(mktemp -d)
smtp_pid=
trap 'kill "$pid" $smtp_pid 2>/dev/null || true; rm -rf "$root"' EXIT
mkdir -p "$root/etc" "$root/data"
cp "$bin" "$root/plaudit"
printf '127.0.0.1 localhost smtp.plaudit.test\n::1 localhost\n' > "$root/etc/hosts"
printf 'nameserver 127.0.0.1\n' > "$root/etc/resolv.conf"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "root contents: $(cd "$root" && find . -mindepth 1 | sort | xargs)"
# A real SMTP server outside the root, reached by a name only the root's /etc/hosts knows:
# proves relay name resolution works without NSS modules.
smtp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$root.mail"
PYTHONPATH=tests/support python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c smtp_sink.Handler "$root.mail" &
smtp_pid=$!
run_in_root() {
  env -i PLAUDIT_SERVER__LISTEN="127.0.0.1:$port" PLAUDIT_STORAGE__DATA_DIR=/data \
    PLAUDIT_SMTP__HOST=smtp.plaudit.test PLAUDIT_SMTP__PORT="$smtp_port" PLAUDIT_SMTP__SECURITY=none \
    "$(command -v chroot)" "$root" /plaudit "$@"
}
(run_in_root() { exec env -i PLAUDIT_SERVER__LISTEN="127.0.0.1:$port" PLAUDIT_STORAGE__DATA_DIR=/data \
    PLAUDIT_SMTP__HOST=smtp.plaudit.test PLAUDIT_SMTP__PORT="$smtp_port" PLAUDIT_SMTP__SECURITY=none \
    "$(command -v chroot)" "$root" /plaudit "$@"; }; run_in_root serve) > "$root/out.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  if answer=$(curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null); then
    echo "GET /healthz inside the empty root: $answer"
    ready=$(curl -fsS "http://127.0.0.1:$port/readyz")
    echo "GET /readyz: $ready"
    run_in_root admin test-email --to someone@example.com | sed 's/^/admin test-email: /'
    for _ in $(seq 1 200); do ls "$root.mail"/*.eml >/dev/null 2>&1 && break; sleep 0.05; done
    if ls "$root.mail"/*.eml >/dev/null 2>&1; then echo "mail delivered via smtp.plaudit.test: $(grep -i '^Message-ID' "$root.mail"/*.eml)"
    else echo "FAIL: no mail arrived"; cat "$root/out.log"; exit 1; fi
    rm -rf "$root.mail"
    kill -TERM "$pid"; wait "$pid" || true
    grep -q "listening on" "$root/out.log" && echo "OK: the static binary serves from an empty root"
    exit 0
  fi
  sleep 0.05
done
echo "FAIL: no answer; server output:" >&2; cat "$root/out.log" >&2; exit 1
