#!/bin/sh
# tools/deps.sh MODE - install the Debian packages a job needs, if missing.
# MODE: build (compile), check (every test), bench (the peers too).
# Runs apt-get only when something is missing; as non-root it names what is
# missing and fails.  Debian's packages are the only source.
set -eu
mode=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)

pkgs="gcc make meson ninja-build pkg-config libpcap-dev zlib1g-dev libsqlite3-dev \
    libmicrohttpd-dev libgnutls28-dev libgraphviz-dev libseccomp-dev netbase nmap-common"
case "$mode" in
build) ;;
check)
	pkgs="$pkgs libcmocka-dev clang libclang-rt-14-dev llvm python3 tcpdump iproute2 procps sqlite3 debootstrap"
	for f in tests/traps/packages.txt tests/live/packages.txt tests/web/packages.txt; do
		[ -f "$here/$f" ] && pkgs="$pkgs $(grep -v '^#' "$here/$f" | tr '\n' ' ')"
	done
	;;
bench)
	pkgs="$pkgs python3 tcpdump tshark argus-server argus-client pmacct softflowd nfdump \
	    tcpreplay iproute2 time valgrind"
	;;
*)
	echo "usage: $0 build|check|bench" >&2
	exit 1
	;;
esac

missing=""
for p in $pkgs; do
	# This machine's Node.js comes with its own npm; Debian's would conflict.
	case "$p" in nodejs|npm) command -v node >/dev/null && command -v npm >/dev/null && continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "renkei needs these Debian packages:$missing" >&2
	echo "install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
