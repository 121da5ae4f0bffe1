/*
 * cmdconfig: git's command-line configuration as a libgit2 backend. The
 * parsing follows git 2.39's config.c (git_config_from_parameters(),
 * parse_config_env_list()) and quote.c (sq_dequote_step()), so that the
 * hooks see exactly the settings git itself sees in the same process
 * environment.
 */
#include "cmdconfig.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* More entries than this in GIT_CONFIG_COUNT is a mistake, not a setup. */
#define COUNT_MAX 100000

struct entry {
	char *name;		/* canonical */
	char *value;		/* NULL: given without '=' */
};

struct backend {
	git_config_backend parent;
	struct entry *entries;
	size_t n;
	git_config_level_t level;
};

struct iter {
	git_config_iterator parent;
	struct backend *b;
	size_t next;
	git_config_entry current;
};

static void
entries_free(struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

static void
backend_free(git_config_backend *parent)
{
	struct backend *b = (struct backend *)parent;

	if (b == NULL)
		return;
	entries_free(b->entries, b->n);
	free(b);
}

static int
backend_open(git_config_backend *parent, git_config_level_t level,
    const git_repository *repo)
{
	struct backend *b = (struct backend *)parent;

	(void)repo;
	b->level = level;
	return 0;
}

static void
entry_free(git_config_entry *ent)
{
	free(ent);
}

/*
 * libgit2 hands backends a canonical name already. The entry and its
 * strings are one allocation, freed by git_config_entry_free().
 */
static int
backend_get(git_config_backend *parent, const char *key,
    git_config_entry **out)
{
	struct backend *b = (struct backend *)parent;
	const struct entry *found = NULL;
	git_config_entry *ent;
	size_t nlen, vlen;
	char *p;

	for (size_t i = b->n; i > 0 && found == NULL; i--) {
		if (strcmp(b->entries[i - 1].name, key) == 0)
			found = &b->entries[i - 1];
	}
	if (found == NULL)
		return GIT_ENOTFOUND;
	nlen = strlen(found->name) + 1;
	vlen = found->value != NULL ? strlen(found->value) + 1 : 0;
	ent = calloc(1, sizeof(*ent) + nlen + vlen);
	if (ent == NULL) {
		git_error_set_oom();
		return -1;
	}
	p = (char *)(ent + 1);
	memcpy(p, found->name, nlen);
	ent->name = p;
	if (found->value != NULL) {
		memcpy(p + nlen, found->value, vlen);
		ent->value = p + nlen;
	}
	ent->level = b->level;
	ent->free = entry_free;
	*out = ent;
	return 0;
}

static int
iter_next(git_config_entry **out, git_config_iterator *parent)
{
	struct iter *it = (struct iter *)parent;
	const struct entry *src;

	if (it->next >= it->b->n)
		return GIT_ITEROVER;
	src = &it->b->entries[it->next++];
	memset(&it->current, 0, sizeof(it->current));
	it->current.name = src->name;
	it->current.value = src->value;
	it->current.level = it->b->level;
	*out = &it->current;
	return 0;
}

static void
iter_free(git_config_iterator *parent)
{
	free(parent);
}

static int
backend_iterator(git_config_iterator **out, git_config_backend *parent)
{
	struct iter *it;

	it = calloc(1, sizeof(*it));
	if (it == NULL) {
		git_error_set_oom();
		return -1;
	}
	it->parent.backend = parent;
	it->parent.next = iter_next;
	it->parent.free = iter_free;
	it->b = (struct backend *)parent;
	*out = &it->parent;
	return 0;
}

static int
read_only(void)
{
	git_error_set_str(GIT_ERROR_CONFIG,
	    "the command-line configuration is read-only");
	return -1;
}

static int
backend_set(git_config_backend *parent, const char *key, const char *value)
{
	(void)parent;
	(void)key;
	(void)value;
	return read_only();
}

static int
backend_set_multivar(git_config_backend *parent, const char *name,
    const char *regexp, const char *value)
{
	(void)parent;
	(void)name;
	(void)regexp;
	(void)value;
	return read_only();
}

static int
backend_del(git_config_backend *parent, const char *key)
{
	(void)parent;
	(void)key;
	return read_only();
}

static int
backend_del_multivar(git_config_backend *parent, const char *key,
    const char *regexp)
{
	(void)parent;
	(void)key;
	(void)regexp;
	return read_only();
}

static int
backend_lock(git_config_backend *parent)
{
	(void)parent;
	return read_only();
}

static int
backend_unlock(git_config_backend *parent, int success)
{
	(void)parent;
	(void)success;
	return read_only();
}

static int backend_snapshot(git_config_backend **out,
    git_config_backend *parent);

static struct backend *
backend_alloc(void)
{
	struct backend *b;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	(void)git_config_init_backend(&b->parent, GIT_CONFIG_BACKEND_VERSION);
	b->parent.readonly = 1;
	b->parent.open = backend_open;
	b->parent.get = backend_get;
	b->parent.set = backend_set;
	b->parent.set_multivar = backend_set_multivar;
	b->parent.del = backend_del;
	b->parent.del_multivar = backend_del_multivar;
	b->parent.iterator = backend_iterator;
	b->parent.snapshot = backend_snapshot;
	b->parent.lock = backend_lock;
	b->parent.unlock = backend_unlock;
	b->parent.free = backend_free;
	return b;
}

/* A snapshot of something that never changes is a copy. */
static int
backend_snapshot(git_config_backend **out, git_config_backend *parent)
{
	struct backend *b = (struct backend *)parent, *copy;

	copy = backend_alloc();
	if (copy == NULL)
		goto oom;
	copy->entries = calloc(b->n > 0 ? b->n : 1, sizeof(*copy->entries));
	if (copy->entries == NULL)
		goto oom;
	for (size_t i = 0; i < b->n; i++) {
		copy->entries[i].name = strdup(b->entries[i].name);
		if (copy->entries[i].name == NULL)
			goto oom;
		copy->n = i + 1;
		if (b->entries[i].value == NULL)
			continue;
		copy->entries[i].value = strdup(b->entries[i].value);
		if (copy->entries[i].value == NULL)
			goto oom;
	}
	*out = &copy->parent;
	return 0;
oom:
	backend_free(copy != NULL ? &copy->parent : NULL);
	git_error_set_oom();
	return -1;
}

static bool
is_key_char(unsigned char c)
{
	return isalnum(c) || c == '-';
}

int
cmdconfig_canonical_key(char **out, const char *key, struct err *e)
{
	const char *first_dot, *last_dot;
	size_t len, base;
	char *canon;

	first_dot = strchr(key, '.');
	last_dot = strrchr(key, '.');
	if (first_dot == NULL || first_dot == key)
		return err_set(e, "key '%.100s' does not contain a section",
		    key);
	if (last_dot[1] == '\0')
		return err_set(e, "key '%.100s' does not contain a variable "
		    "name", key);
	len = strlen(key);
	base = (size_t)(last_dot - key);
	canon = malloc(len + 1);
	if (canon == NULL)
		return err_set(e, "out of memory");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];
		bool checked = key + i < first_dot || i > base;

		if (checked && (!is_key_char(c) ||
		    (i == base + 1 && !isalpha(c)))) {
			free(canon);
			return err_set(e, "invalid key '%.100s'", key);
		}
		if (!checked && c == '\n') {
			free(canon);
			return err_set(e, "invalid key (newline) '%.100s'",
			    key);
		}
		canon[i] = checked ? (char)tolower(c) : (char)c;
	}
	canon[len] = '\0';
	*out = canon;
	return 0;
}

/* Appends key (canonicalised) and a copy of value (may be NULL). */
static int
add_pair(struct backend *b, const char *key, const char *value,
    const char *var, struct err *e)
{
	struct entry *nv;
	char *name = NULL, *copy = NULL;

	if (key[0] == '\0')
		return err_set(e, "%s: empty config key", var);
	if (cmdconfig_canonical_key(&name, key, e) < 0) {
		struct err inner = *e;

		return err_set(e, "%s: %s", var, inner.msg);
	}
	if (value != NULL) {
		copy = strdup(value);
		if (copy == NULL) {
			free(name);
			return err_set(e, "out of memory");
		}
	}
	nv = realloc(b->entries, (b->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		free(name);
		free(copy);
		return err_set(e, "out of memory");
	}
	nv[b->n].name = name;
	nv[b->n].value = copy;
	b->entries = nv;
	b->n++;
	return 0;
}

static int
read_count(struct backend *b, const char *count, struct err *e)
{
	char var[64], *end;
	const char *key, *value;
	unsigned long n;

	errno = 0;
	n = strtoul(count, &end, 10);
	if (*end != '\0' || errno != 0)
		return err_set(e, "bogus count in GIT_CONFIG_COUNT");
	if (n > COUNT_MAX)
		return err_set(e, "too many entries in GIT_CONFIG_COUNT");
	for (unsigned long i = 0; i < n; i++) {
		(void)snprintf(var, sizeof(var), "GIT_CONFIG_KEY_%lu", i);
		key = getenv(var);
		if (key == NULL)
			return err_set(e, "missing config key %s", var);
		(void)snprintf(var, sizeof(var), "GIT_CONFIG_VALUE_%lu", i);
		value = getenv(var);
		if (value == NULL)
			return err_set(e, "missing config value %s", var);
		(void)snprintf(var, sizeof(var), "GIT_CONFIG_KEY_%lu", i);
		if (add_pair(b, key, value, var, e) < 0)
			return -1;
	}
	return 0;
}

/*
 * git's sq_dequote_step(): dequotes the single-quoted word at arg in
 * place ('\'' and '\!' are the escapes). Returns arg, with *next at what
 * follows the word or NULL at the end; NULL when arg is not such a word.
 */
static char *
sq_dequote_step(char *arg, char **next)
{
	char *dst = arg, *src = arg;
	char c;

	if (*src != '\'')
		return NULL;
	for (;;) {
		c = *++src;
		if (c == '\0')
			return NULL;
		if (c != '\'') {
			*dst++ = c;
			continue;
		}
		switch (*++src) {
		case '\0':
			*dst = '\0';
			*next = NULL;
			return arg;
		case '\\':
			if ((src[1] == '\'' || src[1] == '!') &&
			    src[2] == '\'') {
				*dst++ = src[1];
				src += 2;
				continue;
			}
			/* FALLTHROUGH */
		default:
			*dst = '\0';
			*next = src;
			return arg;
		}
	}
}

static bool
is_space(char c)
{
	return isspace((unsigned char)c) != 0;
}

/* An old-style 'key=value' word: the key is trimmed, as git does. */
static int
old_style(struct backend *b, char *word, struct err *e)
{
	char *eq, *end;
	const char *value = NULL;

	eq = strchr(word, '=');
	if (eq != NULL) {
		*eq = '\0';
		value = eq + 1;
	}
	while (is_space(*word))
		word++;
	end = word + strlen(word);
	while (end > word && is_space(end[-1]))
		*--end = '\0';
	if (*word == '\0')
		return err_set(e, "bogus config parameter in "
		    "GIT_CONFIG_PARAMETERS");
	return add_pair(b, word, value, "GIT_CONFIG_PARAMETERS", e);
}

static int
read_parameters(struct backend *b, char *cur, struct err *e)
{
	static const char BOGUS[] = "bogus format in GIT_CONFIG_PARAMETERS";
	const char *key, *value;
	char *next = NULL, *vnext = NULL;

	while (*cur != '\0') {
		key = sq_dequote_step(cur, &next);
		if (key == NULL)
			return err_set(e, BOGUS);
		if (next == NULL || is_space(*next)) {
			if (old_style(b, (char *)key, e) < 0)
				return -1;
		} else if (*next == '=') {
			next++;
			if (*next == '\'') {
				value = sq_dequote_step(next, &vnext);
				if (value == NULL ||
				    (vnext != NULL && !is_space(*vnext)))
					return err_set(e, BOGUS);
				next = vnext;
			} else if (*next == '\0' || is_space(*next)) {
				value = NULL;
			} else {
				return err_set(e, BOGUS);
			}
			if (add_pair(b, key, value, "GIT_CONFIG_PARAMETERS",
			    e) < 0)
				return -1;
		} else {
			return err_set(e, BOGUS);
		}
		if (next == NULL)
			break;
		while (is_space(*next))
			next++;
		cur = next;
	}
	return 0;
}

int
cmdconfig_new(git_config_backend **out, struct err *e)
{
	const char *count, *params;
	struct backend *b = NULL;
	char *copy = NULL;
	int rc = -1;

	count = getenv("GIT_CONFIG_COUNT");
	params = getenv("GIT_CONFIG_PARAMETERS");
	if (count == NULL && params == NULL) {
		*out = NULL;
		return 0;
	}
	b = backend_alloc();
	if (b == NULL)
		return err_set(e, "out of memory");
	if (count != NULL && read_count(b, count, e) < 0)
		goto out;
	if (params != NULL) {
		copy = strdup(params);
		if (copy == NULL) {
			err_set(e, "out of memory");
			goto out;
		}
		if (read_parameters(b, copy, e) < 0)
			goto out;
	}
	*out = &b->parent;
	b = NULL;
	rc = 0;
out:
	free(copy);
	backend_free(b != NULL ? &b->parent : NULL);
	return rc;
}
