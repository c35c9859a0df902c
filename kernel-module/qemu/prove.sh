#!/usr/bin/env bash
# Proves corral_sysinfo.ko on a real Debian kernel: builds the module against
# Debian's headers, packs it with busybox and small static helpers into an
# initramfs, boots Debian's kernel under qemu with cgroup v1 or v2, and reads
# the verdict the guest prints. See kernel-module/README.md ("The qemu proof").
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
module_dir=$(dirname "$here")

usage() {
	cat <<'TXT'
Usage: kernel-module/qemu/prove.sh [OPTIONS]

Boots Debian's kernel under qemu with corral_sysinfo.ko and exercises
/proc/sysinfo_corral; prints the guest's verdict line and exits 0 on PASS.

Options:
  --cgroup v1|v2          cgroup layout in the guest (default: v2)
  --out DIR               where the build, initramfs and console.log go
                          (default: ${TMPDIR:-/tmp}/corral-prove-<v1|v2>)
  --kernel-version VER    kernel to boot and build against (default: the
                          newest /boot/vmlinuz-VER with /usr/src/linux-headers-VER)
  --corral-binary PATH    also put PATH in the guest as /bin/corral (with the
                          shared libraries ldd lists) and dump
                          `corral sysinfo --source procfs`
  --accel auto|kvm|tcg    qemu accelerator (default: auto, kvm when it works)
  --timeout SECONDS       give up on the guest after this long (default: 600)
  --verbose               copy the guest console to stdout as well
  -h, --help              this text

Files in DIR afterwards: console.log (everything the guest printed),
initrd.cpio.gz, build/ (module and helpers), build.log, result (one line:
PASS|FAIL and the boot's seconds).
Needs: qemu-system-x86, linux-image-amd64, linux-headers-amd64, cpio,
busybox-static, gcc, make (scripts/install-deps.sh kernel).
TXT
}

die() {
	echo "prove: $*" >&2
	exit 1
}

mode=v2
out=
kver=
corral_binary=
accel=auto
timeout_s=600
verbose=0

while [ $# -gt 0 ]; do
	case "$1" in
	--cgroup) [ $# -ge 2 ] || die "--cgroup needs v1 or v2"; mode=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
	--kernel-version) [ $# -ge 2 ] || die "--kernel-version needs a version"; kver=$2; shift 2 ;;
	--corral-binary) [ $# -ge 2 ] || die "--corral-binary needs a path"; corral_binary=$2; shift 2 ;;
	--accel) [ $# -ge 2 ] || die "--accel needs auto, kvm or tcg"; accel=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; timeout_s=$2; shift 2 ;;
	--verbose) verbose=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

case "$mode" in v1 | v2) ;; *) die "--cgroup must be v1 or v2, not '$mode'" ;; esac
case "$accel" in auto | kvm | tcg) ;; *) die "--accel must be auto, kvm or tcg, not '$accel'" ;; esac
[[ "$timeout_s" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds, not '$timeout_s'"
out=${out:-${TMPDIR:-/tmp}/corral-prove-$mode}
if [ -n "$corral_binary" ] && { [ ! -f "$corral_binary" ] || [ ! -x "$corral_binary" ]; }; then
	die "--corral-binary $corral_binary is not an executable file"
fi

for tool in qemu-system-x86_64 cpio gzip gcc make timeout; do
	command -v "$tool" >/dev/null ||
		die "$tool not found; install the kernel proof's packages: scripts/install-deps.sh kernel base"
done

# ---- the kernel: from /boot and /usr/src, never a fixed version ----------

if [ -z "$kver" ]; then
	while read -r image; do
		v=${image#/boot/vmlinuz-}
		if [ -d "/usr/src/linux-headers-$v" ]; then
			kver=$v
			break
		fi
	done < <(find /boot -maxdepth 1 -name 'vmlinuz-*' | sort -rV)
	[ -n "$kver" ] ||
		die "no kernel with headers: need /boot/vmlinuz-VER and /usr/src/linux-headers-VER (apt-get install linux-image-amd64 linux-headers-amd64)"
fi
kernel=/boot/vmlinuz-$kver
headers=/usr/src/linux-headers-$kver
[ -r "$kernel" ] || die "cannot read $kernel (install linux-image-$kver; reading it may need root)"
[ -d "$headers" ] || die "no headers at $headers (apt-get install linux-headers-$kver)"

busybox=/bin/busybox
[ -x "$busybox" ] || die "no $busybox; apt-get install busybox-static"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked; the initramfs needs busybox-static"
fi

rm -rf "$out/build" "$out/initramfs"
mkdir -p "$out/build/module" "$out/build/bin" "$out/initramfs" ||
	die "cannot create $out"
out=$(cd "$out" && pwd)

# ---- the module, built in a copy so the source tree stays clean ----------

cp "$module_dir/corral_sysinfo.c" "$module_dir/Kbuild" "$out/build/module/"
echo "prove: building corral_sysinfo.ko against $headers"
if ! make -C "$headers" M="$out/build/module" KCFLAGS=-Werror W=1 modules >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	die "building the module against $headers failed (full log: $out/build.log)"
fi
ko=$out/build/module/corral_sysinfo.ko
[ -f "$ko" ] || die "the build left no $ko (see $out/build.log)"

# ---- static helpers for the guest ---------------------------------------

for helper in burn memhold argv jsoncheck openas swarm; do
	if ! gcc -static -O2 -Wall -Wextra -Werror -pthread \
		-o "$out/build/bin/corral-$helper" "$here/helpers/$helper.c" >>"$out/build.log" 2>&1; then
		tail -n 30 "$out/build.log" >&2
		die "compiling helpers/$helper.c with gcc -static failed (is libc6-dev installed?)"
	fi
done

# ---- initramfs ------------------------------------------------------------

root=$out/initramfs
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/etc"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp "$out"/build/bin/corral-* "$root/bin/"
cp "$ko" "$root/corral_sysinfo.ko"
cp "$here/init.sh" "$root/init"
chmod 0755 "$root/init"

if [ -n "$corral_binary" ]; then
	cp "$corral_binary" "$root/bin/corral"
	# the shared libraries it needs, at the paths the loader looks in
	while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(ldd "$corral_binary" 2>/dev/null | grep -oE '/[^ ]+' | sort -u)
fi

if ! (cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$out/initrd.cpio.gz"; then
	die "packing the initramfs with cpio failed"
fi

# ---- boot -----------------------------------------------------------------

# /dev/kvm can exist and open yet hang a real guest (nested virtualization
# on some VMs), so the probe boots the kernel itself, without an initramfs,
# to its "no root" panic: seconds under a working KVM.
kvm_works() {
	local log
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	log=$(timeout 10 qemu-system-x86_64 -enable-kvm -cpu host -m 256 -nographic \
		-no-reboot -nic none -kernel "$kernel" \
		-append "console=ttyS0 panic=-1 root=/dev/corral-no-root" </dev/null 2>&1) || return 1
	grep -q 'Kernel panic' <<<"$log"
}

accel_args=()
case "$accel" in
kvm) kvm_works || die "--accel kvm but /dev/kvm is missing or unusable"; accel_args=(-enable-kvm -cpu host) ;;
auto) if kvm_works; then accel=kvm; accel_args=(-enable-kvm -cpu host); else accel=tcg; fi ;;
tcg) ;;
esac

# slub_debug and page_poison: red zones and poisoning in the slab allocator,
# so an overrun or a use after free in the module is reported as a BUG
append="console=ttyS0 loglevel=5 panic=-1 slub_debug=FZPU,kmalloc-*,task_struct,mm_struct page_poison=1 corral.cgroup=$mode"
if [ "$mode" = v2 ]; then
	append="$append cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1"
fi

console=$out/console.log
: >"$console"
echo "prove: booting $kernel (cgroup $mode, $accel); console: $console"
start=$SECONDS
status=0
if [ "$verbose" = 1 ]; then
	timeout "$timeout_s" qemu-system-x86_64 "${accel_args[@]}" -m 1024 -smp 2 \
		-nographic -no-reboot -nic none -kernel "$kernel" \
		-initrd "$out/initrd.cpio.gz" -append "$append" </dev/null 2>&1 |
		tee "$console" || status=$?
else
	timeout "$timeout_s" qemu-system-x86_64 "${accel_args[@]}" -m 1024 -smp 2 \
		-nographic -no-reboot -nic none -kernel "$kernel" \
		-initrd "$out/initrd.cpio.gz" -append "$append" </dev/null >"$console" 2>&1 ||
		status=$?
fi
took=$((SECONDS - start))

if [ "$status" = 124 ]; then
	tail -n 20 "$console" >&2
	echo "FAIL $took" >"$out/result"
	die "the guest did not finish within ${timeout_s}s (console: $console)"
fi
if [ "$status" != 0 ]; then
	tail -n 20 "$console" >&2
	echo "FAIL $took" >"$out/result"
	die "qemu exited with status $status (console: $console)"
fi

verdict=$(tr -d '\r' <"$console" | grep -a '^CORRAL-VERDICT:' | tail -n 1 || true)
if [ -z "$verdict" ]; then
	tail -n 30 "$console" >&2
	echo "FAIL $took" >"$out/result"
	die "the guest printed no verdict: it crashed or stopped early (console: $console)"
fi
echo "prove: $verdict"
echo "prove: boot took ${took}s"

trouble='WARNING:|Oops|BUG:|BUG [^ ]+ \(|Call Trace|KASAN|general protection'
if grep -aqE "$trouble" "$console"; then
	grep -anE "$trouble" "$console" | head -n 10 >&2
	echo "FAIL $took" >"$out/result"
	die "the kernel warned or oopsed (console: $console)"
fi
case "$verdict" in
"CORRAL-VERDICT: PASS"*) echo "PASS $took" >"$out/result" ;;
*)
	echo "FAIL $took" >"$out/result"
	die "the guest's checks failed (console: $console)"
	;;
esac
