# tests/integration/mountns.sh: sourced first, before lib.sh, by the
# scenarios that mount a tmpfs:
#
#	MOUNTNS_OPTIONAL=1	(optional: run without a namespace too)
#	. "$(dirname "$0")/mountns.sh"
#	. "$(dirname "$0")/lib.sh"
#	...
#	use_tmpfs SIZE		(after lib.sh and watchlib.sh)
#
# It runs the script again in a private mount namespace (unshare -m, or
# in a user namespace, unshare -rm), so that nothing it mounts is seen
# outside it or outlives it, and sets TG_MOUNT_NS to root or user. When
# neither works, the script is skipped with a note, or, with
# MOUNTNS_OPTIONAL=1, goes on with TG_MOUNT_NS=none.
#
#	use_tmpfs SIZE          mounts a tmpfs of SIZE (mount's size=, e.g.
#	                        16k) on $mnt ($scratch/mnt), unmounted on
#	                        exit; status 1 when it cannot be mounted
if [ -z "${TG_MOUNT_NS-}" ]; then
	if unshare -m --propagation private true 2>/dev/null; then
		TG_MOUNT_NS=root exec unshare -m --propagation private \
		    sh "$0" "$@"
	elif unshare -r -m --propagation private true 2>/dev/null; then
		TG_MOUNT_NS=user exec unshare -r -m --propagation private \
		    sh "$0" "$@"
	fi
	if [ "${MOUNTNS_OPTIONAL-}" != 1 ]; then
		echo "note: no private mount namespace (unshare -m," \
		    "unshare -rm): skipped"
		exit 0
	fi
	TG_MOUNT_NS=none
fi

_mountns_cleanup()
{
	_watch_cleanup
	umount -l "$mnt" 2>/dev/null
	_lib_cleanup
}

use_tmpfs()
{
	mnt=$scratch/mnt
	trap _mountns_cleanup EXIT
	mkdir -p "$mnt" || fail "mkdir $mnt"
	[ "$TG_MOUNT_NS" != none ] || return 1
	mount -t tmpfs -o "size=$1,mode=0700" tokenguard-test "$mnt"
}
