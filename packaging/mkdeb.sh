#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mkdeb.sh - build tcpstate-dkms_VERSION_all.deb and tcpstate_VERSION_ARCH.deb
# into $DEB_DIR with dpkg-deb (make deb: packaging/install.mk).
#
#   VERSION=0.9.0 DEB_DIR=build/deb bash packaging/mkdeb.sh DKMS_FILES...
#
# DKMS_FILES: the files of the DKMS source tree (/usr/src/tcpstate-VERSION),
# relative to the project root. The tool is built again here, from a copy
# of tools/, module/uapi/ and VERSION, with Debian's build flags
# (dpkg-buildflags: hardening), and stripped; the tree's tools/tcpstate is
# not touched.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
: "${VERSION:?VERSION not set}" "${DEB_DIR:?DEB_DIR not set}"
[ $# -gt 0 ] || { echo "mkdeb.sh: no DKMS files given" >&2; exit 2; }
[[ $VERSION =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] ||
	{ echo "mkdeb.sh: VERSION '$VERSION' is not a Debian version" >&2; exit 1; }
[ "$VERSION" = "$(cat VERSION)" ] ||
	{ echo "mkdeb.sh: VERSION=$VERSION but the VERSION file says $(cat VERSION)" >&2; exit 1; }

ARCH=$(dpkg --print-architecture)
D=packaging/debian
# The changelog's date: the last commit's, so that a rebuild is identical.
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
DATE=$(LC_ALL=C date -u -R -d "@$EPOCH")
export SOURCE_DATE_EPOCH=$EPOCH

rm -rf "$DEB_DIR"
mkdir -p "$DEB_DIR"
STAGE=$DEB_DIR/stage

subst() { # subst FILE: the placeholders filled in
	sed -e "s/@VERSION@/$VERSION/g" -e "s/@ARCH@/$ARCH/g" -e "s/@DATE@/$DATE/g" "$1"
}

# docs PKGDIR PKG: copyright and the (native package) changelog
docs() {
	local doc=$1/usr/share/doc/$2
	install -d "$doc"
	install -m 0644 $D/copyright "$doc/copyright"
	subst $D/changelog | gzip -9n > "$doc/changelog.gz"
	chmod 0644 "$doc/changelog.gz"
}

# finish PKGDIR PKG: control (size, depends), md5sums, conffiles, build
finish() {
	local dir=$1 pkg=$2 size
	size=$(du -k -s --apparent-size --exclude=DEBIAN "$dir" | cut -f1)
	subst "$D/$pkg.control" | sed -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/${DEPENDS:-}/" \
		> "$dir/DEBIAN/control"
	(cd "$dir" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -print |
		LC_ALL=C sort | sed 's|^\./||' | xargs -r md5sum) > "$dir/DEBIAN/md5sums"
	if [ -d "$dir/etc" ]; then
		(cd "$dir" && find etc -type f | LC_ALL=C sort | sed 's|^|/|') > "$dir/DEBIAN/conffiles"
	fi
	chmod 0644 "$dir/DEBIAN/"*
	for s in postinst prerm postrm; do
		if [ -f "$D/$pkg.$s" ]; then
			subst "$D/$pkg.$s" > "$dir/DEBIAN/$s"
			chmod 0755 "$dir/DEBIAN/$s"
		fi
	done
	find "$dir" -exec touch -h -d "@$EPOCH" {} +
	dpkg-deb --root-owner-group -Zxz --build "$dir" "$DEB_DIR" >/dev/null
}

# --- tcpstate-dkms -----------------------------------------------------------------
P=$STAGE/tcpstate-dkms
SRC=$P/usr/src/tcpstate-$VERSION
install -d "$P/DEBIAN" "$SRC"
for f in "$@"; do
	[ -f "$f" ] || { echo "mkdeb.sh: $f missing" >&2; exit 1; }
	install -D -m 0644 "$f" "$SRC/$f"
done
install -D -m 0644 packaging/modprobe.d/tcpstate.conf "$P/etc/modprobe.d/tcpstate.conf"
docs "$P" tcpstate-dkms
install -d "$P/usr/share/lintian/overrides"
install -m 0644 $D/tcpstate-dkms.lintian-overrides "$P/usr/share/lintian/overrides/tcpstate-dkms"
DEPENDS='' finish "$P" tcpstate-dkms

# --- tcpstate ------------------------------------------------------------------------
B=$DEB_DIR/build
install -d "$B/module"
cp -a tools "$B/tools"
cp -a po "$B/po"
cp -a module/uapi "$B/module/uapi"
cp VERSION "$B/VERSION"
rm -f "$B/tools/tcpstate"
CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
CFLAGS=$(dpkg-buildflags --get CFLAGS)
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
# The translations where the package installs them: /usr/share/locale.
make -s -C "$B/tools" BUILD="$B/obj" CFLAGS="$CFLAGS $CPPFLAGS" LDFLAGS="$LDFLAGS -Wl,-z,now" \
	LOCALEDIR=/usr/share/locale

P=$STAGE/tcpstate
install -d "$P/DEBIAN" "$P/usr/sbin" "$P/usr/share/man/man8" "$P/usr/share/man/man4" \
	"$P/usr/share/bash-completion/completions" "$P/etc/bash_completion.d"
install -m 0755 "$B/tools/tcpstate" "$P/usr/sbin/tcpstate"
(cd "$B/obj/locale" && find . -name tcpstate.mo) | LC_ALL=C sort | while read -r mo; do
	install -D -m 0644 "$B/obj/locale/$mo" "$P/usr/share/locale/${mo#./}"
done
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$P/usr/sbin/tcpstate"
for m in tcpstate.8:man8 tcpstate.4:man4; do
	subst "man/${m%%:*}" | gzip -9n > "$P/usr/share/man/${m#*:}/${m%%:*}.gz"
	chmod 0644 "$P/usr/share/man/${m#*:}/${m%%:*}.gz"
done
install -m 0644 packaging/completion/tcpstate "$P/usr/share/bash-completion/completions/tcpstate"
# tcpstate exporter: the systemd unit (installed, not enabled: "systemctl
# enable --now tcpstate-exporter" is the administrator's choice), the
# options file it reads (a conffile), the Prometheus examples.
install -D -m 0644 contrib/tcpstate-exporter.service "$P/lib/systemd/system/tcpstate-exporter.service"
install -D -m 0644 contrib/exporter.conf "$P/etc/tcpstate/exporter.conf"
install -d "$P/usr/share/doc/tcpstate/examples"
install -m 0644 contrib/prometheus.yml contrib/tcpstate-rules.yml "$P/usr/share/doc/tcpstate/examples/"
sed "s|@BASHCOMPDIR@|/usr/share/bash-completion/completions|g" packaging/completion/tcpstate.eager > "$P/etc/bash_completion.d/tcpstate"
chmod 0644 "$P/etc/bash_completion.d/tcpstate"
docs "$P" tcpstate
install -d "$P/usr/share/lintian/overrides"
install -m 0644 $D/tcpstate.lintian-overrides "$P/usr/share/lintian/overrides/tcpstate"

# The shared-library dependencies, as dpkg-shlibdeps finds them.
SHL=$DEB_DIR/shlibdeps
install -d "$SHL/debian"
printf 'Source: tcpstate\n\nPackage: tcpstate\nArchitecture: any\n' > "$SHL/debian/control"
DEPENDS=$( (cd "$SHL" && dpkg-shlibdeps -O "$P/usr/sbin/tcpstate") |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPENDS" ] || { echo "mkdeb.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
DEPENDS=$DEPENDS finish "$P" tcpstate

rm -rf "$STAGE" "$B" "$SHL"
for f in "$DEB_DIR"/*.deb; do
	echo "mkdeb.sh: $f"
done
