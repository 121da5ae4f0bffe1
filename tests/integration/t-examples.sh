#!/bin/sh
# The CI recipes of examples/ run for real. The shell lines each recipe
# marks with ">>> tokenguard" and "<<< tokenguard" are taken from the
# recipe as they are and run with `sh -e` (as GitHub Actions, GitLab CI
# and Jenkins run them) in a clone of a repository where a pull request
# adds a generated token (and removes it again: it stays in history),
# while its target branch holds an older token and gets a new one after
# the branch point; neither of those belongs to the pull request:
#
# - GitHub Actions: the scan step exits 0 and records status=1 in
#   $GITHUB_OUTPUT; the verdict step then fails; the SARIF it wrote is
#   valid SARIF 2.1.0 (the schema, with python3's jsonschema) with what
#   upload-sarif needs: a relative URI with uriBaseId %SRCROOT%,
#   startLine, partialFingerprints, rule ids the driver declares, and a
#   path that exists in the commit it names. A clean pull request passes;
#   a bad base is trouble and fails too.
# - GitLab CI: a merge request pipeline and a merged results pipeline
#   (CI_COMMIT_SHA a merge with the target branch) fail with the report
#   written; a clean merge request passes.
# - Jenkins: a pull request build (target fetched or not), a branch build
#   since the last successful commit, a first build.
# - Terraform/Ansible: tokenguard-preapply.sh fails on var directories
#   holding tokens (tfvars, escaped JSON in terraform.tfstate, group_vars,
#   host_vars, a file name with a blank) and passes on ${var.npm_token}-
#   style references; the make rules apply only after a passing check, and
#   check a remote state.
# The GitHub and GitLab files parse as YAML, with the marked lines inside
# the steps they belong to (when python3 has the yaml module).
. "$(dirname "$0")/lib.sh"

EX=$(cd "$TESTS_DIR/../../examples" 2>/dev/null && pwd) ||
    fail "no examples/ directory"
GH=$EX/github-actions/tokenguard.yml
GL=$EX/gitlab-ci/.gitlab-ci.yml
JK=$EX/jenkins/Jenkinsfile
TA=$EX/terraform-ansible
for f in "$GH" "$GL" "$JK" "$TA/tokenguard-preapply.sh" \
    "$TA/tokenguard-preapply.mk" "$EX/README.md"; do
	[ -f "$f" ] || fail "missing $f"
done

# What CI systems set comes from this test only.
unset GITHUB_OUTPUT BASE HEAD CI_MERGE_REQUEST_DIFF_BASE_SHA CI_COMMIT_SHA \
    CI_MERGE_REQUEST_SOURCE_BRANCH_SHA CHANGE_TARGET \
    GIT_PREVIOUS_SUCCESSFUL_COMMIT TOKENGUARD_FLAGS FAKE_STATE_FAIL

# The recipes call `tokenguard` from PATH.
mkdir -p bin && ln -s "$TOKENGUARD" bin/tokenguard || fail "bin"
PATH=$scratch/bin:$PATH
export PATH

# block FILE N: the shell lines of the Nth marked block of FILE, without
# the markers, unindented by the first marker's indentation.
block()
{
	awk -v want="$2" '
	/# >>> tokenguard/ {
		if (++n == want) {
			match($0, /^[ \t]*/)
			ind = RLENGTH
			on = 1
		}
		next
	}
	/# <<< tokenguard/ { on = 0; next }
	on {
		if (substr($0, 1, ind) !~ /^[ \t]*$/)
			exit 1
		print substr($0, ind + 1)
	}' "$1"
}

# blocks FILE N: FILE has exactly N blocks; writes FILE's blocks to
# $scratch/<name>.<i>.sh.
blocks()
{
	_n=$(grep -c '# >>> tokenguard' "$1")
	[ "$_n" = "$2" ] && [ "$(grep -c '# <<< tokenguard' "$1")" = "$2" ] ||
	    fail "$(basename "$1"): $_n marked blocks, expected $2"
	_i=1
	while [ "$_i" -le "$2" ]; do
		block "$1" "$_i" >"$scratch/$3.$_i.sh" ||
		    fail "$(basename "$1"): block $_i is not indented evenly"
		grep -q tokenguard "$scratch/$3.$_i.sh" || [ "$_i" -gt 1 ] ||
		    fail "$(basename "$1"): block $_i does not run tokenguard"
		_i=$((_i + 1))
	done
}

blocks "$GH" 2 gh
blocks "$GL" 1 gl
blocks "$JK" 1 jk
# Groovy's ''' strings turn backslashes into escapes: none in the block.
if grep -q '\\' "$scratch/jk.1.sh"; then
	fail "the Jenkinsfile's block holds a backslash"
fi

# --- The repositories ---------------------------------------------------
git config --global user.name t
git config --global user.email t@example.invalid
git config --global init.defaultBranch main
old=$(gen_token 1401) || fail "gen_token"
tok=$(gen_token 1402) || fail "gen_token"
late=$(gen_token 1403) || fail "gen_token"

git init -q work && cd work || fail "init"
printf '# app\n' >README.md && git add . && git commit -qm A || fail "A"
mkdir legacy && printf '//registry.npmjs.org/:_authToken=%s\n' "$old" \
    >legacy/.npmrc && git add . && git commit -qm "B: old token" || fail "B"
git checkout -q -b feature || fail "feature"
printf 'console.log(1)\n' >app.js && git add . && git commit -qm C || fail C
mkdir deploy && printf 'NPM_TOKEN=%s\n' "$tok" >deploy/.env &&
    git add . && git commit -qm "D: deploy settings" || fail "D"
tok_commit=$(git rev-parse HEAD)
git rm -q deploy/.env && git commit -qm "E: oops" || fail "E"
git checkout -q -b clean main || fail "clean"
printf '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n' >.npmrc &&
    git add . && git commit -qm "G: npmrc with a reference" || fail "G"
git checkout -q main || fail "main"
mkdir other && printf 'NPM_TOKEN=%s\n' "$late" >other/.env &&
    git add . && git commit -qm "F: later on main" || fail "F"
cd "$scratch" || fail "cd"
git clone -q --bare work origin.git || fail "bare"
git clone -q origin.git ci || fail "clone"
cd ci || fail "cd ci"
git checkout -q -b feature origin/feature || fail "checkout feature"
BASE_SHA=$(git rev-parse origin/main)
HEAD_SHA=$(git rev-parse origin/feature)
CLEAN_SHA=$(git rev-parse origin/clean)
MB=$(git merge-base origin/main origin/feature)

# sh_e NAME [VAR=VALUE...]: runs block NAME with sh -e in the checkout,
# with the variables set, as a CI system does.
sh_e()
{
	_b=$1
	shift
	run_cmd env "$@" sh -e "$scratch/$_b.sh"
}

# --- GitHub Actions -----------------------------------------------------
rm -f tokenguard.sarif
: >"$scratch/gh-output"
sh_e gh.1 BASE="$BASE_SHA" HEAD="$HEAD_SHA" \
    GITHUB_OUTPUT="$scratch/gh-output"
[ "$STATUS" = 0 ] || fail "GitHub scan step exited $STATUS: $(cat "$ERR")"
assert_contains "$scratch/gh-output" "status=1"
assert_contains "$OUT" "deploy/.env:1:"
assert_not_contains "$OUT" "legacy/"
assert_not_contains "$OUT" "other/"
cp tokenguard.sarif "$scratch/gh.sarif"
sh_e gh.2 STATUS=1
[ "$STATUS" = 1 ] || fail "GitHub verdict step passed findings"
assert_contains "$OUT" "::error::tokenguard found npm token material"
sh_e gh.2 STATUS=2
[ "$STATUS" = 1 ] || fail "GitHub verdict step passed trouble"
sh_e gh.2 STATUS=
[ "$STATUS" = 1 ] || fail "GitHub verdict step passed a missing status"
# A clean pull request.
: >"$scratch/gh-output"
sh_e gh.1 BASE="$BASE_SHA" HEAD="$CLEAN_SHA" \
    GITHUB_OUTPUT="$scratch/gh-output"
[ "$STATUS" = 0 ] || fail "GitHub scan step exited $STATUS"
assert_contains "$scratch/gh-output" "status=0"
cp tokenguard.sarif "$scratch/gh-clean.sarif"
sh_e gh.2 STATUS=0
[ "$STATUS" = 0 ] || fail "GitHub verdict step failed a clean pull request"
# A base that does not exist: trouble, recorded, and no SARIF upload
# (the upload step wants status 0 or 1).
: >"$scratch/gh-output"
sh_e gh.1 BASE=0123456789012345678901234567890123456789 HEAD="$HEAD_SHA" \
    GITHUB_OUTPUT="$scratch/gh-output"
[ "$STATUS" = 0 ] || fail "GitHub scan step exited $STATUS"
assert_contains "$scratch/gh-output" "status=2"

# --- GitLab CI ----------------------------------------------------------
rm -f tokenguard.sarif tokenguard.txt
sh_e gl.1 CI_MERGE_REQUEST_DIFF_BASE_SHA="$MB" CI_COMMIT_SHA="$HEAD_SHA" \
    CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=
[ "$STATUS" = 1 ] || fail "GitLab job exited $STATUS on a token"
assert_contains tokenguard.txt "deploy/.env:1:"
assert_not_contains tokenguard.txt "legacy/"
cp tokenguard.sarif "$scratch/gl.sarif"
# Merged results: CI_COMMIT_SHA merges the target's new commit (with its
# own token) into the source; only the merge request's commits count.
git checkout -q -b merged-result origin/feature &&
    git merge -q --no-edit origin/main >/dev/null || fail "merge"
MERGED=$(git rev-parse HEAD)
git checkout -q feature || fail "checkout"
rm -f tokenguard.sarif tokenguard.txt
sh_e gl.1 CI_MERGE_REQUEST_DIFF_BASE_SHA="$MB" CI_COMMIT_SHA="$MERGED" \
    CI_MERGE_REQUEST_SOURCE_BRANCH_SHA="$HEAD_SHA"
[ "$STATUS" = 1 ] || fail "GitLab merged results job exited $STATUS"
assert_contains tokenguard.txt "deploy/.env:1:"
assert_not_contains tokenguard.txt "other/"
sh_e gl.1 CI_MERGE_REQUEST_DIFF_BASE_SHA="$(git merge-base origin/main \
    origin/clean)" CI_COMMIT_SHA="$CLEAN_SHA"
[ "$STATUS" = 0 ] || fail "GitLab job exited $STATUS on a clean request"
assert_contains tokenguard.txt "no findings"

# --- Jenkins ------------------------------------------------------------
rm -f tokenguard.sarif tokenguard.txt
sh_e jk.1 CHANGE_TARGET=main
[ "$STATUS" = 1 ] || fail "Jenkins pull request build exited $STATUS"
assert_contains tokenguard.txt "deploy/.env:1:"
assert_not_contains tokenguard.txt "legacy/"
cp tokenguard.sarif "$scratch/jk.sarif"
# The target branch not fetched yet: the block fetches it from origin.
git update-ref -d refs/remotes/origin/main || fail "update-ref"
sh_e jk.1 CHANGE_TARGET=main
[ "$STATUS" = 1 ] || fail "Jenkins build that fetched the target: $STATUS"
git rev-parse -q --verify refs/remotes/origin/main >/dev/null ||
    fail "the Jenkins block did not fetch the target branch"
assert_not_contains tokenguard.txt "legacy/"
# A branch build since the last successful one (C): D is new.
sh_e jk.1 GIT_PREVIOUS_SUCCESSFUL_COMMIT="$(git rev-parse "$HEAD_SHA~2")"
[ "$STATUS" = 1 ] || fail "Jenkins branch build exited $STATUS"
assert_not_contains tokenguard.txt "legacy/"
# A first build: the branch's whole history, the old token too.
sh_e jk.1
[ "$STATUS" = 1 ] || fail "Jenkins first build exited $STATUS"
assert_contains tokenguard.txt "legacy/.npmrc"
# A clean pull request.
git checkout -q -b clean origin/clean || fail "checkout clean"
sh_e jk.1 CHANGE_TARGET=main
[ "$STATUS" = 0 ] || fail "Jenkins clean pull request exited $STATUS"
git checkout -q feature || fail "checkout"

# --- SARIF for code scanning --------------------------------------------
# Without python3's jsonschema, the checks below still run; the script
# says so on a line "no-schema".
python3 - "$TESTS_DIR/sarif-schema-2.1.0.json" "$scratch/gh.sarif" "$scratch/gl.sarif" \
    "$scratch/jk.sarif" "$scratch/gh-clean.sarif" <<'PY' >"$scratch/where" ||
import json, os, sys
schema, files = sys.argv[1], sys.argv[2:]
def die(m):
    sys.exit("FAIL: " + m)
validator = None
try:
    import jsonschema
    with open(schema) as fh:
        validator = jsonschema.Draft7Validator(json.load(fh))
except ImportError:
    print("no-schema")
for path in files:
    name = os.path.basename(path)
    raw = open(path, "rb").read()
    # upload-sarif's limits: 10 MB (gzipped), 25,000 results a run.
    if len(raw) > 10 * 1024 * 1024:
        die("%s: over 10 MB" % name)
    doc = json.loads(raw.decode("utf-8"))
    if validator is not None:
        errs = sorted(validator.iter_errors(doc), key=lambda e: e.path)
        if errs:
            die("%s: schema: %s at %s" % (name, errs[0].message,
                list(errs[0].absolute_path)))
    if doc.get("version") != "2.1.0" or len(doc.get("runs", [])) != 1:
        die("%s: not one SARIF 2.1.0 run" % name)
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    if not driver.get("name"):
        die("%s: no tool.driver.name" % name)
    ids = [r["id"] for r in driver.get("rules", [])]
    if not ids or len(set(ids)) != len(ids):
        die("%s: rules %r" % (name, ids))
    results = run["results"]
    if len(results) > 25000:
        die("%s: too many results" % name)
    for n, res in enumerate(results):
        w = "%s: results[%d]" % (name, n)
        if res.get("ruleId") not in ids:
            die("%s: ruleId %r not declared" % (w, res.get("ruleId")))
        if not res.get("message", {}).get("text"):
            die("%s: no message.text" % w)
        locs = res.get("locations") or []
        if not 1 <= len(locs) <= 10:
            die("%s: %d locations" % (w, len(locs)))
        pl = locs[0]["physicalLocation"]
        al = pl["artifactLocation"]
        uri = al["uri"]
        if uri.startswith("/") or ":" in uri.split("/")[0]:
            die("%s: uri %r is not relative" % (w, uri))
        if al.get("uriBaseId") != "%SRCROOT%":
            die("%s: uriBaseId %r" % (w, al.get("uriBaseId")))
        line = pl.get("region", {}).get("startLine")
        if type(line) is not int or line < 1:
            die("%s: startLine %r" % (w, line))
        pf = res.get("partialFingerprints")
        if not pf or not all(isinstance(v, str) and v for v in pf.values()):
            die("%s: partialFingerprints %r" % (w, pf))
        commit = res.get("properties", {}).get("commit", "")
        print(name, commit, uri, line, res["ruleId"])
PY
    fail "SARIF for code scanning"
if grep -q '^no-schema$' "$scratch/where"; then
	note "SARIF schema validation skipped: python3 jsonschema missing"
fi
# Each result names a file of the commit it names, at a line it has.
grep -v '^no-schema$' "$scratch/where" |
while read -r name commit uri line rule; do
	git cat-file -e "$commit:$uri" 2>/dev/null ||
	    fail "$name: $uri is not in commit $commit"
	[ "$(git show "$commit:$uri" | wc -l)" -ge "$line" ] ||
	    fail "$name: $uri has no line $line in $commit"
	case $name in
	gh-clean.sarif) fail "a result for a clean pull request" ;;
	esac
	[ "$uri" = deploy/.env ] && [ "$commit" = "$tok_commit" ] ||
	    fail "$name: unexpected result $commit $uri:$line ($rule)"
done || exit 1
for name in gh gl jk; do
	grep -q "^$name.sarif " "$scratch/where" ||
	    fail "$name.sarif has no result"
done

# --- YAML ---------------------------------------------------------------
# The script exits 77 when python3 has no yaml module.
python3 - "$GH" "$GL" "$scratch" <<'PY'
import sys
try:
    import yaml
except ImportError:
    sys.exit(77)
gh_path, gl_path, scratch = sys.argv[1:]
def die(m):
    sys.exit("FAIL: " + m)
def blk(name):
    return open("%s/%s.sh" % (scratch, name)).read().rstrip("\n")
gh = yaml.safe_load(open(gh_path))
# YAML 1.1 reads the key "on" as true.
on = gh.get("on", gh.get(True))
if not isinstance(on, dict) or "pull_request" not in on:
    die("the workflow does not run on pull_request")
if gh.get("permissions", {}).get("security-events") != "write":
    die("the workflow lacks permissions: security-events: write")
steps = gh["jobs"]["tokenguard"]["steps"]
scan = [s for s in steps if s.get("id") == "scan"]
if len(scan) != 1 or blk("gh.1") not in scan[0]["run"]:
    die("the first block is not the run of the step with id scan")
env = scan[0].get("env", {})
if "pull_request.base.sha" not in env.get("BASE", "") or \
        "pull_request.head.sha" not in env.get("HEAD", ""):
    die("the scan step's BASE and HEAD are not the pull request's")
up = [s for s in steps
      if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
if len(up) != 1 or up[0]["with"]["sarif_file"] != "tokenguard.sarif":
    die("no upload-sarif step for tokenguard.sarif")
if "always()" not in up[0].get("if", "") or \
        "steps.scan.outputs.status == '1'" not in up[0]["if"]:
    die("upload-sarif does not run when findings fail the scan")
last = steps[-1]
if blk("gh.2") not in last.get("run", "") or "always()" not in \
        last.get("if", "") or "steps.scan.outputs.status" not in \
        last.get("env", {}).get("STATUS", ""):
    die("the last step is not the verdict on the scan's status")
if steps.index(up[0]) > steps.index(last):
    die("the verdict comes before the upload")
co = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
if not co or co[0].get("with", {}).get("fetch-depth") != 0:
    die("the checkout is not of the whole history (fetch-depth: 0)")
gl = yaml.safe_load(open(gl_path))
job = gl["tokenguard"]
if not any("merge_request_event" in r.get("if", "")
           for r in job.get("rules", [])):
    die("the GitLab job does not run in merge request pipelines")
if blk("gl.1") not in "\n".join(job["script"]):
    die("the GitLab block is not the job's script")
if str(job.get("variables", {}).get("GIT_DEPTH")) != "0":
    die("the GitLab job does not fetch the whole history")
art = job.get("artifacts", {})
if art.get("when") != "always" or \
        not {"tokenguard.txt", "tokenguard.sarif"} <= set(art.get("paths", [])):
    die("the GitLab job does not always keep its report")
PY
case $? in
0) ;;
77) note "YAML checks skipped: python3 has no yaml module" ;;
*) fail "YAML checks" ;;
esac

# --- Terraform / Ansible ------------------------------------------------
cd "$scratch" || fail "cd"
PREAPPLY="sh $TA/tokenguard-preapply.sh"
mkdir -p bad/group_vars bad/host_vars bad/.terraform/providers/reg/x
printf 'region    = "eu-west-1"\nnpm_token = "%s"\n' "$tok" >bad/prod.tfvars
# State holds values in clear, attributes as escaped JSON.
printf '{"version":4,"resources":[{"instances":[{"attributes":{"environment":"{\\"NPM_TOKEN\\":\\"%s\\"}"}}]}]}\n' \
    "$old" >bad/terraform.tfstate
printf 'app_port: 8080\nnpm_token: %s\n' "$late" >bad/group_vars/all.yml
printf 'npm_auth_token: "%s"\n' "$tok" >'bad/host_vars/web 1.yml'
# Provider binaries are not checked (they are big, and not yours).
printf 'x %s\n' "$tok" >bad/.terraform/providers/reg/x/terraform-provider-x
assert_status 1 $PREAPPLY bad
for f in bad/prod.tfvars bad/terraform.tfstate bad/group_vars/all.yml \
    'bad/host_vars/web 1.yml'; do
	assert_contains "$OUT" "$f:"
done
assert_not_contains "$OUT" ".terraform/"
assert_contains "$ERR" "not applying"

mkdir -p good/group_vars good/host_vars
cat >good/main.tf <<'EOF'
variable "npm_token" {
  type      = string
  sensitive = true
}

resource "null_resource" "publish" {
  provisioner "local-exec" {
    command = "npm publish"
    environment = {
      NPM_TOKEN       = "${var.npm_token}"
      NODE_AUTH_TOKEN = var.npm_token
    }
  }
}

locals {
  npmrc = "//registry.npmjs.org/:_authToken=${var.npm_token}"
}
EOF
printf 'region = "eu-west-1"\n' >good/terraform.tfvars
cat >good/group_vars/all.yml <<'EOF'
npm_token: "{{ vault_npm_token }}"
npm_auth_token: "{{ lookup('env', 'NPM_TOKEN') }}"
npmrc_line: "//registry.npmjs.org/:_authToken={{ npm_token }}"
EOF
cat >good/host_vars/web1.yml <<'EOF'
vault_npm_token: !vault |
  $ANSIBLE_VAULT;1.1;AES256
  62313365396662343061393464336163383764373764613633653634306231386433626436623361
  6134333665353966363534333632666535333761666131620a663537646436643839616531643561
EOF
assert_status 0 $PREAPPLY good
assert_contains "$ERR" "no findings (4 files scanned)"
# Several directories: the worst status wins.
assert_status 1 $PREAPPLY good bad
mkdir empty
assert_status 0 $PREAPPLY empty
assert_status 2 $PREAPPLY no-such-dir

# The make rules: apply only after a passing check; a remote state.
if command -v make >/dev/null 2>&1; then
	cat >terraform <<'EOF'
#!/bin/sh
case "$1 ${2-}" in
"state pull")
	[ -z "${FAKE_STATE_FAIL-}" ] || exit 1
	cat "$FAKE_STATE"
	;;
*)
	echo "$1" >>"$FAKE_RAN"
	;;
esac
EOF
	chmod +x terraform || fail "chmod"
	FAKE_RAN=$scratch/terraform.ran
	FAKE_STATE=$scratch/remote.tfstate
	export FAKE_RAN FAKE_STATE
	mk()
	{
		run_cmd make -s -f "$TA/tokenguard-preapply.mk" \
		    TOKENGUARD_PREAPPLY="$PREAPPLY" TOKENGUARD="$TOKENGUARD" \
		    TERRAFORM="$scratch/terraform" "$@"
	}
	mk apply TOKENGUARD_DIRS=bad
	[ "$STATUS" != 0 ] || fail "make apply passed a token"
	[ ! -e terraform.ran ] || fail "terraform apply ran after a finding"
	mk apply TOKENGUARD_DIRS=good
	[ "$STATUS" = 0 ] || fail "make apply failed on good: $(cat "$ERR")"
	assert_contains terraform.ran apply
	rm -f terraform.ran
	printf '{"version":4,"outputs":{"npmrc":{"value":"//r/:_authToken=%s"}}}\n' \
	    "$tok" >remote.tfstate
	mk apply TOKENGUARD_DIRS=good \
	    TOKENGUARD_CHECKS="tokenguard-check tokenguard-state"
	[ "$STATUS" != 0 ] || fail "make apply passed a token in remote state"
	assert_contains "$OUT" "-:1:"
	[ ! -e terraform.ran ] || fail "terraform apply ran after a finding"
	FAKE_STATE_FAIL=1
	export FAKE_STATE_FAIL
	mk apply TOKENGUARD_DIRS=good \
	    TOKENGUARD_CHECKS="tokenguard-check tokenguard-state"
	[ "$STATUS" != 0 ] || fail "make apply passed a failed state pull"
	[ ! -e terraform.ran ] || fail "terraform apply ran without a check"
else
	note "make rules not checked: no make"
fi
exit 0
