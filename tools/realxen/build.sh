#!/usr/bin/env bash
# Build (once) and cache the images the real-Xen test boots: Xen 4.17, Debian's kernel, a dom0 rootfs
# (python3, no numpy) and a busybox domU initramfs with a static fio. Run as root on Debian 12.
#
#   tools/realxen/build.sh            build if missing; print the cache folder on the last line of stdout
#   tools/realxen/build.sh --key      only print the cache key
#
# Cache: ${BLKSWAP_REALXEN_CACHE:-~/.cache/blkswap-realxen}/<key>/, key = sha256 of this script and the
# resolved versions of the packages that go into the images. Nothing is written inside the checkout.
# The code under test is NOT in the cache: tools/realxen/run.py appends it as an extra cpio at boot.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=${BLKSWAP_REALXEN_CACHE:-$HOME/.cache/blkswap-realxen}
export DEBIAN_FRONTEND=noninteractive
t0=$(date +%s)
step() { local n; n=$(date +%s); echo "realxen-build: $1 $((n - t0))s" >&2; t0=$n; }

HOST_PKGS="qemu-system-x86 debootstrap cpio busybox-static kmod gcc make libc6-dev zlib1g-dev xz-utils"
IMAGE_PKGS="linux-image-amd64 xen-hypervisor-4.17-amd64 xen-utils-4.17 python3 busybox-static fio"

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/{print $2; exit}'; }

resolve_versions() {  # one "name=version" per line; empty versions mean stale apt lists
    local p
    for p in $IMAGE_PKGS; do echo "$p=$(candidate "$p")"; done
    echo "kernel=$(kernel_package)"
}
kernel_package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}'; }

versions=$(resolve_versions)
if grep -qE '=(|\(none\))$' <<<"$versions"; then
    apt-get update -q >/dev/null
    versions=$(resolve_versions)
fi
KEY=$( (cat "$0"; echo "$versions") | sha256sum | cut -c1-16)
if [ "${1:-}" = --key ]; then echo "$KEY"; exit 0; fi
OUT=$ROOT/$KEY
if [ -f "$OUT/DONE" ]; then echo "$OUT"; exit 0; fi

missing=""
for p in $HOST_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    apt-get install -y -q --no-install-recommends $missing >/dev/null || {
        apt-get update -q >/dev/null; apt-get install -y -q --no-install-recommends $missing >/dev/null; }
fi
step host-packages

mkdir -p "$ROOT"
W=$(mktemp -d "$ROOT/build.XXXXXX")
FIO_PID=""
trap '[ -z "$FIO_PID" ] || kill "$FIO_PID" 2>/dev/null; rm -rf "$W"' EXIT
cd "$W"
echo "$versions" > versions.txt
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)

build_fio() {  # static fio (psync/io_uring/libaio-free) from Debian's source package, for the busybox domU
    mkdir -p fio/lists/partial && cd fio
    echo "deb-src $MIRROR bookworm main" > sources.list
    local apt="-o Dir::Etc::SourceList=$PWD/sources.list -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=$PWD/lists"
    apt-get -q $apt update >/dev/null
    apt-get -q $apt source --download-only fio >/dev/null 2>&1
    tar xzf fio_*.orig.tar.gz && cd fio-*/
    ./configure --build-static --disable-native --disable-numa --disable-rdma --disable-rados --disable-rbd \
        --disable-http --disable-gfapi --disable-libnfs --disable-pmem --disable-xnvme --disable-libzbc \
        --disable-tcmalloc --disable-dfs --disable-lex >configure.log 2>&1
    make -j2 fio >make.log 2>&1
    strip -o "$W/fio-static" fio
}
(build_fio > "$W/fio.log" 2>&1; echo $? > "$W/fio.rc") &
FIO_PID=$!

KPKG=$(kernel_package); KV=${KPKG#linux-image-}
mkdir -p debs kx
(cd debs && apt-get download -q "$KPKG" >/dev/null 2>&1)
dpkg-deb -x debs/*.deb kx
depmod -b "$W/kx" "$KV"   # the .deb ships no modules.dep
step kernel

debootstrap --variant=minbase --include=xen-hypervisor-4.17-amd64,xen-utils-4.17,python3,kmod,util-linux \
    bookworm rootfs "$MIRROR" > debootstrap.log 2>&1 || { tail -20 debootstrap.log >&2; exit 1; }
chroot rootfs sh -c 'apt-get clean; rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/*'
# guard: the dom0 must be a stock one, without numpy or matplotlib
if chroot rootfs python3 -c 'import numpy' 2>/dev/null; then echo "dom0 rootfs has numpy" >&2; exit 1; fi
zcat rootfs/boot/xen-4.17-amd64.gz > xen   # ELF multiboot image: QEMU's -kernel loads it as is
step debootstrap

install_modules() {  # $1 = destination root; the Xen device modules and their dependencies
    local m f M=kx/lib/modules/$KV
    for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkfront; do
        for f in $(grep -E "/$m\.ko[^:]*:" "$M/modules.dep" | tr ' ' '\n' | tr -d ':'); do
            install -D -m644 "$M/$f" "$1/lib/modules/$KV/$f"
        done
    done
    cp "$M"/modules.order "$M"/modules.builtin* "$1/lib/modules/$KV/"
    depmod -b "$1" "$KV"
}
install_modules rootfs
install -D -m644 "kx/boot/vmlinuz-$KV" rootfs/boot/vmlinuz
cp "kx/boot/vmlinuz-$KV" vmlinuz
(cd rootfs && find . | cpio -o -H newc --quiet) > dom0-rootfs.cpio   # uncompressed: no gunzip under TCG

wait "$FIO_PID"; FIO_PID=""
[ "$(cat fio.rc)" = 0 ] || { tail -n 30 fio.log fio/fio-*/*.log >&2 || true; exit 1; }
mkdir -p domu/{bin,proc,sys,dev,tmp}
cp /bin/busybox domu/bin/busybox
install -m755 fio-static domu/bin/fio
install_modules domu
(cd domu && find . | cpio -o -H newc --quiet) > domu-base.cpio
step fio-and-cpio

mkdir -p "$OUT.new"
mv xen vmlinuz dom0-rootfs.cpio domu-base.cpio versions.txt "$OUT.new/"
echo "$KV" > "$OUT.new/kernel-version"
rm -rf "$OUT"; mv "$OUT.new" "$OUT"; touch "$OUT/DONE"
step done
echo "$OUT"
