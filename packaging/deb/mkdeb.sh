#!/bin/sh
# packaging/deb/mkdeb.sh DIR: makes DIR/tokenguard_VERSION_ARCH.deb from
# DIR/debian/tokenguard, a tree made by `make install PREFIX=/usr
# DESTDIR=DIR/debian/tokenguard` (`make deb` runs both). It adds the
# watcher's systemd unit (/lib/systemd/system, not enabled), its
# configuration (/etc/tokenguard/watch.conf, a conffile), the
# documentation Debian wants and the maintainer scripts next to this
# script, strips the programs (unless DEB_BUILD_OPTIONS has nostrip),
# compresses the man pages, and writes the control file: the version
# from common/version.h, the architecture from dpkg, Depends from
# dpkg-shlibdeps (a fixed list when dpkg-dev is missing).
#
# Run from the top of the tree. Prints the package's path last. Exit
# status 0 done, 1 failure. Environment: DEB_MAINTAINER, DEB_BUILD_OPTIONS,
# SOURCE_DATE_EPOCH (default: the last commit's time).
set -eu

prog=mkdeb.sh
here=$(dirname "$0")

die()
{
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: $0 DIR"
out=$1
stage=$out/debian/tokenguard
[ -x "$stage/usr/bin/tokenguard" ] ||
	die "$stage/usr/bin/tokenguard is missing: run 'make deb'"
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is missing"

version=$(sed -n 's/^#define TOKENGUARD_VERSION "\([^"]*\)"$/\1/p' \
    common/version.h)
case $version in
[0-9]*) ;;
*) die "no version in common/version.h" ;;
esac
arch=$(dpkg --print-architecture) || die "dpkg --print-architecture failed"
# No address is made up: set one with DEB_MAINTAINER="Name <mail>".
maintainer=${DEB_MAINTAINER:-"the tokenguard authors"}
if [ -z "${SOURCE_DATE_EPOCH-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
	export SOURCE_DATE_EPOCH
fi
umask 022

# The watcher: its unit, running the packaged program, and its
# configuration, which holds no secret (the signing secret is
# /etc/tokenguard/webhook.secret, made by the postinst).
unit=$stage/lib/systemd/system/tokenguard-watch.service
mkdir -p "$(dirname "$unit")"
from=/usr/local/bin/tokenguard-watch
to=/usr/bin/tokenguard-watch
sed "s|^\(Exec[A-Za-z]*=\)$from |\1$to |" watcher/tokenguard-watch.service \
    >"$unit"
grep -q "^ExecStart=$to " "$unit" ||
	die "watcher/tokenguard-watch.service: no ExecStart=$from line"
! grep -q "$from" "$unit" ||
	die "watcher/tokenguard-watch.service: $from left in $unit"
chmod 0644 "$unit"
install -D -m 0644 watcher/watch.conf.example "$stage/etc/tokenguard/watch.conf"

# Documentation: copyright, a changelog, the README and the guides it
# links to in docs/.
doc=$stage/usr/share/doc/tokenguard
install -d "$doc"
install -m 0644 "$here/copyright" "$doc/copyright"
{
	printf 'tokenguard (%s) unstable; urgency=medium\n\n' "$version"
	printf '  * Built from the source tree with make deb.\n\n'
	printf ' -- %s  %s\n' "$maintainer" \
	    "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$doc/changelog.gz"
gzip -9n <README.md >"$doc/README.md.gz"
install -d "$doc/docs"
for f in docs/*.md; do
	gzip -9n <"$f" >"$doc/docs/${f#docs/}.gz"
done

# Man pages (what make install put there) compressed; programs stripped.
if [ -d "$stage/usr/share/man" ]; then
	find "$stage/usr/share/man" -type f ! -name '*.gz' \
	    -exec gzip -9nf {} +
fi
case " ${DEB_BUILD_OPTIONS-} " in
*" nostrip "*) ;;
*)
	for f in "$stage"/usr/bin/*; do
		strip --remove-section=.comment --remove-section=.note \
		    --strip-unneeded "$f"
	done
	;;
esac
find "$stage" -type d -exec chmod 0755 {} +

rm -rf "$stage/DEBIAN"
install -d "$stage/DEBIAN"
for s in postinst prerm postrm; do
	install -m 0755 "$here/$s" "$stage/DEBIAN/$s"
done
install -m 0644 "$here/conffiles" "$stage/DEBIAN/conffiles"
# Depends (dpkg-shlibdeps finds the package's root by its DEBIAN): the
# libraries the programs link, with their minimal versions.
# passwd: the postinst runs useradd; git and acl: the watcher's set-up
# (git config -f, setfacl for node_exporter's directory).
if command -v dpkg-shlibdeps >/dev/null 2>&1; then
	printf 'Source: tokenguard\n\nPackage: tokenguard\nArchitecture: any\n' \
	    >"$out/debian/control"
	shlibs=$(cd "$out" && dpkg-shlibdeps -O debian/tokenguard/usr/bin/*) ||
		die "dpkg-shlibdeps failed"
	shlibs=${shlibs#shlibs:Depends=}
else
	echo "$prog: dpkg-shlibdeps (dpkg-dev) is missing: a fixed Depends" >&2
	shlibs="libarchive13, libc6, libcurl4, libgit2-1.5, libjansson4"
	shlibs="$shlibs, libpcre2-8-0, libssl3, libzxcvbn0, zlib1g"
fi
[ -n "$shlibs" ] || die "no shared libraries found"

(cd "$stage" && find usr lib -type f -exec md5sum {} + | sort -k 2) \
    >"$stage/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f 1)
cat >"$stage/DEBIAN/control" <<EOF2
Package: tokenguard
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $shlibs, passwd, git, acl
Section: devel
Priority: optional
Description: stops npm token material from leaking
 tokenguard finds npm and GitHub tokens, _auth, _password and _authToken
 credentials, NPM_TOKEN-like variables, private keys and passwords in
 registry URLs, in any text file and in commits and pushes. A token is
 reported only when its checksum is valid, and a secret is never printed
 in full.
 .
 This package holds tokenguard (scan files, directories, standard input
 and git history; text, JSON or SARIF output; install the hooks), the
 git hooks tokenguard-pre-commit and tokenguard-pre-receive, and
 tokenguard-watch, a daemon that watches directory trees on CI runner
 hosts and reports findings to a webhook. Its systemd unit is installed
 but neither enabled nor started; it runs as the system user tokenguard,
 which the package creates.
EOF2

deb=$out/tokenguard_${version}_${arch}.deb
rm -f "$deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null ||
	die "dpkg-deb failed"
echo "$deb"
