#!/bin/sh
# install.sh without a mode: the packages (apt-get, only the missing
# ones), the build, make install of the programs and man pages; a second
# run installs no package and changes no file; a failing apt-get is an
# error; --deps-only only installs packages; --help names every mode;
# bad usage exits 2. apt-get, dpkg-query and sudo are stubs on PATH (no
# network, nothing installed on the machine); files go to a --root.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/installlib.sh"

# The stubs: dpkg-query says every package is installed but those in
# $STUB_MISSING; apt-get logs its arguments (and DEBIAN_FRONTEND) and
# fails when $STUB_APT_FAIL is set; sudo runs its command.
mkdir stubs || fail "mkdir"
cat >stubs/dpkg-query <<'EOF2' || fail "stub"
#!/bin/sh
shift 2 # -W -f=...
for p in "$@"; do
	case " $STUB_MISSING " in
	*" $p "*) echo "$p unknown ok not-installed" ;;
	*) echo "$p install ok installed" ;;
	esac
done
EOF2
cat >stubs/apt-get <<EOF2 || fail "stub"
#!/bin/sh
echo "apt-get \$* [\${DEBIAN_FRONTEND-}]" >>"$scratch/apt.log"
[ -z "\${STUB_APT_FAIL-}" ]
EOF2
printf '#!/bin/sh\nexec "$@"\n' >stubs/sudo || fail "stub"
chmod +x stubs/* || fail "chmod"
PATH=$scratch/stubs:$PATH
STUB_MISSING="libcmocka-dev prometheus-alertmanager"
export PATH STUB_MISSING
unset DEBIAN_FRONTEND

root=$scratch/root
install_ok --root "$root"
assert_contains "$IOUT" "installing: libcmocka-dev prometheus-alertmanager"
assert_lines 2 apt.log
[ "$(sed -n 1p apt.log)" = "apt-get update []" ] ||
    fail "apt-get: $(sed -n 1p apt.log)"
want="apt-get install -y --no-install-recommends libcmocka-dev"
want="$want prometheus-alertmanager [noninteractive]"
[ "$(sed -n 2p apt.log)" = "$want" ] || fail "apt-get: $(sed -n 2p apt.log)"
assert_contains "$IOUT" "installing into $root/usr/local"
assert_installed "$root/usr/local"
# Nothing of the watcher without --with-watcher.
[ "$(ls "$root")" = usr ] || fail "install.sh wrote outside the prefix:
$(ls "$root")"

# Again, everything there: no package, no changed file.
(cd "$root" && find . -type f -exec md5sum {} + | sort) >before ||
    fail "md5sum"
STUB_MISSING=
install_ok --root "$root"
assert_contains "$IOUT" "all packages are installed"
assert_lines 2 apt.log
(cd "$root" && find . -type f -exec md5sum {} + | sort) >after ||
    fail "md5sum"
cmp -s before after || fail "the second run changed files"

# apt-get failing: exit 1, with what to run by hand.
STUB_MISSING=libcmocka-dev
STUB_APT_FAIL=1
export STUB_APT_FAIL
run_install --root "$root"
[ "$STATUS" = 1 ] || fail "apt-get failure: exit $STATUS"
assert_contains "$IERR" "apt-get install -y libcmocka-dev"
unset STUB_APT_FAIL

# --deps-only (what CI runs): the packages, no build.
install_ok --deps-only
assert_contains "$IOUT" "installing: libcmocka-dev"
assert_not_contains "$IOUT" "building"
# --no-deps: no apt-get.
: >apt.log
install_ok --no-deps --root "$root"
assert_contains "$IOUT" "skipping the packages (--no-deps)"
[ ! -s apt.log ] || fail "--no-deps ran apt-get"

# --help names every mode and option.
assert_status 0 sh "$TOP/install.sh" --help
for opt in --prefix --root --no-deps --deps-only --with-watcher \
    --hook-server --uninstall --purge --help; do
	assert_contains "$OUT" "$opt"
done
assert_status 2 sh "$TOP/install.sh" --bogus
assert_contains "$ERR" "unknown option: --bogus"
assert_status 2 sh "$TOP/install.sh" --purge
assert_status 2 sh "$TOP/install.sh" --prefix
assert_status 2 sh "$TOP/install.sh" --deps-only --with-watcher
assert_status 2 sh "$TOP/install.sh" --root "$root" --hook-server "$scratch"
exit 0
