# SARIF output: one SARIF 2.1.0 document with the rules, and results with
# ruleId, message, locations and partialFingerprints. Validated against
# the SARIF 2.1.0 JSON schema when python3's jsonschema and a local copy
# of the schema are available ($SARIF_SCHEMA, or
# tests/integration/sarif-schema-2.1.0.json); nothing is downloaded.
. "$(dirname "$0")/lib.sh"

t1=$(gen_token 401) || fail "gen_token"
t2=$(gen_token 402 ghs_) || fail "gen_token"
mkdir -p 'corpus/my dir'
printf '//registry.npmjs.org/:_authToken=%s\n' "$t1" >corpus/.npmrc
printf 'x\nGH=%s\n' "$t2" >'corpus/my dir/app.env'

schema=
for s in "${SARIF_SCHEMA-}" "$TESTS_DIR/sarif-schema-2.1.0.json" \
    /usr/share/sarif/sarif-schema-2.1.0.json; do
	if [ -n "$s" ] && [ -f "$s" ]; then
		schema=$s
		break
	fi
done
if [ -z "$schema" ]; then
	note "SARIF schema validation skipped: no local sarif-schema-2.1.0.json"
elif ! python3 -c 'import jsonschema' 2>/dev/null; then
	note "SARIF schema validation skipped: python3 jsonschema missing"
	schema=
fi

# check_sarif FILE EXPECTED: EXPECTED is a Python list of
# (path, line, rule, token) tuples, in output order.
check_sarif()
{
	python3 - "$1" "$schema" "$2" <<'PY' || fail "SARIF check of $1"
import hashlib, json, sys, urllib.parse
path, schema, want = sys.argv[1], sys.argv[2], eval(sys.argv[3])
def die(m):
    sys.exit("FAIL: " + m)
with open(path, "rb") as fh:
    raw = fh.read()
try:
    doc = json.loads(raw.decode("utf-8"))
except ValueError as ex:
    die("stdout is not one JSON document: %s" % ex)
if doc.get("version") != "2.1.0":
    die("version is %r" % doc.get("version"))
if "sarif" not in doc.get("$schema", "") or "2.1.0" not in doc["$schema"]:
    die("$schema is %r" % doc.get("$schema"))
runs = doc.get("runs")
if not isinstance(runs, list) or len(runs) != 1:
    die("expected one run")
run = runs[0]
driver = run["tool"]["driver"]
if "tokenguard" not in driver.get("name", ""):
    die("tool.driver.name is %r" % driver.get("name"))
rules = driver.get("rules")
if not isinstance(rules, list) or not rules:
    die("no tool.driver.rules")
ids = [r["id"] for r in rules]
if len(set(ids)) != len(ids):
    die("duplicate rule ids in %r" % ids)
for r in rules:
    d = r.get("shortDescription", {}).get("text") or \
        r.get("fullDescription", {}).get("text")
    if not d:
        die("rule %s has no description" % r["id"])
results = run.get("results")
if not isinstance(results, list):
    die("run.results is not an array")
if len(results) != len(want):
    die("%d results, expected %d" % (len(results), len(want)))
for res, (p, line, rule, tok) in zip(results, want):
    if res.get("ruleId") != rule:
        die("ruleId %r, expected %r" % (res.get("ruleId"), rule))
    if rule not in ids:
        die("ruleId %r not among the driver's rules" % rule)
    if "ruleIndex" in res and ids[res["ruleIndex"]] != rule:
        die("ruleIndex %r does not point at %r" % (res["ruleIndex"], rule))
    if not res.get("message", {}).get("text"):
        die("result without message.text")
    if res.get("level", "warning") not in ("none", "note", "warning",
                                           "error"):
        die("bad level %r" % res["level"])
    loc = res["locations"][0]["physicalLocation"]
    uri = loc["artifactLocation"]["uri"]
    if any(c in uri for c in ' "<>\\^`{|}') or any(ord(c) < 33 for c in uri):
        die("artifactLocation.uri %r is not a valid URI reference" % uri)
    if urllib.parse.unquote(uri) != p:
        die("uri %r does not name %r" % (uri, p))
    reg = loc["region"]
    text = open(p, "rb").read().split(b"\n")[line - 1]
    col = text.index(tok.encode()) + 1
    if (reg.get("startLine"), reg.get("startColumn")) != (line, col):
        die("region %r, expected line %d column %d" % (reg, line, col))
    pf = res.get("partialFingerprints")
    if not isinstance(pf, dict) or not pf:
        die("no partialFingerprints")
    hexd = hashlib.sha256(tok.encode()).hexdigest()
    if not any(hexd in str(v) for v in pf.values()):
        die("partialFingerprints %r lack the token's sha256" % pf)
# Without the schema, check what it would for the objects a scanner
# emits: no property SARIF 2.1.0 does not define (every object there has
# additionalProperties: false, except property bags), required ones there.
A = {
    "log": ("$schema version runs inlineExternalProperties properties",
            "version runs"),
    "run": ("tool invocations conversion language versionControlProvenance "
            "originalUriBaseIds artifacts logicalLocations graphs results "
            "automationDetails runAggregates baselineGuid redactionTokens "
            "defaultEncoding defaultSourceLanguage newlineSequences "
            "columnKind externalPropertyFileReferences threadFlowLocations "
            "taxonomies addresses translations policies webRequests "
            "webResponses specialLocations properties", "tool"),
    "tool": ("driver extensions properties", "driver"),
    "toolComponent": ("guid name organization product productSuite "
                      "shortDescription fullDescription fullName version "
                      "semanticVersion dottedQuadFileVersion releaseDateUtc "
                      "downloadUri informationUri globalMessageStrings "
                      "notifications rules taxa locations language contents "
                      "isComprehensive localizedDataSemanticVersion "
                      "minimumRequiredLocalizedDataSemanticVersion "
                      "associatedComponent translationMetadata "
                      "supportedTaxonomies properties", "name"),
    "reportingDescriptor": ("id deprecatedIds guid deprecatedGuids name "
                            "deprecatedNames shortDescription fullDescription "
                            "messageStrings defaultConfiguration helpUri help "
                            "relationships properties", "id"),
    "reportingConfiguration": ("enabled level rank parameters properties",
                               ""),
    "mfms": ("text markdown properties", "text"),
    "result": ("ruleId ruleIndex rule kind level message analysisTarget "
               "locations guid correlationGuid occurrenceCount "
               "partialFingerprints fingerprints stacks codeFlows graphs "
               "graphTraversals relatedLocations suppressions baselineState "
               "rank attachments hostedViewerUri workItemUris provenance "
               "fixes taxa webRequest webResponse properties", "message"),
    "message": ("text markdown id arguments properties", ""),
    "location": ("id physicalLocation logicalLocations message annotations "
                 "relationships properties", ""),
    "physicalLocation": ("address artifactLocation region contextRegion "
                         "properties", ""),
    "artifactLocation": ("uri uriBaseId index description properties", ""),
    "region": ("startLine startColumn endLine endColumn charOffset "
               "charLength byteOffset byteLength snippet message "
               "sourceLanguage properties", ""),
}
def shape(obj, kind, where):
    if not isinstance(obj, dict):
        die("%s is not an object" % where)
    allowed, required = (set(x.split()) for x in A[kind])
    extra = set(obj) - allowed
    if extra:
        die("%s (%s) has properties SARIF does not define: %s"
            % (where, kind, sorted(extra)))
    if required - set(obj):
        die("%s (%s) lacks %s" % (where, kind, sorted(required - set(obj))))
shape(doc, "log", "log")
shape(run, "run", "run")
shape(run["tool"], "tool", "tool")
shape(driver, "toolComponent", "driver")
for i, r in enumerate(rules):
    w = "rules[%d]" % i
    shape(r, "reportingDescriptor", w)
    for k in ("shortDescription", "fullDescription", "help"):
        if k in r:
            shape(r[k], "mfms", w + "." + k)
    if "defaultConfiguration" in r:
        shape(r["defaultConfiguration"], "reportingConfiguration",
              w + ".defaultConfiguration")
        lv = r["defaultConfiguration"].get("level", "warning")
        if lv not in ("none", "note", "warning", "error"):
            die("%s: bad level %r" % (w, lv))
for i, res in enumerate(results):
    w = "results[%d]" % i
    shape(res, "result", w)
    shape(res["message"], "message", w + ".message")
    if res.get("kind", "fail") not in ("notApplicable", "pass", "fail",
                                       "review", "open", "informational"):
        die("%s: bad kind" % w)
    for j, l in enumerate(res.get("locations", [])):
        shape(l, "location", "%s.locations[%d]" % (w, j))
        pl = l.get("physicalLocation")
        if pl is not None:
            shape(pl, "physicalLocation", w + ".physicalLocation")
            shape(pl["artifactLocation"], "artifactLocation",
                  w + ".artifactLocation")
            rg = pl.get("region", {})
            shape(rg, "region", w + ".region")
            for k in ("startLine", "startColumn", "endLine", "endColumn"):
                if k in rg and (type(rg[k]) is not int or rg[k] < 1):
                    die("%s.region.%s = %r" % (w, k, rg[k]))
    for k, v in res.get("partialFingerprints", {}).items():
        if not isinstance(v, str):
            die("%s: partialFingerprints values must be strings" % w)
if schema:
    import jsonschema
    with open(schema) as fh:
        s = json.load(fh)
    try:
        jsonschema.Draft7Validator(s).validate(doc)
    except jsonschema.ValidationError as ex:
        die("schema: %s at %s" % (ex.message, list(ex.absolute_path)))
PY
}

assert_status 1 "$TOKENGUARD" scan --format sarif corpus
cp "$OUT" sarif.out
check_sarif sarif.out "[('corpus/.npmrc', 1, 'npm-token', '$t1'),
    ('corpus/my dir/app.env', 2, 'github-token', '$t2')]"
assert_no_secret "$t1" sarif.out "$ERR"
assert_no_secret "$t2" sarif.out "$ERR"

# Whether the driver lists every built-in rule (not required: a note).
python3 - sarif.out <<'PY' || note "SARIF driver.rules lists only the rules used"
import json, sys
ids = {r["id"] for r in json.load(open(sys.argv[1]))["runs"][0]["tool"]
       ["driver"]["rules"]}
builtin = {"npm-token", "github-token", "npm-legacy-token", "npmrc-auth",
           "npmrc-password", "npmrc-authtoken", "yarn-auth-token",
           "yarn-auth-ident", "private-key", "url-credentials",
           "env-npm-token"}
if builtin - ids:
    sys.exit(1)
PY

# A clean scan is still one document, with an empty results array.
mkdir empty
assert_status 0 "$TOKENGUARD" scan --format sarif empty
check_sarif "$OUT" "[]"

# stdin in SARIF.
printf 'NPM_TOKEN=%s\n' "$t1" >stdin.txt
assert_status 1 "$TOKENGUARD" scan --format sarif - <stdin.txt
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["runs"][0]["results"]) == 1, "one result expected"
' "$OUT" || fail "SARIF for stdin"
assert_no_secret "$t1" "$OUT" "$ERR"
