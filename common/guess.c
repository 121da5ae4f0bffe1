/*
 * guess: issued or made up (RULES.md 3.1).
 *
 * A registry draws a token from a random generator, so its entropy is
 * close to the most its length and alphabet allow. libzxcvbn estimates
 * the entropy a guesser needs, finding dictionary words (leet and case
 * variants too), keyboard walks, sequences, repeats and dates; a token
 * slot's value whose estimate is well under the maximum was made by a
 * person. Measured on 20,000 random values of the shapes registries
 * issue (base62, hex, UUIDs, base32, GitLab tokens) against the made-up
 * values of public test code, a ratio of 0.55 set aside 0.09% of the
 * random ones (all 16 to 20 lower-case characters) and most of the
 * made-up ones; tests/precision/ measures it on real code.
 *
 * Two corrections make the estimate fit tokens rather than passwords.
 * In a hex string digits are not leetspeak and digit runs are not
 * dates: those matches count as random. Separators (- _ . / + = :) add
 * nothing: a UUID's dashes are format, not entropy.
 */
#include "guess.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#include <zxcvbn.h>

#include "value.h"

/* The longest prefix of a value that the estimator looks at. */
#define GUESS_MAX 128
/* Below this share of the maximum entropy, a token is made up. */
#define MADE_UP_RATIO 0.55
/* Shorter passwords are no registry's. */
#define PASSWORD_MIN 6

/* Prefixes that issuers put before the random part. */
static const char *const ISSUER_PREFIXES[] = {
	"npm_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
	"glpat-", "NpmToken.", NULL
};

/*
 * The test and example family of passwords: what tests, docs and
 * tutorials write where a password goes, and nobody uses for real.
 * Compared after folding case, leetspeak and a trailing run of digits
 * and punctuation (Passw0rd!, admin123, hunter2).
 */
static const char *const FAMILY[] = {
	"password", "passwd", "pass", "pwd", "secret", "changeme",
	"change-me", "change_me", "hunter", "admin", "administrator",
	"root", "user", "username", "login", "test", "tester", "testing",
	"foo", "foobar", "bar", "baz", "qux", "example", "sample", "demo",
	"dummy", "fake", "guest", "default", "qwerty", "letmein", "welcome",
	"mypassword", "mysecret", "supersecret", "topsecret", "secretpassword",
	"testpassword", "testpass", "testsecret", "s3cret", "abc", "abcdef",
	"pw", "p4ss", NULL
};

/* Words that name a login and a password (login-on-proxy:passwd-on-x). */
static const char *const LOGIN_WORDS[] = {
	"user", "username", "usr", "login", "name", "account", NULL
};
static const char *const PASSWORD_WORDS[] = {
	"pass", "passwd", "password", "pwd", "pw", "secret", NULL
};

/* Words that say a phrase is not a real password. */
static const char *const PHRASE_WORDS[] = {
	"not", "real", "fake", "dummy", "example", "placeholder", "sample",
	NULL
};

static bool
is_sep(unsigned char c)
{
	return c == '-' || c == '_' || c == '.' || c == '/' || c == '+' ||
	    c == '=' || c == ':' || c == '~' || c == ' ';
}

static bool
is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static bool
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}


/* eyJ...: three base64url parts, the first a JSON header. */
static bool
is_jwt(const char *v, size_t n)
{
	size_t dots = 0, part = 0;

	if (n < 3 || memcmp(v, "eyJ", 3) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '.') {
			if (part == 0)
				return false;
			dots++;
			part = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			part++;
		} else {
			return false;
		}
	}
	return dots == 2 && part > 0;
}

/*
 * Made of words: two or more parts between separators, each letters of
 * one case (private-reg-token, segredo/npm-token, DEIN_TOKEN_HIER).
 * Random values mix cases or digits into their parts.
 */
static bool
word_parts(const char *v, size_t n)
{
	size_t parts = 0, i = 0;

	while (i < n) {
		size_t s = i;
		bool lower = false, upper = false;

		while (i < n && !is_sep((unsigned char)v[i])) {
			unsigned char c = (unsigned char)v[i];

			if (is_lower(c))
				lower = true;
			else if (is_upper(c))
				upper = true;
			else
				return false;
			i++;
		}
		if (i == s || (lower && upper))
			return false;
		parts++;
		if (i < n)
			i++;
		if (i == n && is_sep((unsigned char)v[n - 1]))
			return false;
	}
	return parts >= 2;
}

/* Letters and digits strictly alternate (1a2b3c4d...). */
static bool
alternates(const char *v, size_t n)
{
	if (n < 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		bool d = is_digit(c);

		if (!d && !isalpha(c))
			return false;
		if (i > 0 && d == is_digit((unsigned char)v[i - 1]))
			return false;
	}
	return true;
}

/*
 * The estimate's share of the maximum: the bits libzxcvbn finds in
 * v[0..n) (n <= GUESS_MAX), corrected as the file comment says, over
 * the bits of a random string of as many characters (separators left
 * out) drawn from the alphabet v uses. 1 when the estimator fails: a
 * value that cannot be judged is reported.
 */
static double
entropy_ratio(const char *v, size_t n)
{
	char buf[GUESS_MAX + 1];
	bool lower = false, upper = false, digit = false, other = false;
	bool hex = true;
	size_t chars = 0;
	double alphabet, bits, est = 0;
	ZxcMatch_t *info = NULL;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (is_sep(c))
			continue;
		chars++;
		if (is_lower(c)) {
			lower = true;
			hex = hex && c <= 'f';
		} else if (is_upper(c)) {
			upper = true;
			hex = hex && c <= 'F';
		} else if (is_digit(c)) {
			digit = true;
		} else {
			other = true;
			hex = false;
		}
	}
	if (chars == 0)
		return 0;
	if (hex && digit && !(lower && upper))
		alphabet = 16;
	else
		alphabet = (lower ? 26 : 0) + (upper ? 26 : 0) +
		    (digit ? 10 : 0) + (other ? 33 : 0);
	hex = alphabet == 16;
	bits = log2(alphabet);
	memcpy(buf, v, n);
	buf[n] = '\0';
	(void)ZxcvbnMatch(buf, NULL, &info);
	if (info == NULL)
		return 1;
	for (const ZxcMatch_t *m = info; m != NULL; m = m->Next) {
		int type = (int)m->Type & (MULTIPLE_MATCH - 1);
		size_t len = 0;
		double cap;

		for (int k = 0; k < m->Length; k++) {
			if (m->Begin + k >= 0 && (size_t)(m->Begin + k) < n &&
			    !is_sep((unsigned char)v[m->Begin + k]))
				len++;
		}
		cap = (double)len * bits;
		if (hex && (type == DICT_LEET_MATCH ||
		    type == USER_LEET_MATCH || type == DATE_MATCH ||
		    type == YEAR_MATCH))
			type = BRUTE_MATCH;
		est += type == BRUTE_MATCH || m->Entrpy > cap ? cap :
		    m->Entrpy;
	}
	ZxcvbnFreeInfo(info);
	return est / ((double)chars * bits);
}

bool
guess_token_made_up(const char *v, size_t n)
{
	char split[GUESS_MAX];
	double ratio;

	for (size_t i = 0; ISSUER_PREFIXES[i] != NULL; i++) {
		size_t pn = strlen(ISSUER_PREFIXES[i]);

		if (n > pn && memcmp(v, ISSUER_PREFIXES[i], pn) == 0) {
			v += pn;
			n -= pn;
			break;
		}
	}
	if (is_jwt(v, n))
		return false;
	if (word_parts(v, n))
		return true;
	if (n > GUESS_MAX)
		n = GUESS_MAX;
	ratio = entropy_ratio(v, n);
	if (ratio >= MADE_UP_RATIO && alternates(v, n)) {
		/* 1a2b3c: two sequences, plain once pulled apart */
		size_t k = 0;

		for (size_t i = 0; i < n; i += 2)
			split[k++] = v[i];
		for (size_t i = 1; i < n; i += 2)
			split[k++] = v[i];
		ratio = entropy_ratio(split, n);
	}
	return ratio < MADE_UP_RATIO;
}

/*
 * Folds a password for comparison with the family: lower case, common
 * leetspeak undone, then up to two trailing punctuation marks and the
 * trailing digits dropped. Returns the folded length (at most cap).
 */
static size_t
fold(char *out, size_t cap, const char *v, size_t n)
{
	static const char LEET_FROM[] = "0134578@$!";
	static const char LEET_TO[] = "oieastbasi";
	size_t k = 0, drop;

	for (size_t i = 0; i < n && k < cap; i++) {
		unsigned char c = (unsigned char)tolower((unsigned char)v[i]);
		const char *l = strchr(LEET_FROM, c);

		/* Only inside a word: a trailing run is digits and marks. */
		if (c != '\0' && l != NULL && i + 1 < n &&
		    isalpha((unsigned char)v[i + 1]))
			c = (unsigned char)LEET_TO[l - LEET_FROM];
		out[k++] = (char)c;
	}
	for (drop = 0; drop < 2 && k > 0 && ispunct((unsigned char)out[k - 1]);
	    drop++)
		k--;
	while (k > 0 && is_digit((unsigned char)out[k - 1]))
		k--;
	return k;
}

/* Every part of v between separators is a word of list. */
static bool
parts_in(const char *v, size_t n, const char *const *list, bool all)
{
	char f[GUESS_MAX];
	size_t i = 0;
	bool any = false;

	if (n > GUESS_MAX)
		return false;
	while (i < n) {
		size_t s = i, fn;
		bool hit;

		while (i < n && !is_sep((unsigned char)v[i]))
			i++;
		fn = fold(f, sizeof(f), v + s, i - s);
		hit = fn > 0 && value_word_in(f, fn, list);
		if (all && !hit && i > s)
			return false;
		any = any || hit;
		if (i < n)
			i++;
	}
	return any;
}

bool
guess_password_made_up(const char *v, size_t n)
{
	if (n < PASSWORD_MIN)
		return true;
	/* A phrase naming itself: "not my real password" */
	if (memchr(v, ' ', n) != NULL)
		return parts_in(v, n, FAMILY, false) ||
		    parts_in(v, n, PHRASE_WORDS, false);
	return parts_in(v, n, FAMILY, true);
}

bool
guess_login_made_up(const char *user, size_t un, const char *pw,
    size_t pn)
{
	if (guess_password_made_up(pw, pn))
		return true;
	if (parts_in(user, un, FAMILY, true) && parts_in(pw, pn, FAMILY, true))
		return true;
	return parts_in(user, un, LOGIN_WORDS, false) &&
	    parts_in(pw, pn, PASSWORD_WORDS, false);
}
