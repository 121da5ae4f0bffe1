/*
 * gencorpus: writes the corpus that `make bench` (tests/bench/run.sh)
 * measures. From a seed, deterministically: one large text file of mixed,
 * realistic content (C, JavaScript, Python, Kubernetes and CI YAML,
 * package.json and lockfile JSON, Terraform, Markdown, .npmrc, .env,
 * Dockerfiles, logs, minified bundles) and a tree of many small files of
 * the same kinds, with planted secrets at known places and near misses
 * that must not be reported. Each gets a manifest, one entry a line:
 *
 *   E <kind> <line> <column> <fingerprint|-> <path>   a planted secret
 *   D <kind> <line> <path>                           a near miss
 *
 * Line and column are 1-based; line 0 means "any line" (binary files).
 * Checksum-valid tokens are made at run time with token_generate(); no
 * manifest holds a secret, only fingerprints.
 *
 * Usage: gencorpus [-s SEED] [-m MIB] [-n FILES] DIR
 * writes DIR/big.txt (at least MIB MiB, none when 0) and
 * DIR/big.manifest, DIR/tree/ (FILES files, none when 0) and
 * DIR/tree.manifest, then DIR/corpus.info ("key value" lines).
 * Exit status 0, 1 when writing fails, 2 on bad usage.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "finding.h"
#include "token.h"

#define BUF_SIZE (1u << 20)
#define PIECE_MAX 2048

/* Document kinds: C, JavaScript, ..., binary (tree only) */
enum {
	K_C, K_JS, K_PY, K_MD, K_K8S, K_CI, K_PKG, K_LOCK, K_TFSTATE,
	K_NPMRC, K_YARNRC, K_ENV, K_DOCKER, K_TF, K_LOG, K_MIN, K_BIN,
	K_COUNT
};

struct gen {
	uint64_t rng;
	uint64_t seed;
	uint64_t serial;	/* tokens made so far; seeds token_generate() */
	int fd;
	char *buf;
	size_t len;
	uint64_t off;		/* bytes of this output, buffered ones too */
	uint64_t line;		/* number of the line being written */
	uint64_t line_off;	/* offset of its first byte */
	char path[1024];	/* the output, as the manifest names it */
	FILE *manifest;
	bool binary;		/* lines mean nothing in this output */
	uint64_t doc_off;	/* where the current document started */
	bool plant;		/* the document still owes a planted secret */
	uint64_t plant_at;	/* ... once it is this long */
	uint64_t expected;
	uint64_t decoys;
	uint64_t kind_bytes[K_COUNT];	/* bytes per document kind */
	uint64_t bytes;		/* of all outputs */
	uint64_t lines;
	bool failed;
	struct err e;
};

typedef void plant_fn(struct gen *g);

/* Output */

static void
flush(struct gen *g)
{
	size_t done = 0;

	while (done < g->len && !g->failed) {
		ssize_t n = write(g->fd, g->buf + done, g->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			(void)err_errno(&g->e, "write '%s'", g->path);
			g->failed = true;
			break;
		}
		done += (size_t)n;
	}
	g->len = 0;
}

/* Appends s[0..n), keeping line numbers up to date. */
static void
putn(struct gen *g, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *q;

	assert(n <= BUF_SIZE);
	if (g->len + n > BUF_SIZE)
		flush(g);
	memcpy(g->buf + g->len, s, n);
	g->len += n;
	while ((q = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		g->line++;
		g->line_off = g->off + (uint64_t)(q - s) + 1;
		p = q + 1;
	}
	g->off += n;
}

static void
put(struct gen *g, const char *s)
{
	putn(g, s, strlen(s));
}

static void putf(struct gen *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
putf(struct gen *g, const char *fmt, ...)
{
	char tmp[PIECE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert(n >= 0 && (size_t)n < sizeof(tmp));
	putn(g, tmp, (size_t)n);
}

static uint64_t
column(const struct gen *g)
{
	return g->off - g->line_off + 1;
}

/* Randomness: splitmix64, reproducible from the seed. */

static uint64_t
next(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n). */
static uint32_t
rnd(struct gen *g, uint32_t n)
{
	return (uint32_t)(((next(g) >> 32) * n) >> 32);
}

/* True with probability permille / 1000. */
static bool
chance(struct gen *g, uint32_t permille)
{
	return rnd(g, 1000) < permille;
}

static uint32_t
between(struct gen *g, uint32_t lo, uint32_t hi)
{
	return lo + rnd(g, hi - lo + 1);
}

#define NELEM(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define PICK(g, a) ((a)[rnd((g), NELEM(a))])

/*
 * A document size with a long tail, roughly log-normal: most files of a
 * repository are a few KiB, a few are much larger.
 */
static uint32_t
lognormal(struct gen *g, uint32_t median, uint32_t lo, uint32_t hi)
{
	/* Irwin-Hall: the sum of 4 uniforms, centred, is close to normal. */
	int64_t s = 0;
	double x, f;
	uint64_t v;
	int k;

	for (int i = 0; i < 4; i++)
		s += rnd(g, 1u << 16);
	/* standard deviation of log2(size): about 1.6 */
	x = ((double)s / 65536.0 - 2.0) * 1.6 / 0.57735;
	k = (int)(x < 0 ? x - 1 : x);
	f = x - k;
	v = median;
	if (k >= 0)
		v = k > 20 ? (uint64_t)hi : v << k;
	else
		v = k < -20 ? 0 : v >> -k;
	v = (uint64_t)((double)v * (1.0 + f));
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return (uint32_t)v;
}

/* Vocabulary */

static const char *const WORDS[] = {
	"the", "of", "and", "to", "a", "in", "is", "that", "for", "it",
	"with", "as", "on", "be", "this", "by", "are", "from", "or", "an",
	"not", "when", "which", "can", "if", "all", "will", "each", "one",
	"new", "more", "other", "after", "before", "only", "also", "then",
	"build", "release", "package", "version", "install", "dependency",
	"module", "server", "client", "request", "response", "cache", "file",
	"directory", "path", "config", "option", "default", "value", "key",
	"list", "map", "error", "warning", "message", "user", "account",
	"project", "service", "deploy", "cluster", "node", "container",
	"image", "registry", "scope", "publish", "update", "change", "test",
	"check", "run", "step", "job", "pipeline", "branch", "commit", "merge",
	"review", "issue", "fix", "support", "feature", "document", "example",
	"section", "table", "field", "type", "string", "number", "object",
	"array", "function", "method", "class", "return", "call", "handler",
	"event", "stream", "buffer", "size", "limit", "time", "date", "log",
	"level", "output", "input", "read", "write", "open", "close", "start",
	"stop", "retry", "timeout", "network", "proxy", "mirror", "local",
	"remote", "upstream", "workspace", "monorepo", "lockfile", "script",
	"hook", "plugin", "loader", "parser", "schema", "query", "result",
	"report", "metric", "trace", "span", "queue", "worker", "task",
	"schedule", "backup", "restore", "migration", "database", "table",
	"index", "column", "row", "page", "route", "view", "component",
	"state", "store", "action", "reducer", "context", "provider", "theme",
	"style", "layout", "header", "footer", "button", "form", "field",
	"validation", "permission", "role", "team", "organization", "owner",
	"maintainer", "contributor", "license", "readme", "changelog",
	"quickly", "safely", "usually", "always", "never", "often", "here",
	"there", "we", "you", "they", "our", "your", "their", "should",
	"must", "may", "might", "would", "could", "does", "has", "have",
	"was", "were", "been", "being", "into", "over", "under", "between",
	"without", "within", "through", "during", "because", "while",
};

static const char *const PARTS[] = {
	"user", "config", "request", "response", "buffer", "handler", "cache",
	"client", "server", "session", "item", "list", "map", "node", "value",
	"index", "count", "result", "error", "options", "context", "state",
	"event", "data", "path", "file", "name", "key", "port", "host",
	"url", "query", "payload", "header", "stream", "parser", "logger",
	"module", "package", "version", "registry", "scope", "entry", "table",
	"queue", "worker", "job", "task", "timer", "retry", "limit", "offset",
	"length", "size", "flags", "mode", "kind", "id", "uid", "ref", "tree",
	"blob", "commit", "branch", "diff", "hunk", "line", "col", "pos",
	"start", "end", "next", "prev", "head", "tail", "root", "parent",
	"child", "token", "lexer", "scanner", "reader", "writer", "format",
	"encode", "decode", "hash", "digest", "sign", "verify", "load",
	"save", "open", "close", "init", "free", "alloc", "copy", "move",
	"find", "match", "split", "join", "trim", "parse", "emit", "flush",
};

static const char *const VERBS[] = {
	"get", "set", "load", "save", "parse", "build", "create", "update",
	"delete", "find", "resolve", "fetch", "send", "read", "write", "open",
	"close", "init", "reset", "check", "validate", "render", "handle",
	"process", "apply", "merge", "split", "format", "encode", "decode",
	"flush", "emit", "register", "lookup", "compare", "sort", "filter",
};

static const char *const PKGS[] = {
	"react", "react-dom", "lodash", "express", "chalk", "debug",
	"commander", "typescript", "webpack", "eslint", "jest", "axios",
	"semver", "uuid", "minimist", "yargs", "glob", "rimraf", "mkdirp",
	"async", "moment", "dotenv", "ms", "mime", "qs", "body-parser",
	"cookie", "cors", "ws", "pg", "redis", "mongoose", "prettier", "vite",
	"rollup", "esbuild", "tslib", "zod", "undici", "node-fetch", "chokidar",
	"fs-extra", "inquirer", "ora", "picocolors", "nanoid", "date-fns",
	"@babel/core", "@babel/preset-env", "@types/node", "@types/react",
	"@octokit/rest", "@aws-sdk/client-s3", "@typescript-eslint/parser",
	"@vitejs/plugin-react", "@testing-library/react", "@nestjs/core",
	"@corp/design-system", "@corp/eslint-config", "@corp/logger",
};

static const char *const HOSTS[] = {
	"api.github.com", "registry.npmjs.org", "npm.pkg.github.com",
	"registry.yarnpkg.com", "nodejs.org", "docs.npmjs.com",
	"developer.mozilla.org", "npm.corp-internal.net",
	"artifactory.corp-internal.net", "gitlab.corp-internal.net",
	"storage.googleapis.com", "s3.amazonaws.com", "cdn.jsdelivr.net",
	"unpkg.com", "hub.docker.com", "kubernetes.io", "grafana.corp.io",
	"sentry.io", "status.corp.io", "auth.corp.io", "www.w3.org",
};

/* Text pieces */

static void
put_word(struct gen *g)
{
	put(g, PICK(g, WORDS));
}

static void
put_words(struct gen *g, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			putn(g, " ", 1);
		put_word(g);
	}
}

static void
put_sentence(struct gen *g)
{
	const char *w = PICK(g, WORDS);
	unsigned n = between(g, 5, 18);
	char c = w[0] >= 'a' && w[0] <= 'z' ? (char)(w[0] - 'a' + 'A') : w[0];

	putn(g, &c, 1);
	put(g, w + 1);
	for (unsigned i = 1; i < n; i++) {
		if (chance(g, 60))
			putn(g, ",", 1);
		putn(g, " ", 1);
		if (chance(g, 30)) {
			putf(g, "`%s`", PICK(g, PARTS));
			continue;
		}
		put_word(g);
	}
	putn(g, ".", 1);
}

static void
put_snake(struct gen *g)
{
	unsigned n = between(g, 1, 3);

	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			putn(g, "_", 1);
		put(g, PICK(g, PARTS));
	}
}

static void
put_camel(struct gen *g)
{
	unsigned n = between(g, 1, 3);

	put(g, PICK(g, VERBS));
	for (unsigned i = 0; i < n; i++) {
		const char *p = PICK(g, PARTS);
		char c = (char)(p[0] - 'a' + 'A');

		putn(g, &c, 1);
		put(g, p + 1);
	}
}

static void
put_charset(struct gen *g, const char *set, unsigned setlen, unsigned n)
{
	char tmp[PIECE_MAX];

	assert(n <= sizeof(tmp));
	for (unsigned i = 0; i < n; i++)
		tmp[i] = set[rnd(g, setlen)];
	putn(g, tmp, n);
}

static const char HEX[] = "0123456789abcdef";
static const char B62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static const char B64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
put_hex(struct gen *g, unsigned n)
{
	put_charset(g, HEX, 16, n);
}

static void
put_b64(struct gen *g, unsigned n)
{
	put_charset(g, B64, 64, n);
}

static void
make_uuid(struct gen *g, char out[37])
{
	uint64_t a = next(g), b = next(g);

	(void)snprintf(out, 37, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64
	    "-%04" PRIx64 "-%012" PRIx64, a >> 32, (a >> 16) & 0xffff,
	    a & 0xffff, b >> 48, b & (uint64_t)0xffffffffffff);
}

static void
put_uuid(struct gen *g)
{
	char u[37];

	make_uuid(g, u);
	putn(g, u, 36);
}

static void
put_version(struct gen *g)
{
	putf(g, "%u.%u.%u", rnd(g, 12), rnd(g, 30), rnd(g, 20));
}

static void
put_url(struct gen *g)
{
	putf(g, "https://%s/%s/%s", PICK(g, HOSTS), PICK(g, PARTS),
	    PICK(g, PARTS));
}

/* Base64 of s[0..n) into out (NUL-terminated), for planted encodings. */
static void
base64(char *out, size_t outsize, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;

	assert(outsize >= (n + 2) / 3 * 4 + 1);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)u[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)u[i + 1] << 8;
		if (i + 2 < n)
			v |= u[i + 2];
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? B64[v & 63] : '=';
	}
	out[o] = '\0';
}

static void
random_b62(struct gen *g, char *out, size_t n)
{
	/* Both a digit and a letter, so that it always reads as a secret. */
	for (size_t i = 0; i < n; i++)
		out[i] = B62[rnd(g, 62)];
	out[0] = B62[rnd(g, 10)];
	out[1] = B62[10 + rnd(g, 52)];
	out[n] = '\0';
}

/* Manifest */

static void
decoy(struct gen *g, const char *kind)
{
	if (fprintf(g->manifest, "D %s %" PRIu64 " %s\n", kind,
	    g->binary ? 0 : g->line, g->path) < 0) {
		(void)err_errno(&g->e, "write manifest");
		g->failed = true;
	}
	g->decoys++;
}

/* Records a planted secret starting at the current position. */
static void
expect(struct gen *g, const char *kind, const char *value, size_t len)
{
	char fp[FINGERPRINT_SIZE];

	if (finding_fingerprint(fp, value, len, &g->e) < 0) {
		g->failed = true;
		return;
	}
	if (fprintf(g->manifest, "E %s %" PRIu64 " %" PRIu64 " %s %s\n", kind,
	    g->binary ? 0 : g->line, g->binary ? 0 : column(g), fp,
	    g->path) < 0) {
		(void)err_errno(&g->e, "write manifest");
		g->failed = true;
	}
	g->expected++;
}

static void
make_token(struct gen *g, char tok[TOKEN_LEN + 1], const char *prefix)
{
	token_generate(tok, prefix, g->seed << 24 ^ g->serial++);
}

/* Writes a planted checksum-valid token. */
static void
put_token(struct gen *g, const char *prefix)
{
	char tok[TOKEN_LEN + 1];

	make_token(g, tok, prefix);
	expect(g, strcmp(prefix, "npm_") == 0 ? "npm" : "github", tok,
	    TOKEN_LEN);
	putn(g, tok, TOKEN_LEN);
}

static void
put_npm_token(struct gen *g)
{
	put_token(g, "npm_");
}

/* Writes a planted credential value of another kind. */
static void
put_secret(struct gen *g, const char *kind, const char *value)
{
	expect(g, kind, value, strlen(value));
	put(g, value);
}

/*
 * Near misses of the token shape, which must not be reported: a wrong
 * checksum, a checksum failing the 0-4 pre-check, a valid token glued to
 * a word character on either side, a placeholder.
 */
static void
put_bad_token(struct gen *g, bool keyed)
{
	char tok[TOKEN_LEN + 1];
	uint32_t how = rnd(g, 10);

	/*
	 * As the value of a credential key, a string that is not exactly of
	 * the token shape is an ordinary secret value (RULES.md section 3):
	 * no glued tokens there.
	 */
	if (keyed && (how == 6 || how == 7))
		how = 0;

	make_token(g, tok, how == 9 ? "ghp_" : "npm_");
	if (how < 4) {
		decoy(g, "bad-checksum");
		tok[TOKEN_LEN - 1] = tok[TOKEN_LEN - 1] == 'a' ? 'b' : 'a';
	} else if (how < 6) {
		decoy(g, "bad-precheck");
		tok[TOKEN_BODY + 4] = "56789XYZabcxyz"[rnd(g, 14)];
	} else if (how < 7) {
		decoy(g, "boundary");
		putn(g, "x", 1);
	} else if (how < 8) {
		decoy(g, "boundary");
		putn(g, tok, TOKEN_LEN);
		put(g, chance(g, 500) ? "_v2" : "Q");
		return;
	} else if (how < 9) {
		decoy(g, "placeholder");
		memset(tok + 4, chance(g, 500) ? 'X' : 'x', TOKEN_LEN - 4);
	} else {
		decoy(g, "bad-checksum");
		tok[TOKEN_LEN - 1] = tok[TOKEN_LEN - 1] == 'a' ? 'b' : 'a';
	}
	putn(g, tok, TOKEN_LEN);
}

static const char *const REFERENCES[] = {
	"${NPM_TOKEN}", "${NPM_TOKEN?}", "${NPM_TOKEN:?NPM_TOKEN is unset}",
	"${NPM_TOKEN-}", "${NPM_TOKEN:-}", "$NPM_TOKEN", "$(cat /run/npm)",
	"%NPM_TOKEN%", "${{ secrets.NPM_TOKEN }}", "{{ .Values.npmToken }}",
	"#{NpmToken}#", "__NPM_TOKEN__", "@@NPM_TOKEN@@",
	"op://ci/npm/credential", "vault:secret/data/ci/npm#token",
	"arn:aws:secretsmanager:eu-west-1:123456789012:secret:npm-AbCdEf",
	"ENC[AES256_GCM,data:Zm9vYmFy,iv:aXY=,tag:dGFn,type:str]",
	"process.env.NPM_TOKEN", "var.npm_token", "local.npm_token",
	"secrets.NPM_TOKEN", "credentials('npm-token')",
	"lookup('env', 'NPM_TOKEN')",
};

static const char *const PLACEHOLDERS[] = {
	"<your-npm-token>", "<NPM_TOKEN>", "YOUR_NPM_TOKEN", "NPM_TOKEN",
	"MYTOKEN", "xxxxxxxxxxxxxxxxxxxxxxxx", "********", "...",
	"\xe2\x80\xa6",
	"your-token-here", "example-token-1234", "placeholder", "changeme",
	"REPLACE_ME", "redacted", "dummy-token-for-tests", "fake-npm-token",
	"sample_token_value", "todo-set-real-token", "00000000000000000000",
	"00000000-0000-0000-0000-000000000000",
};

static void
put_reference(struct gen *g)
{
	decoy(g, "reference");
	put(g, PICK(g, REFERENCES));
}

static void
put_placeholder(struct gen *g)
{
	decoy(g, "placeholder");
	put(g, PICK(g, PLACEHOLDERS));
}

/* A credential value that must not be reported. */
static void
put_not_secret(struct gen *g)
{
	uint32_t r = rnd(g, 10);

	if (r < 5)
		put_reference(g);
	else if (r < 8)
		put_placeholder(g);
	else
		put_bad_token(g, true);
}

/* Planting */

static void
plant_point(struct gen *g, plant_fn *fn)
{
	if (g->plant && g->off - g->doc_off >= g->plant_at) {
		g->plant = false;
		fn(g);
	}
}

static void
plant_end(struct gen *g, plant_fn *fn)
{
	if (g->plant) {
		g->plant = false;
		fn(g);
	}
}

static bool
doc_more(const struct gen *g, uint64_t size)
{
	return g->off - g->doc_off < size && !g->failed;
}

/* C */

static const char *const C_TYPES[] = {
	"int", "size_t", "ssize_t", "unsigned", "uint32_t", "uint64_t",
	"bool", "char *", "const char *", "struct buf *", "struct node *",
};

static const char *const C_HEADERS[] = {
	"stdio.h", "stdlib.h", "string.h", "errno.h", "stdint.h",
	"stdbool.h", "unistd.h", "fcntl.h", "sys/stat.h", "assert.h",
	"pthread.h", "zlib.h", "git2.h", "curl/curl.h", "openssl/evp.h",
};

static void
c_stmt(struct gen *g)
{
	switch (rnd(g, 12)) {
	case 0:
		put(g, "\t");
		put_snake(g);
		put(g, " = ");
		put_snake(g);
		putf(g, "(%s, %u);\n", PICK(g, PARTS), rnd(g, 4096));
		break;
	case 1:
		putf(g, "\tif (%s == NULL)\n\t\treturn -1;\n", PICK(g, PARTS));
		break;
	case 2:
		put(g, "\t/* ");
		put_sentence(g);
		put(g, " */\n");
		break;
	case 3:
		putf(g, "\tmemcpy(%s->%s, %s, sizeof(%s->%s));\n",
		    PICK(g, PARTS), PICK(g, PARTS), PICK(g, PARTS),
		    PICK(g, PARTS), PICK(g, PARTS));
		break;
	case 4:
		put(g, "\ttok = lexer_next_token(lx);\n"
		    "\tif (tok.kind == TOK_EOF)\n\t\tbreak;\n");
		break;
	case 5:
		putf(g, "\tn = snprintf(url, sizeof(url), \"https://%s/v1/"
		    "%s/%%s\", name);\n", PICK(g, HOSTS), PICK(g, PARTS));
		break;
	case 6:
		putf(g, "\tfor (i = 0; i < %s->len; i++)\n"
		    "\t\t%s += %s->items[i];\n", PICK(g, PARTS),
		    PICK(g, PARTS), PICK(g, PARTS));
		break;
	case 7:
		putf(g, "\terr = %s_%s(%s, &%s);\n\tif (err < 0)\n"
		    "\t\tgoto out;\n", PICK(g, PARTS), PICK(g, VERBS),
		    PICK(g, PARTS), PICK(g, PARTS));
		break;
	case 8:
		put(g, "\tlog_debug(\"");
		put_words(g, between(g, 3, 8));
		putf(g, ": %%s\", %s);\n", PICK(g, PARTS));
		break;
	case 9:
		putf(g, "\t%s->%s = %s;\n", PICK(g, PARTS), PICK(g, PARTS),
		    PICK(g, PARTS));
		break;
	case 10:
		putf(g, "\tswitch (%s->kind) {\n\tcase KIND_%s:\n"
		    "\t\treturn %u;\n\tdefault:\n\t\tbreak;\n\t}\n",
		    PICK(g, PARTS), PICK(g, PARTS), rnd(g, 64));
		break;
	default:
		putf(g, "\t%s %s = 0;\n", PICK(g, C_TYPES), PICK(g, PARTS));
		break;
	}
}

static void
plant_c(struct gen *g)
{
	switch (rnd(g, 3)) {
	case 0:
		put(g, "static const char *fallback_token = \"");
		put_npm_token(g);
		put(g, "\";\n\n");
		break;
	case 1:
		put(g, "/* TODO remove before release: ");
		put_npm_token(g);
		put(g, " */\n");
		break;
	default:
		put(g, "static void\nci_setup(void)\n{\n"
		    "\t(void)setenv(\"NPM_TOKEN\", \"");
		put_npm_token(g);
		put(g, "\", 1);\n}\n\n");
		break;
	}
}

static void
doc_c(struct gen *g, uint64_t size)
{
	unsigned n = between(g, 3, 7);

	put(g, "/*\n * ");
	put_snake(g);
	put(g, ".c: ");
	put_sentence(g);
	put(g, "\n * ");
	put_sentence(g);
	put(g, "\n */\n");
	for (unsigned i = 0; i < n; i++)
		putf(g, "#include <%s>\n", PICK(g, C_HEADERS));
	put(g, "\n");
	if (chance(g, 200))
		putf(g, "#define REGISTRY_URL \"https://%s/\"\n",
		    PICK(g, HOSTS));
	if (chance(g, 100)) {
		put(g, "#define TOKEN_ENV \"");
		decoy(g, "allcaps");
		put(g, "NPM_TOKEN\"\n");
	}
	putf(g, "#define %s_MAX %u\n\n", PICK(g, PARTS), 1u << rnd(g, 16));
	while (doc_more(g, size)) {
		unsigned stmts = between(g, 2, 14);

		plant_point(g, plant_c);
		if (chance(g, 400)) {
			put(g, "/*\n * ");
			put_sentence(g);
			put(g, "\n * ");
			put_sentence(g);
			put(g, "\n */\n");
		}
		putf(g, "static %s\n", PICK(g, C_TYPES));
		put_snake(g);
		putf(g, "_%s(struct %s *%s, const char *buf, size_t len)\n{\n",
		    PICK(g, VERBS), PICK(g, PARTS), PICK(g, PARTS));
		putf(g, "\tsize_t i;\n\tint err = -1;\n\n");
		for (unsigned i = 0; i < stmts; i++)
			c_stmt(g);
		if (chance(g, 30)) {
			put(g, "\t/* test vector: ");
			put_bad_token(g, false);
			put(g, " */\n");
		}
		put(g, "\terr = 0;\nout:\n\treturn err;\n}\n\n");
	}
	plant_end(g, plant_c);
}

/* JavaScript */

static void
js_stmt(struct gen *g)
{
	switch (rnd(g, 12)) {
	case 0:
		put(g, "  const ");
		put_camel(g);
		put(g, " = await ");
		put_camel(g);
		putf(g, "(%s, { %s: %u });\n", PICK(g, PARTS), PICK(g, PARTS),
		    rnd(g, 1000));
		break;
	case 1:
		putf(g, "  const res = await fetch(`https://%s/api/v%u/%s/"
		    "${%s}`, {\n    headers: { 'content-type': "
		    "'application/json' },\n  });\n", PICK(g, HOSTS),
		    between(g, 1, 3), PICK(g, PARTS), PICK(g, PARTS));
		break;
	case 2:
		put(g, "  // ");
		put_sentence(g);
		put(g, "\n");
		break;
	case 3:
		putf(g, "  if (!%s) {\n    throw new Error(`", PICK(g, PARTS));
		put_words(g, between(g, 3, 7));
		putf(g, ": ${%s}`);\n  }\n", PICK(g, PARTS));
		break;
	case 4:
		put(g, "  const token = tokens[i++];\n"
		    "  if (token.type === 'punct') continue;\n");
		break;
	case 5:
		putf(g, "  for (const %s of %s) {\n    %s.push(%s.%s);\n  }\n",
		    PICK(g, PARTS), PICK(g, PARTS), PICK(g, PARTS),
		    PICK(g, PARTS), PICK(g, PARTS));
		break;
	case 6:
		if (chance(g, 300)) {
			put(g, "  const token = ");
			put_reference(g);
			put(g, ";\n");
		} else {
			put(g, "  const accessToken = await session."
			    "getAccessToken();\n");
		}
		break;
	case 7:
		putf(g, "  logger.%s('", chance(g, 500) ? "info" : "debug");
		put_words(g, between(g, 3, 9));
		putf(g, "', { %s });\n", PICK(g, PARTS));
		break;
	case 8:
		putf(g, "  return { ...%s, %s: %s.%s ?? null };\n",
		    PICK(g, PARTS), PICK(g, PARTS), PICK(g, PARTS),
		    PICK(g, PARTS));
		break;
	case 9:
		if (chance(g, 150)) {
			put(g, "  const fixture = '");
			put_bad_token(g, false);
			put(g, "';\n");
		} else if (chance(g, 200)) {
			put(g, "  const password = form.elements.password."
			    "value;\n");
		} else {
			putf(g, "  const %s = %s.%s(%s);\n", PICK(g, PARTS),
			    PICK(g, PARTS), PICK(g, VERBS), PICK(g, PARTS));
		}
		break;
	case 10:
		put(g, "  const opts = { authToken: ");
		if (chance(g, 200))
			put_not_secret(g);
		else
			put(g, "options.authToken");
		put(g, ", retries: 3 };\n");
		break;
	default:
		putf(g, "  %s.%s = %s;\n", PICK(g, PARTS), PICK(g, PARTS),
		    PICK(g, PARTS));
		break;
	}
}

static void
plant_js(struct gen *g)
{
	switch (rnd(g, 4)) {
	case 0:
		put(g, "const NPM_TOKEN = '");
		put_npm_token(g);
		put(g, "';\n\n");
		break;
	case 1:
		put(g, "const client = new Registry({\n  headers: { "
		    "authorization: `Bearer ");
		put_npm_token(g);
		put(g, "` },\n});\n\n");
		break;
	case 2:
		put(g, "module.exports = { registry: 'https://registry.npmjs"
		    ".org/', token: \"");
		put_npm_token(g);
		put(g, "\" };\n\n");
		break;
	default:
		put(g, "await fetch('https://npm.corp-internal.net/-/whoami"
		    "?token=");
		put_npm_token(g);
		put(g, "&v=1');\n\n");
		break;
	}
}

static void
doc_js(struct gen *g, uint64_t size)
{
	unsigned n = between(g, 2, 9);

	put(g, "'use strict';\n\n");
	for (unsigned i = 0; i < n; i++) {
		const char *p = PICK(g, PKGS);

		if (chance(g, 500)) {
			put(g, "import { ");
			put_camel(g);
			putf(g, " } from '%s';\n", p);
		} else {
			put(g, "const ");
			put_camel(g);
			putf(g, " = require('%s');\n", p);
		}
	}
	put(g, "\n");
	while (doc_more(g, size)) {
		unsigned stmts = between(g, 2, 12);

		plant_point(g, plant_js);
		if (chance(g, 150)) {
			putf(g, "describe('%s', () => {\n  it('",
			    PICK(g, PARTS));
			put_words(g, between(g, 3, 8));
			put(g, "', async () => {\n    expect(await ");
			put_camel(g);
			putf(g, "(%u)).toBe(%u);\n  });\n});\n\n", rnd(g, 99),
			    rnd(g, 99));
			continue;
		}
		put(g, "/**\n * ");
		put_sentence(g);
		put(g, "\n */\n");
		put(g, chance(g, 400) ? "export async function " :
		    "async function ");
		put_camel(g);
		putf(g, "(%s, options = {}) {\n", PICK(g, PARTS));
		for (unsigned i = 0; i < stmts; i++)
			js_stmt(g);
		putf(g, "  return %s;\n}\n\n", PICK(g, PARTS));
	}
	plant_end(g, plant_js);
}

/* Minified bundles: one very long line. */

static void
plant_min(struct gen *g)
{
	put(g, ",cfg={registry:\"https://registry.npmjs.org/\",token:\"");
	put_npm_token(g);
	put(g, "\"};");
}

static void
doc_min(struct gen *g, uint64_t size)
{
	put(g, "/*! bundle.min.js | MIT */!function(e,t){\"object\"==typeof "
	    "exports&&\"undefined\"!=typeof module?module.exports=t():"
	    "\"function\"==typeof define&&define.amd?define(t):(e=e||self)."
	    "Bundle=t()}(this,function(){\"use strict\";");
	while (doc_more(g, size)) {
		plant_point(g, plant_min);
		switch (rnd(g, 6)) {
		case 0:
			putf(g, "function %c%c(e,t,n){return e&&t.call(n,"
			    "\"https://%s/%s\")}", 'a' + rnd(g, 26),
			    'a' + rnd(g, 26), PICK(g, HOSTS), PICK(g, PARTS));
			break;
		case 1:
			putf(g, "var %c=%u,%c=\"%s\",%c=[];", 'a' + rnd(g, 26),
			    rnd(g, 9999), 'a' + rnd(g, 26), PICK(g, PARTS),
			    'a' + rnd(g, 26));
			break;
		case 2:
			putf(g, "if(!%c.%s)throw new Error(\"",
			    'a' + rnd(g, 26), PICK(g, PARTS));
			put_words(g, between(g, 2, 6));
			put(g, "\");");
			break;
		case 3:
			put(g, "e.token=t.token||null,e.authToken=n.headers."
			    "authorization;");
			break;
		case 4:
			putf(g, "for(var r=0;r<%c.length;r++)%c[r]=%c(r);",
			    'a' + rnd(g, 26), 'a' + rnd(g, 26),
			    'a' + rnd(g, 26));
			break;
		default:
			put(g, "return\"data:image/png;base64,");
			put_b64(g, between(g, 40, 400));
			put(g, "\"");
			break;
		}
	}
	plant_end(g, plant_min);
	put(g, "});\n");
}

/* Python */

static void
plant_py(struct gen *g)
{
	switch (rnd(g, 3)) {
	case 0:
		put(g, "NPM_TOKEN = \"");
		put_npm_token(g);
		put(g, "\"\n\n");
		break;
	case 1:
		put(g, "os.environ.setdefault(\"NPM_TOKEN\", \"");
		put_npm_token(g);
		put(g, "\")\n\n");
		break;
	default:
		put(g, "HEADERS = {\"Authorization\": \"Bearer ");
		put_npm_token(g);
		put(g, "\"}\n\n");
		break;
	}
}

static void
doc_py(struct gen *g, uint64_t size)
{
	put(g, "\"\"\"");
	put_sentence(g);
	put(g, "\n\n");
	put_sentence(g);
	put(g, "\n\"\"\"\n\nimport json\nimport os\nimport sys\n"
	    "import requests\n\n");
	while (doc_more(g, size)) {
		unsigned stmts = between(g, 2, 10);

		plant_point(g, plant_py);
		put(g, "def ");
		put_snake(g);
		putf(g, "(%s, %s=None):\n    \"\"\"", PICK(g, PARTS),
		    PICK(g, PARTS));
		put_sentence(g);
		put(g, "\"\"\"\n");
		for (unsigned i = 0; i < stmts; i++) {
			switch (rnd(g, 8)) {
			case 0:
				putf(g, "    resp = requests.get(f\"https://%s/"
				    "api/{%s}\", timeout=%u)\n"
				    "    resp.raise_for_status()\n",
				    PICK(g, HOSTS), PICK(g, PARTS),
				    between(g, 5, 60));
				break;
			case 1:
				put(g, "    # ");
				put_sentence(g);
				put(g, "\n");
				break;
			case 2:
				if (chance(g, 300)) {
					put(g, "    token = os.environ"
					    "[\"NPM_TOKEN\"]\n");
				} else {
					putf(g, "    %s = %s.get(\"%s\", %u)\n",
					    PICK(g, PARTS), PICK(g, PARTS),
					    PICK(g, PARTS), rnd(g, 100));
				}
				break;
			case 3:
				putf(g, "    for %s in %s:\n        %s.append("
				    "%s)\n", PICK(g, PARTS), PICK(g, PARTS),
				    PICK(g, PARTS), PICK(g, PARTS));
				break;
			case 4:
				putf(g, "    if not %s:\n        raise "
				    "ValueError(\"", PICK(g, PARTS));
				put_words(g, between(g, 3, 7));
				put(g, "\")\n");
				break;
			case 5:
				put(g, "    password = getpass.getpass("
				    "\"Password: \")\n");
				break;
			case 6:
				putf(g, "    with open(%s, encoding=\"utf-8\") "
				    "as fh:\n        %s = json.load(fh)\n",
				    PICK(g, PARTS), PICK(g, PARTS));
				break;
			default:
				putf(g, "    log.info(\"%%s %s\", %s)\n",
				    PICK(g, WORDS), PICK(g, PARTS));
				break;
			}
		}
		putf(g, "    return %s\n\n\n", PICK(g, PARTS));
	}
	plant_end(g, plant_py);
}

/* Markdown */

static void
plant_md(struct gen *g)
{
	switch (rnd(g, 3)) {
	case 0:
		put(g, "The CI account publishes with `");
		put_npm_token(g);
		put(g, "`, rotate it every 90 days.\n\n");
		break;
	case 1:
		put(g, "| environment | token | expires |\n|---|---|---|\n"
		    "| staging | ");
		put_npm_token(g);
		put(g, " | 2025-01-31 |\n\n");
		break;
	default:
		put(g, "```sh\nnpm config set "
		    "//registry.npmjs.org/:_authToken ");
		put_npm_token(g);
		put(g, "\n```\n\n");
		break;
	}
}

static void
doc_md(struct gen *g, uint64_t size)
{
	putf(g, "# %s %s\n\n", PICK(g, PARTS), PICK(g, WORDS));
	while (doc_more(g, size)) {
		plant_point(g, plant_md);
		switch (rnd(g, 10)) {
		case 0:
			putf(g, "## %s\n\n", PICK(g, WORDS));
			break;
		case 1:
			putf(g, "```sh\nnpm install --save %s\nnpm run build\n"
			    "npx %s --help\n```\n\n", PICK(g, PKGS),
			    PICK(g, PKGS));
			break;
		case 2:
			put(g, "```ini\n# .npmrc\n@corp:registry=https://"
			    "npm.pkg.github.com\n//npm.pkg.github.com/"
			    ":_authToken=");
			put_not_secret(g);
			put(g, "\n```\n\n");
			break;
		case 3:
			for (unsigned i = between(g, 2, 6); i > 0; i--) {
				put(g, "- ");
				put_sentence(g);
				put(g, "\n");
			}
			put(g, "\n");
			break;
		case 4:
			putf(g, "See [the %s docs](", PICK(g, PARTS));
			put_url(g);
			put(g, ") and ");
			put_sentence(g);
			put(g, "\n\n");
			break;
		case 5:
			if (chance(g, 300)) {
				put(g, "Set `NPM_TOKEN_FILE=/run/secrets/npm_"
				    "token`");
				decoy(g, "not-key");
				put(g, " to read the token from a file.\n\n");
			} else {
				put(g, "Tokens look like `");
				put_bad_token(g, false);
				put(g, "` (this one is not valid).\n\n");
			}
			break;
		case 6:
			if (chance(g, 100)) {
				put(g, "```\n");
				decoy(g, "cert");
				put(g, "-----BEGIN CERTIFICATE-----\n");
				for (unsigned i = between(g, 8, 20); i > 0;
				    i--) {
					put_b64(g, 64);
					put(g, "\n");
				}
				put(g, "-----END CERTIFICATE-----\n```\n\n");
				break;
			}
			put(g, "| option | default | description |\n"
			    "|---|---|---|\n");
			for (unsigned i = between(g, 2, 8); i > 0; i--) {
				putf(g, "| `%s` | `%u` | ", PICK(g, PARTS),
				    rnd(g, 100));
				put_words(g, between(g, 3, 10));
				put(g, " |\n");
			}
			put(g, "\n");
			break;
		default:
			put_sentence(g);
			put(g, " ");
			put_sentence(g);
			put(g, "\n");
			put_sentence(g);
			put(g, " ");
			put_sentence(g);
			put(g, "\n\n");
			break;
		}
	}
	plant_end(g, plant_md);
}

/* Kubernetes */

static void
k8s_meta(struct gen *g, const char *api, const char *kind)
{
	putf(g, "---\napiVersion: %s\nkind: %s\nmetadata:\n  name: %s-%s\n"
	    "  namespace: %s\n", api, kind, PICK(g, PARTS), PICK(g, PARTS),
	    PICK(g, PARTS));
	if (chance(g, 300)) {
		decoy(g, "uuid");
		put(g, "  uid: ");
		put_uuid(g);
		put(g, "\n");
	}
	putf(g, "  labels:\n    app.kubernetes.io/name: %s\n"
	    "    app.kubernetes.io/version: \"", PICK(g, PARTS));
	put_version(g);
	put(g, "\"\n  annotations:\n    link.argocd.argoproj.io/docs: ");
	put_url(g);
	put(g, "\n");
}

static void
k8s_container(struct gen *g, bool planted)
{
	putf(g, "spec:\n  replicas: %u\n  template:\n    spec:\n"
	    "      containers:\n        - name: %s\n"
	    "          image: registry.corp-internal.net/%s/%s:", between(g,
	    1, 6), PICK(g, PARTS), PICK(g, PARTS), PICK(g, PARTS));
	put_version(g);
	put(g, "\n          ports:\n            - containerPort: 8080\n"
	    "          env:\n            - name: NODE_ENV\n"
	    "              value: production\n            - name: "
	    "REGISTRY_URL\n              value: https://registry.npmjs.org/\n");
	if (planted) {
		char u[37];

		put(g, "            - name: NPM_TOKEN\n              value: ");
		if (chance(g, 700)) {
			put_npm_token(g);
		} else {
			make_uuid(g, u);
			put(g, "\"");
			put_secret(g, "legacy", u);
			put(g, "\"");
		}
		put(g, "\n");
	} else {
		decoy(g, "reference");
		put(g, "            - name: NPM_TOKEN\n"
		    "              valueFrom:\n"
		    "                secretKeyRef:\n"
		    "                  name: npm-credentials\n"
		    "                  key: token\n");
	}
	putf(g, "          resources:\n            limits:\n"
	    "              memory: %uMi\n", 128u << rnd(g, 4));
}

static void
plant_k8s(struct gen *g)
{
	char tok[TOKEN_LEN + 1], npmrc[128], b64[256];
	int n;

	switch (rnd(g, 3)) {
	case 0:
		k8s_meta(g, "apps/v1", "Deployment");
		k8s_container(g, true);
		break;
	case 1:
		k8s_meta(g, "v1", "Secret");
		make_token(g, tok, "npm_");
		n = snprintf(npmrc, sizeof(npmrc),
		    "//registry.npmjs.org/:_authToken=%s\n", tok);
		assert(n > 0 && (size_t)n < sizeof(npmrc));
		base64(b64, sizeof(b64), npmrc, (size_t)n);
		put(g, "type: Opaque\ndata:\n  .npmrc: ");
		expect(g, "npm-base64", tok, TOKEN_LEN);
		put(g, b64);
		put(g, "\n");
		break;
	default:
		k8s_meta(g, "v1", "Secret");
		put(g, "type: Opaque\nstringData:\n  NPM_TOKEN: ");
		put_npm_token(g);
		put(g, "\n");
		break;
	}
}

static void
doc_k8s(struct gen *g, uint64_t size)
{
	char b64[64];
	const char *w;

	while (doc_more(g, size)) {
		plant_point(g, plant_k8s);
		switch (rnd(g, 8)) {
		case 0:
		case 1:
		case 2:
			k8s_meta(g, "apps/v1", "Deployment");
			k8s_container(g, false);
			break;
		case 3:
			k8s_meta(g, "v1", "Service");
			putf(g, "spec:\n  type: ClusterIP\n  ports:\n"
			    "    - port: %u\n      targetPort: 8080\n"
			    "  selector:\n    app: %s\n", between(g, 80, 9000),
			    PICK(g, PARTS));
			break;
		case 4:
			k8s_meta(g, "v1", "ConfigMap");
			put(g, "data:\n");
			for (unsigned i = between(g, 2, 10); i > 0; i--) {
				putf(g, "  %s_%s: \"", PICK(g, PARTS),
				    PICK(g, PARTS));
				if (chance(g, 400))
					put_url(g);
				else
					put_words(g, between(g, 1, 4));
				put(g, "\"\n");
			}
			break;
		case 5:
			k8s_meta(g, "v1", "Secret");
			put(g, "type: Opaque\ndata:\n");
			decoy(g, "k8s-secret-benign");
			w = PICK(g, PARTS);
			base64(b64, sizeof(b64), w, strlen(w));
			putf(g, "  username: %s\n", b64);
			w = PICK(g, HOSTS);
			base64(b64, sizeof(b64), w, strlen(w));
			putf(g, "  host: %s\n  port: NTQzMg==\n", b64);
			break;
		case 6:
			k8s_meta(g, "bitnami.com/v1alpha1", "SealedSecret");
			put(g, "spec:\n  encryptedData:\n    NPM_TOKEN: ");
			decoy(g, "ciphertext");
			put(g, "AgB");
			put_b64(g, between(g, 300, 700));
			put(g, "\n");
			break;
		default:
			k8s_meta(g, "batch/v1", "CronJob");
			putf(g, "spec:\n  schedule: \"%u */%u * * *\"\n"
			    "  jobTemplate:\n    spec:\n      template:\n"
			    "        spec:\n          containers:\n"
			    "            - name: %s\n              command: "
			    "[\"npm\", \"run\", \"%s\"]\n", rnd(g, 60),
			    between(g, 1, 12), PICK(g, PARTS), PICK(g, VERBS));
			break;
		}
	}
	plant_end(g, plant_k8s);
}

/* CI workflows */

static void
plant_ci(struct gen *g)
{
	if (chance(g, 500)) {
		put(g, "      - run: npm publish\n        env:\n"
		    "          NODE_AUTH_TOKEN: ");
		put_npm_token(g);
		put(g, "\n");
	} else {
		put(g, "      - run: echo \"//registry.npmjs.org/:_authToken=");
		put_npm_token(g);
		put(g, "\" > ~/.npmrc\n");
	}
}

static void
doc_ci(struct gen *g, uint64_t size)
{
	putf(g, "name: %s\n\non:\n  push:\n    branches: [main]\n"
	    "  pull_request:\n\npermissions:\n  contents: read\n\njobs:\n",
	    PICK(g, WORDS));
	while (doc_more(g, size)) {
		putf(g, "  %s:\n    runs-on: ubuntu-latest\n    steps:\n"
		    "      - uses: actions/checkout@v4\n"
		    "      - uses: actions/setup-node@v4\n        with:\n"
		    "          node-version: %u\n          registry-url: "
		    "'https://registry.npmjs.org'\n          cache: npm\n"
		    "      - run: npm ci\n      - run: npm test -- --ci\n",
		    PICK(g, VERBS), 16 + 2 * rnd(g, 4));
		plant_point(g, plant_ci);
		if (chance(g, 500)) {
			put(g, "      - run: npm publish --provenance\n"
			    "        env:\n          NODE_AUTH_TOKEN: ");
			put_not_secret(g);
			put(g, "\n");
		}
		if (chance(g, 300)) {
			put(g, "      - run: |\n          echo \"//${CI_SERVER_"
			    "HOST}/api/v4/projects/${CI_PROJECT_ID}/packages/"
			    "npm/:_authToken=");
			decoy(g, "reference");
			put(g, "${CI_JOB_TOKEN}\" > .npmrc\n");
		}
		put(g, "\n");
	}
	plant_end(g, plant_ci);
}

/* package.json, lockfiles, Terraform state */

static void
plant_pkg(struct gen *g)
{
	put(g, "  \"config\": {\n    \"npmToken\": \"");
	put_npm_token(g);
	put(g, "\"\n  },\n");
}

static void
doc_pkg(struct gen *g, uint64_t size)
{
	putf(g, "{\n  \"name\": \"@corp/%s-%s\",\n  \"version\": \"",
	    PICK(g, PARTS), PICK(g, PARTS));
	put_version(g);
	put(g, "\",\n  \"description\": \"");
	put_sentence(g);
	putf(g, "\",\n  \"main\": \"lib/index.js\",\n  \"scripts\": {\n"
	    "    \"build\": \"tsc -p .\",\n    \"test\": \"jest --coverage"
	    "\",\n    \"prepublishOnly\": \"npm run build\"\n  },\n"
	    "  \"repository\": {\n    \"type\": \"git\",\n"
	    "    \"url\": \"git+https://github.com/corp/%s.git\"\n  },\n"
	    "  \"publishConfig\": {\n    \"registry\": "
	    "\"https://npm.pkg.github.com\"\n  },\n", PICK(g, PARTS));
	plant_point(g, plant_pkg);
	plant_end(g, plant_pkg);
	put(g, "  \"dependencies\": {\n");
	do {
		putf(g, "    \"%s\": \"^", PICK(g, PKGS));
		put_version(g);
		put(g, "\",\n");
	} while (doc_more(g, size));
	put(g, "    \"tslib\": \"^2.6.0\"\n  }\n}\n");
}

static void
lock_entry(struct gen *g, bool planted)
{
	const char *p = PICK(g, PKGS);
	const char *base = strrchr(p, '/') != NULL ? strrchr(p, '/') + 1 : p;

	putf(g, "    \"node_modules/%s\": {\n      \"version\": \"", p);
	put_version(g);
	if (planted) {
		putf(g, "\",\n      \"resolved\": \"https://npm.corp-internal"
		    ".net/%s/-/%s-1.0.0.tgz?token=", p, base);
		put_npm_token(g);
	} else {
		putf(g, "\",\n      \"resolved\": \"https://registry.npmjs.org/"
		    "%s/-/%s-1.0.0.tgz", p, base);
	}
	put(g, "\",\n      \"integrity\": \"sha512-");
	put_b64(g, 86);
	put(g, "==\",\n");
	if (chance(g, 300))
		put(g, "      \"dev\": true,\n");
	put(g, "      \"license\": \"MIT\",\n      \"dependencies\": {\n");
	for (unsigned i = between(g, 0, 4); i > 0; i--)
		putf(g, "        \"%s\": \"^%u.%u.0\",\n", PICK(g, PKGS),
		    rnd(g, 9), rnd(g, 20));
	put(g, "        \"ms\": \"^2.1.3\"\n      }\n    },\n");
}

static void
plant_lock(struct gen *g)
{
	lock_entry(g, true);
}

static void
doc_lock(struct gen *g, uint64_t size)
{
	putf(g, "{\n  \"name\": \"%s\",\n  \"version\": \"1.0.0\",\n"
	    "  \"lockfileVersion\": 3,\n  \"requires\": true,\n"
	    "  \"packages\": {\n", PICK(g, PARTS));
	while (doc_more(g, size)) {
		plant_point(g, plant_lock);
		lock_entry(g, false);
	}
	plant_end(g, plant_lock);
	put(g, "    \"node_modules/ms\": {\n      \"version\": \"2.1.3\"\n"
	    "    }\n  }\n}\n");
}

static void
plant_tfstate(struct gen *g)
{
	put(g, "            \"value\": \"{\\\"NPM_TOKEN\\\":\\\"");
	put_npm_token(g);
	put(g, "\\\"}\",\n");
}

static void
doc_tfstate(struct gen *g, uint64_t size)
{
	put(g, "{\n  \"version\": 4,\n  \"terraform_version\": \"1.6.2\",\n"
	    "  \"serial\": 42,\n  \"lineage\": \"");
	decoy(g, "uuid");
	put_uuid(g);
	put(g, "\",\n  \"resources\": [\n");
	while (doc_more(g, size)) {
		putf(g, "    {\n      \"mode\": \"managed\",\n      \"type\": "
		    "\"aws_ssm_parameter\",\n      \"name\": \"%s\",\n"
		    "      \"instances\": [\n        {\n"
		    "          \"attributes\": {\n            \"arn\": \"arn:"
		    "aws:ssm:eu-west-1:123456789012:parameter/%s\",\n"
		    "            \"id\": \"", PICK(g, PARTS), PICK(g, PARTS));
		put_uuid(g);
		put(g, "\",\n");
		plant_point(g, plant_tfstate);
		put(g, "            \"type\": \"SecureString\"\n          }\n"
		    "        }\n      ]\n    },\n");
	}
	plant_end(g, plant_tfstate);
	put(g, "    {}\n  ]\n}\n");
}

/* .npmrc, .yarnrc.yml, .env, Dockerfile, Terraform */

static void
plant_npmrc(struct gen *g)
{
	char v[128], b64[192], u[37], pw[24];

	switch (rnd(g, 10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		put(g, "//registry.npmjs.org/:_authToken=");
		put_npm_token(g);
		break;
	case 4:
		put(g, "//npm.pkg.github.com/:_authToken=");
		put_token(g, "ghp_");
		break;
	case 5:
		make_uuid(g, u);
		put(g, "//registry.npmjs.org/:_authToken=");
		put_secret(g, "legacy", u);
		break;
	case 6:
		random_b62(g, pw, 18);
		(void)snprintf(v, sizeof(v), "deploy-bot:%s", pw);
		base64(b64, sizeof(b64), v, strlen(v));
		put(g, "_auth=");
		put_secret(g, "auth", b64);
		break;
	case 7:
		random_b62(g, pw, 20);
		put(g, "registry=https://ci-bot:");
		put_secret(g, "url", pw);
		put(g, "@npm.corp-internal.net/repository/npm-group/");
		break;
	case 8:
		random_b62(g, pw, 20);
		(void)snprintf(v, sizeof(v), "glpat-%s", pw);
		put(g, "//gitlab.corp-internal.net/api/v4/projects/42/packages/"
		    "npm/:_authToken=");
		put_secret(g, "opaque", v);
		break;
	default:
		/* Nexus: the legacy token is the UUID after "NpmToken." */
		make_uuid(g, u);
		put(g, "//nexus.corp-internal.net/repository/npm/:_authToken="
		    "NpmToken.");
		put_secret(g, "legacy", u);
		break;
	}
	put(g, "\n");
}

static void
doc_npmrc(struct gen *g, uint64_t size)
{
	static const char *const LINES[] = {
		"registry=https://registry.npmjs.org/\n",
		"@corp:registry=https://npm.pkg.github.com\n",
		"save-exact=true\n", "engine-strict=true\n", "fund=false\n",
		"audit=false\n", "strict-ssl=true\n", "progress=false\n",
		"legacy-peer-deps=true\n", "# see https://docs.npmjs.com/cli/"
		"v10/configuring-npm/npmrc\n",
		"cafile=/etc/ssl/certs/ca-certificates.crt\n",
	};

	while (doc_more(g, size)) {
		plant_point(g, plant_npmrc);
		switch (rnd(g, 8)) {
		case 0:
			put(g, "//npm.pkg.github.com/:_authToken=");
			put_not_secret(g);
			put(g, "\n");
			break;
		case 1:
			decoy(g, "not-secret");
			put(g, chance(g, 500) ? "always-auth=true\n" :
			    "email=ci@corp-internal.net\n");
			break;
		case 2:
			decoy(g, "empty");
			put(g, "//registry.npmjs.org/:_authToken=\n");
			break;
		default:
			put(g, PICK(g, LINES));
			break;
		}
	}
	plant_end(g, plant_npmrc);
}

static void
plant_yarnrc(struct gen *g)
{
	char v[64], b64[96], pw[40];

	put(g, "npmScopes:\n  corp:\n    npmRegistryServer: "
	    "\"https://npm.corp-internal.net\"\n");
	switch (rnd(g, 3)) {
	case 0:
		put(g, "    npmAuthToken: ");
		put_npm_token(g);
		break;
	case 1:
		random_b62(g, pw, 32);
		put(g, "    npmAuthToken: \"");
		put_secret(g, "opaque", pw);
		put(g, "\"");
		break;
	default:
		random_b62(g, pw, 16);
		(void)snprintf(v, sizeof(v), "ci:%s", pw);
		base64(b64, sizeof(b64), v, strlen(v));
		put(g, "    npmAuthIdent: \"");
		put_secret(g, "auth", b64);
		put(g, "\"");
		break;
	}
	put(g, "\n");
}

static void
doc_yarnrc(struct gen *g, uint64_t size)
{
	put(g, "nodeLinker: node-modules\nenableTelemetry: false\n"
	    "npmRegistryServer: \"https://registry.npmjs.org\"\n");
	plant_point(g, plant_yarnrc);
	plant_end(g, plant_yarnrc);
	while (doc_more(g, size)) {
		putf(g, "packageExtensions:\n  \"%s@*\":\n    dependencies:\n"
		    "      \"%s\": \"*\"\n", PICK(g, PKGS), PICK(g, PKGS));
		if (chance(g, 300)) {
			put(g, "npmScopes:\n  ops:\n    npmAuthToken: \"");
			put_not_secret(g);
			put(g, "\"\n");
		}
	}
	put(g, "yarnPath: .yarn/releases/yarn-4.1.0.cjs\n");
}

static void
plant_env(struct gen *g)
{
	char u[37];

	switch (rnd(g, 4)) {
	case 0:
		put(g, "NPM_TOKEN=");
		put_npm_token(g);
		break;
	case 1:
		put(g, "export NODE_AUTH_TOKEN=\"");
		put_npm_token(g);
		put(g, "\"");
		break;
	case 2:
		put(g, "NPM_TOKEN=${NPM_TOKEN:-");
		put_npm_token(g);
		put(g, "}");
		break;
	default:
		make_uuid(g, u);
		put(g, "NPM_TOKEN=");
		put_secret(g, "legacy", u);
		break;
	}
	put(g, "\n");
}

static void
doc_env(struct gen *g, uint64_t size)
{
	static const char *const LINES[] = {
		"NODE_ENV=production\n", "PORT=3000\n", "LOG_LEVEL=info\n",
		"REDIS_URL=redis://redis:6379/0\n", "TZ=UTC\n",
		"NPM_CONFIG_REGISTRY=https://registry.npmjs.org/\n",
		"API_URL=https://api.corp.io/v2\n", "FEATURE_FLAGS=a,b,c\n",
		"# local development only\n", "CACHE_TTL=600\n",
	};

	while (doc_more(g, size)) {
		plant_point(g, plant_env);
		switch (rnd(g, 12)) {
		case 0:
			put(g, "NPM_TOKEN=");
			put_not_secret(g);
			put(g, "\n");
			break;
		case 1:
			decoy(g, "not-key");
			put(g, chance(g, 500) ?
			    "NPM_TOKEN_FILE=/run/secrets/npm_token\n" :
			    "npm_config_user_agent=npm/10.2.4 node/v20.10.0\n");
			break;
		case 2:
			decoy(g, "reference");
			put(g, "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:"
			    "5432/app\n");
			break;
		case 3:
			decoy(g, "url-user-only");
			put(g, "SENTRY_DSN=https://");
			put_hex(g, 32);
			putf(g, "@o%u.ingest.sentry.io/%u\n", rnd(g, 99999),
			    rnd(g, 9999));
			break;
		case 4:
			decoy(g, "empty");
			put(g, "NPM_TOKEN=\n");
			break;
		default:
			put(g, PICK(g, LINES));
			break;
		}
	}
	plant_end(g, plant_env);
}

static void
plant_docker(struct gen *g)
{
	switch (rnd(g, 3)) {
	case 0:
		put(g, "ENV NPM_TOKEN ");
		put_npm_token(g);
		put(g, "\n");
		break;
	case 1:
		put(g, "ARG NPM_TOKEN=");
		put_npm_token(g);
		put(g, "\n");
		break;
	default:
		put(g, "RUN echo \"//registry.npmjs.org/:_authToken=");
		put_npm_token(g);
		put(g, "\" > .npmrc && npm ci && rm -f .npmrc\n");
		break;
	}
}

static void
doc_docker(struct gen *g, uint64_t size)
{
	putf(g, "# syntax=docker/dockerfile:1\nFROM node:%u-alpine AS build\n"
	    "WORKDIR /app\nCOPY package*.json ./\n", 16 + 2 * rnd(g, 4));
	decoy(g, "empty");
	put(g, "ARG NPM_TOKEN\n");
	plant_point(g, plant_docker);
	put(g, "RUN echo \"//registry.npmjs.org/:_authToken=");
	decoy(g, "reference");
	put(g, "${NPM_TOKEN}\" > .npmrc && npm ci && rm -f .npmrc\n");
	while (doc_more(g, size)) {
		switch (rnd(g, 5)) {
		case 0:
			put(g, "RUN --mount=type=secret,id=npmrc,target=/root/"
			    ".npmrc npm ci --omit=dev\n");
			break;
		case 1:
			putf(g, "COPY %s/ ./%s/\n", PICK(g, PARTS),
			    PICK(g, PARTS));
			break;
		case 2:
			putf(g, "ENV %s_%s=%u\n", "APP", "WORKERS", rnd(g, 16));
			break;
		case 3:
			put(g, "# ");
			put_sentence(g);
			put(g, "\n");
			break;
		default:
			putf(g, "RUN npm run %s && npm prune --production\n",
			    PICK(g, VERBS));
			break;
		}
	}
	plant_end(g, plant_docker);
	put(g, "EXPOSE 8080\nCMD [\"node\", \"server.js\"]\n");
}

static void
plant_tf(struct gen *g)
{
	if (chance(g, 500)) {
		put(g, "npm_token = \"");
		put_npm_token(g);
		put(g, "\"\n\n");
	} else {
		put(g, "variable \"npm_token\" {\n  type    = string\n"
		    "  default = \"");
		put_npm_token(g);
		put(g, "\"\n}\n\n");
	}
}

static void
doc_tf(struct gen *g, uint64_t size)
{
	put(g, "terraform {\n  required_version = \">= 1.5\"\n}\n\n"
	    "variable \"npm_token\" {\n  type      = string\n"
	    "  sensitive = true\n}\n\n");
	while (doc_more(g, size)) {
		plant_point(g, plant_tf);
		switch (rnd(g, 3)) {
		case 0:
			putf(g, "resource \"github_actions_secret\" \"%s\" {\n"
			    "  repository      = \"%s\"\n  secret_name     = "
			    "\"NPM_TOKEN\"\n  plaintext_value = ",
			    PICK(g, PARTS), PICK(g, PARTS));
			decoy(g, "reference");
			put(g, "var.npm_token\n}\n\n");
			break;
		case 1:
			putf(g, "module \"%s\" {\n  source = \"git::https://"
			    "github.com/corp/%s.git?ref=v", PICK(g, PARTS),
			    PICK(g, PARTS));
			put_version(g);
			putf(g, "\"\n  replicas = %u\n}\n\n", between(g, 1, 9));
			break;
		default:
			putf(g, "resource \"aws_s3_bucket\" \"%s\" {\n"
			    "  bucket = \"corp-%s-%s\"\n  tags = {\n"
			    "    team = \"%s\"\n  }\n}\n\n", PICK(g, PARTS),
			    PICK(g, PARTS), PICK(g, PARTS), PICK(g, PARTS));
			break;
		}
	}
	plant_end(g, plant_tf);
}

/* Logs */

static void
put_stamp(struct gen *g)
{
	putf(g, "2024-%02u-%02uT%02u:%02u:%02u.%03uZ ", between(g, 1, 12),
	    between(g, 1, 28), rnd(g, 24), rnd(g, 60), rnd(g, 60),
	    rnd(g, 1000));
}

static void
plant_log(struct gen *g)
{
	put_stamp(g);
	if (chance(g, 500)) {
		put(g, "npm verb request GET https://npm.corp-internal.net/-/"
		    "whoami?token=");
		put_npm_token(g);
		put(g, "&client=npm\n");
	} else {
		put(g, "DEBUG http request headers: {\"authorization\": "
		    "\"Bearer ");
		put_npm_token(g);
		put(g, "\"}\n");
	}
}

static void
doc_log(struct gen *g, uint64_t size)
{
	while (doc_more(g, size)) {
		plant_point(g, plant_log);
		put_stamp(g);
		switch (rnd(g, 8)) {
		case 0:
		case 1:
			put(g, "INFO  [");
			put_uuid(g);
			putf(g, "] GET https://%s/v1/%s %u %ums\n",
			    PICK(g, HOSTS), PICK(g, PARTS),
			    chance(g, 900) ? 200 : 404, rnd(g, 900));
			break;
		case 2:
			putf(g, "npm http fetch GET 200 https://registry.npmjs."
			    "org/%s %ums (cache revalidated)\n", PICK(g, PKGS),
			    rnd(g, 500));
			break;
		case 3:
			putf(g, "npm WARN deprecated %s@", PICK(g, PKGS));
			put_version(g);
			put(g, ": ");
			put_sentence(g);
			put(g, "\n");
			break;
		case 4:
			put(g, "##[debug]Evaluating: secrets.NPM_TOKEN\n");
			break;
		case 5:
			if (chance(g, 200)) {
				decoy(g, "placeholder");
				put(g, "DEBUG authorization: Bearer ***\n");
			} else {
				put(g, "WARN  ");
				put_sentence(g);
				put(g, "\n");
			}
			break;
		default:
			putf(g, "INFO  %s %s: ", PICK(g, VERBS),
			    PICK(g, PARTS));
			put_words(g, between(g, 4, 14));
			put(g, "\n");
			break;
		}
	}
	plant_end(g, plant_log);
}

/* Binary files (tree only): random bytes behind a PNG signature. */

static void
plant_bin(struct gen *g)
{
	putn(g, "\0", 1);
	put_npm_token(g);
	putn(g, "\0", 1);
}

static void
doc_bin(struct gen *g, uint64_t size)
{
	char tmp[256];

	putn(g, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
	while (doc_more(g, size)) {
		plant_point(g, plant_bin);
		for (size_t i = 0; i < sizeof(tmp); i += 8) {
			uint64_t v = next(g);

			memcpy(tmp + i, &v, 8);
		}
		putn(g, tmp, sizeof(tmp));
	}
	plant_end(g, plant_bin);
}

/* Their sizes, frequencies and generators */

struct kind {
	const char *name;
	unsigned weight;	/* relative frequency of documents */
	void (*doc)(struct gen *g, uint64_t size);
	uint32_t median, lo, hi;	/* size distribution */
};

static const struct kind KINDS[K_COUNT] = {
	[K_C] = { "c", 110, doc_c, 3000, 200, 200000 },
	[K_JS] = { "js", 200, doc_js, 2500, 150, 200000 },
	[K_PY] = { "py", 100, doc_py, 2500, 150, 150000 },
	[K_MD] = { "md", 120, doc_md, 2500, 100, 100000 },
	[K_K8S] = { "k8s", 60, doc_k8s, 2000, 300, 60000 },
	[K_CI] = { "ci", 35, doc_ci, 1500, 400, 20000 },
	[K_PKG] = { "pkg", 40, doc_pkg, 1200, 600, 8000 },
	[K_LOCK] = { "lock", 4, doc_lock, 120000, 20000, 400000 },
	[K_TFSTATE] = { "tfstate", 5, doc_tfstate, 8000, 1000, 100000 },
	[K_NPMRC] = { "npmrc", 25, doc_npmrc, 200, 60, 800 },
	[K_YARNRC] = { "yarnrc", 10, doc_yarnrc, 300, 100, 1500 },
	[K_ENV] = { "env", 30, doc_env, 400, 80, 3000 },
	[K_DOCKER] = { "docker", 20, doc_docker, 700, 300, 3000 },
	[K_TF] = { "tf", 30, doc_tf, 2000, 200, 30000 },
	[K_LOG] = { "log", 50, doc_log, 4000, 200, 300000 },
	[K_MIN] = { "min", 2, doc_min, 90000, 30000, 300000 },
	[K_BIN] = { "bin", 0, doc_bin, 8000, 200, 200000 },
};

static unsigned
pick_kind(struct gen *g)
{
	unsigned total = 0, r;

	for (unsigned k = 0; k < K_COUNT; k++)
		total += KINDS[k].weight;
	r = rnd(g, total);
	for (unsigned k = 0; k < K_COUNT; k++) {
		if (r < KINDS[k].weight)
			return k;
		r -= KINDS[k].weight;
	}
	return K_JS;
}

static void
write_doc(struct gen *g, unsigned k, bool plant)
{
	const struct kind *kd = &KINDS[k];
	uint32_t size = lognormal(g, kd->median, kd->lo, kd->hi);

	g->doc_off = g->off;
	g->plant = plant;
	g->plant_at = rnd(g, size);
	kd->doc(g, size);
	g->kind_bytes[k] += g->off - g->doc_off;
}

/* Writes "<key> kind=percent ..." : the share of bytes of each kind. */
static void
print_mix(FILE *f, const char *key, struct gen *g)
{
	fprintf(f, "%s", key);
	for (unsigned k = 0; k < K_COUNT; k++) {
		if (g->kind_bytes[k] > 0)
			fprintf(f, " %s=%.1f%%", KINDS[k].name,
			    100.0 * (double)g->kind_bytes[k] /
			    (double)g->bytes);
	}
	fprintf(f, "\n");
	memset(g->kind_bytes, 0, sizeof(g->kind_bytes));
}

/* Outputs */

static int
out_open(struct gen *g, const char *fspath, const char *mpath)
{
	int n = snprintf(g->path, sizeof(g->path), "%s", mpath);

	assert(n > 0 && (size_t)n < sizeof(g->path));
	g->fd = open(fspath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (g->fd < 0)
		return err_errno(&g->e, "open '%s'", fspath);
	g->len = 0;
	g->off = 0;
	g->line = 1;
	g->line_off = 0;
	return 0;
}

static int
out_close(struct gen *g)
{
	flush(g);
	g->bytes += g->off;
	g->lines += g->line - (g->off > 0 && g->line_off == g->off ? 1 : 0);
	if (close(g->fd) < 0 && !g->failed) {
		(void)err_errno(&g->e, "close '%s'", g->path);
		g->failed = true;
	}
	g->fd = -1;
	return g->failed ? -1 : 0;
}

/* Makes the directories leading to path, counting the new ones. */
static int
mkdirs(char *path, uint64_t *made, struct err *e)
{
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == 0) {
			(*made)++;
		} else if (errno != EEXIST) {
			(void)err_errno(e, "mkdir '%s'", path);
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/*
 * The big file: documents of every text kind back to back, a planted
 * secret every 256 KiB on average.
 */
static int
write_big(struct gen *g, const char *dir, uint64_t size)
{
	char path[4096];
	uint64_t next_plant;

	(void)snprintf(path, sizeof(path), "%s/big.txt", dir);
	if (out_open(g, path, "big.txt") < 0)
		return -1;
	next_plant = rnd(g, 256 << 10);
	while (g->off < size && !g->failed) {
		static const unsigned CONFIG_KINDS[] = { K_NPMRC, K_NPMRC,
			K_NPMRC, K_YARNRC, K_ENV, K_ENV, K_K8S, K_CI, K_DOCKER,
			K_TF, K_TFSTATE };
		bool plant = g->off >= next_plant;

		unsigned k = pick_kind(g);

		if (plant) {
			next_plant = g->off + between(g, 16 << 10, 496 << 10);
			/* Half the leaks are in configuration files. */
			if (chance(g, 500))
				k = PICK(g, CONFIG_KINDS);
		}
		write_doc(g, k, plant);
	}
	return out_close(g);
}

/*
 * Where a file of kind k goes inside a project, and its name: about ten
 * files a directory, code nested a little, fixed names (package.json,
 * .npmrc, ...) at the root or in a package directory of their own.
 */
#define PKG_DIRS 40

static void
tree_name(struct gen *g, char *out, size_t size, const char *project,
    unsigned k, uint64_t id, bool root, bool used[3][PKG_DIRS][K_COUNT])
{
	static const char *const L1[] = { "core", "api", "util", "ui" };
	static const char *const L2[] = { "models", "handlers", "common" };
	static const char *const CFGDIRS[] = { "packages", "services",
		"apps" };
	static const char *const CODEDIRS[] = { "src", "src", "lib",
		"test" };
	static const char *const JSEXTS[] = { "js", "ts", "mjs", "jsx" };
	static const char *const FIXED[K_COUNT] = {
		[K_PKG] = "package.json", [K_LOCK] = "package-lock.json",
		[K_NPMRC] = ".npmrc", [K_YARNRC] = ".yarnrc.yml",
		[K_ENV] = ".env", [K_DOCKER] = "Dockerfile",
	};
	char sub[64];
	const char *top, *ext, *pkg = PKGS[rnd(g, 16)];
	uint32_t depth = rnd(g, 10);
	int n;

	if (depth < 4)
		n = snprintf(sub, sizeof(sub), "%s", "");
	else if (depth < 8)
		n = snprintf(sub, sizeof(sub), "%s/", PICK(g, L1));
	else
		n = snprintf(sub, sizeof(sub), "%s/%s/", PICK(g, L1),
		    PICK(g, L2));
	assert(n >= 0 && (size_t)n < sizeof(sub));
	ext = "txt";
	switch (k) {
	case K_C:
		top = PICK(g, CODEDIRS);
		ext = chance(g, 800) ? "c" : "h";
		break;
	case K_JS:
		if (chance(g, 300)) {
			n = snprintf(out, size, "%s/node_modules/%s/lib/%s-%"
			    PRIu64 ".js", project, pkg, PICK(g, PARTS), id);
			assert(n > 0 && (size_t)n < size);
			return;
		}
		top = PICK(g, CODEDIRS);
		ext = PICK(g, JSEXTS);
		break;
	case K_PY:
		top = PICK(g, CODEDIRS);
		ext = "py";
		break;
	case K_MD:
		if (root) {
			n = snprintf(out, size, "%s/README.md", project);
			assert(n > 0 && (size_t)n < size);
			return;
		}
		if (chance(g, 300)) {
			n = snprintf(out, size, "%s/node_modules/%s/README-%"
			    PRIu64 ".md", project, pkg, id);
			assert(n > 0 && (size_t)n < size);
			return;
		}
		top = "docs";
		ext = "md";
		break;
	case K_CI:
		if (root) {
			n = snprintf(out, size, "%s/.github/workflows/ci.yml",
			    project);
			assert(n > 0 && (size_t)n < size);
			return;
		}
		top = ".github/workflows";
		sub[0] = '\0';
		ext = "yml";
		break;
	case K_K8S:
		top = chance(g, 500) ? "deploy/k8s" : "charts/app/templates";
		sub[0] = '\0';
		ext = "yaml";
		break;
	case K_TF:
		top = "infra";
		sub[0] = '\0';
		ext = chance(g, 800) ? "tf" : "tfvars";
		break;
	case K_LOG:
		top = "logs";
		sub[0] = '\0';
		ext = "log";
		break;
	case K_MIN:
		top = "dist";
		sub[0] = '\0';
		ext = "min.js";
		break;
	case K_BIN:
		top = "assets";
		ext = "png";
		break;
	case K_TFSTATE:
		n = snprintf(out, size, "%s/infra/env-%" PRIu64
		    "/terraform.tfstate", project, id);
		assert(n > 0 && (size_t)n < size);
		return;
	default: {
		uint32_t d = rnd(g, 3), b = rnd(g, PKG_DIRS);

		if (root)
			n = snprintf(out, size, "%s/%s", project, FIXED[k]);
		else if (!used[d][b][k])
			n = snprintf(out, size, "%s/%s/%s/%s", project,
			    CFGDIRS[d], PARTS[b], FIXED[k]);
		else
			n = snprintf(out, size, "%s/%s/%s-%" PRIu64 "/%s",
			    project, CFGDIRS[d], PARTS[b], id, FIXED[k]);
		used[d][b][k] = true;
		assert(n > 0 && (size_t)n < size);
		return;
	}
	}
	n = snprintf(out, size, "%s/%s/%s%s-%" PRIu64 ".%s", project, top,
	    sub, PICK(g, PARTS), id, ext);
	assert(n > 0 && (size_t)n < size);
}

/*
 * How often a file of each kind carries a planted secret, per mille:
 * configuration leaks more often than code.
 */
static const unsigned PLANT_PERMILLE[K_COUNT] = {
	[K_C] = 8, [K_JS] = 10, [K_PY] = 10, [K_MD] = 10, [K_K8S] = 40,
	[K_CI] = 40, [K_PKG] = 10, [K_LOCK] = 20, [K_TFSTATE] = 60,
	[K_NPMRC] = 120, [K_YARNRC] = 100, [K_ENV] = 80, [K_DOCKER] = 50,
	[K_TF] = 30, [K_LOG] = 20, [K_MIN] = 30, [K_BIN] = 50,
};

/*
 * The tree: projects of about 1000 files, each with the files a
 * repository has at its root, then files of every kind in nested
 * directories (node_modules included), some with planted secrets.
 */
static int
write_tree(struct gen *g, const char *dir, uint64_t nfiles,
    uint64_t *ndirs)
{
	static const unsigned ROOT[] = { K_PKG, K_LOCK, K_NPMRC, K_CI,
		K_DOCKER, K_ENV, K_YARNRC, K_MD };
	static bool used[3][PKG_DIRS][K_COUNT];
	char project[256], rel[1024], full[4096], mpath[1200];
	uint64_t nprojects = nfiles / 1000 > 0 ? nfiles / 1000 : 1;
	uint64_t id = 0;

	*ndirs = 0;
	for (uint64_t p = 0; p < nprojects && !g->failed; p++) {
		uint64_t count = nfiles / nprojects +
		    (p < nfiles % nprojects ? 1 : 0);

		(void)snprintf(project, sizeof(project), "%s-%s-%" PRIu64,
		    PICK(g, PARTS), PICK(g, VERBS), p);
		memset(used, 0, sizeof(used));
		for (uint64_t i = 0; i < count && !g->failed; i++, id++) {
			unsigned k;
			bool plant;

			if (i < NELEM(ROOT))
				k = ROOT[i];
			else if (chance(g, 20))
				k = K_BIN;
			else
				k = pick_kind(g);
			tree_name(g, rel, sizeof(rel), project, k, id,
			    i < NELEM(ROOT), used);
			plant = chance(g, PLANT_PERMILLE[k]);
			(void)snprintf(full, sizeof(full), "%s/tree/%s", dir,
			    rel);
			(void)snprintf(mpath, sizeof(mpath), "tree/%s", rel);
			if (mkdirs(full, ndirs, &g->e) < 0 ||
			    out_open(g, full, mpath) < 0)
				return -1;
			g->binary = k == K_BIN;
			write_doc(g, k, plant);
			g->binary = false;
			if (out_close(g) < 0)
				return -1;
		}
	}
	return 0;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int
open_manifest(struct gen *g, const char *dir, const char *name)
{
	char path[4096];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_errno(&g->e, "open '%s'", path);
	g->manifest = fdopen(fd, "w");
	if (g->manifest == NULL) {
		(void)close(fd);
		return err_errno(&g->e, "fdopen '%s'", path);
	}
	return 0;
}

static int
close_manifest(struct gen *g)
{
	int rc = fclose(g->manifest);

	g->manifest = NULL;
	if (rc != 0)
		return err_errno(&g->e, "write manifest");
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t seed = 1, mib = 1024, nfiles = 100000, ndirs = 0;
	struct gen g;
	char path[4096];
	const char *dir;
	FILE *info = NULL;
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "s:m:n:")) != -1) {
		switch (opt) {
		case 's':
			if (parse_u64(optarg, &seed) < 0)
				goto usage;
			break;
		case 'm':
			if (parse_u64(optarg, &mib) < 0 || mib > (1u << 20))
				goto usage;
			break;
		case 'n':
			if (parse_u64(optarg, &nfiles) < 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;
	dir = argv[optind];

	memset(&g, 0, sizeof(g));
	g.fd = -1;
	g.buf = malloc(BUF_SIZE);
	if (g.buf == NULL) {
		fprintf(stderr, "gencorpus: out of memory\n");
		return 1;
	}
	(void)snprintf(path, sizeof(path), "%s/corpus.info", dir);
	info = fopen(path, "we");
	if (info == NULL) {
		(void)err_errno(&g.e, "open '%s'", path);
		goto out;
	}

	if (mib > 0) {
		g.seed = seed;
		g.rng = seed * 0x2545f4914f6cdd1dULL + 1;
		if (open_manifest(&g, dir, "big.manifest") < 0)
			goto out;
		if (write_big(&g, dir, mib << 20) < 0)
			goto out;
		if (close_manifest(&g) < 0)
			goto out;
		fprintf(info, "big_bytes %" PRIu64 "\nbig_lines %" PRIu64
		    "\nbig_expected %" PRIu64 "\nbig_decoys %" PRIu64 "\n",
		    g.bytes, g.lines, g.expected, g.decoys);
		print_mix(info, "big_mix", &g);
	}
	if (nfiles > 0) {
		g.seed = seed + 0x10000;
		g.rng = g.seed * 0x2545f4914f6cdd1dULL + 1;
		g.serial = 0;
		g.bytes = g.lines = g.expected = g.decoys = 0;
		if (open_manifest(&g, dir, "tree.manifest") < 0)
			goto out;
		if (write_tree(&g, dir, nfiles, &ndirs) < 0)
			goto out;
		if (close_manifest(&g) < 0)
			goto out;
		fprintf(info, "tree_files %" PRIu64 "\ntree_dirs %" PRIu64
		    "\ntree_bytes %" PRIu64 "\ntree_lines %" PRIu64
		    "\ntree_expected %" PRIu64 "\ntree_decoys %" PRIu64 "\n",
		    nfiles, ndirs, g.bytes, g.lines, g.expected, g.decoys);
		print_mix(info, "tree_mix", &g);
	}
	if (fclose(info) != 0) {
		info = NULL;
		(void)err_errno(&g.e, "write '%s/corpus.info'", dir);
		goto out;
	}
	info = NULL;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "gencorpus: %s\n", g.e.msg);
	if (info != NULL)
		fclose(info);
	if (g.manifest != NULL)
		fclose(g.manifest);
	if (g.fd >= 0)
		(void)close(g.fd);
	free(g.buf);
	return rc;
usage:
	fprintf(stderr, "usage: gencorpus [-s SEED] [-m MIB] [-n FILES] "
	    "DIR\n");
	return 2;
}
