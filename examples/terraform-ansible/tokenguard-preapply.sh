#!/bin/sh
# tokenguard-preapply.sh: checks Terraform and Ansible directories for npm
# token material before `terraform plan/apply` or `ansible-playbook` use
# them: variable files (*.tfvars, *.auto.tfvars, *.tfvars.json, variable
# defaults in *.tf), local state (terraform.tfstate and its .backup,
# where values are clear text, often as escaped JSON), group_vars/,
# host_vars/, vars/, defaults/, inventories, templates, .env files.
#
# Usage: tokenguard-preapply.sh [DIR...]   (default: the current directory)
#
# Everything below each DIR is scanned (binary files for checksummed
# tokens only), except .terraform/providers/ (provider binaries that
# `terraform init` downloads), node_modules/ and .git/. References pass:
# "${var.npm_token}", var.npm_token, "{{ npm_token }}", lookup(...),
# !vault, ENC[...] (SOPS), ${NPM_TOKEN}.
#
# Exit status, as tokenguard's: 0 clean (go ahead and apply), 1 findings
# (do not apply), 2 trouble (do not apply either).
# Environment: TOKENGUARD, the program (default: tokenguard in PATH);
# TOKENGUARD_FLAGS, more options for `tokenguard scan` (e.g. "-q" or
# "--format json"), split at blanks.
#
# For a remote backend (S3, GCS, Terraform Cloud, ...), the state is not
# on disk: check it with `tokenguard-preapply.mk`'s tokenguard-state, or
#     state=$(terraform state pull) && printf '%s\n' "$state" | tokenguard scan -
prog=tokenguard-preapply
tg=${TOKENGUARD:-tokenguard}
export TOKENGUARD_FLAGS

[ $# -gt 0 ] || set -- .
for dir in "$@"; do
	case $dir in
	-*)
		echo "$prog: name '$dir' as ./$dir" >&2
		exit 2
		;;
	esac
	if [ ! -d "$dir" ]; then
		echo "$prog: '$dir' is not a directory" >&2
		exit 2
	fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tokenguard-preapply.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM HUP

# Every file, NUL-separated: names may hold blanks or newlines.
if ! find "$@" \( -path '*/.terraform/providers' -o -name node_modules \
    -o -name .git \) -prune -o -type f -print0 >"$tmp/files"; then
	echo "$prog: cannot list every file (see above): not applying" >&2
	exit 2
fi
if [ ! -s "$tmp/files" ]; then
	echo "$prog: no files to check in $*" >&2
	exit 0
fi

# xargs may run tokenguard more than once for a long list: each run
# appends its exit status, and the worst wins (2 over 1 over 0).
TG_STATUS=$tmp/status
export TG_STATUS
# shellcheck disable=SC2086
xargs -0 sh -c '"$0" scan $TOKENGUARD_FLAGS -- "$@"; echo $? >>"$TG_STATUS"' \
    "$tg" <"$tmp/files"
status=0
[ -s "$tmp/status" ] || status=2
while read -r s; do
	case $s in
	0) ;;
	1) [ "$status" = 2 ] || status=1 ;;
	*) status=2 ;;
	esac
done <"$tmp/status"

case $status in
1)
	echo "$prog: npm token material in the files above: not applying." \
	    "Revoke it, keep the value in a secret store and reference it" \
	    "(var.npm_token with TF_VAR_npm_token, {{ vault_npm_token }}," \
	    "lookup('env', 'NPM_TOKEN'))." >&2
	;;
2)
	echo "$prog: the check did not complete (see above): not applying" >&2
	;;
esac
exit "$status"
