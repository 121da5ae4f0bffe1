/* hookcfg: a hook's repository, configuration and scanner. */
#include <git2/sys/repository.h>

#include "gitsrc.h"
#include "hookcfg.h"

void
hookcfg_init(struct hookcfg *h)
{
	h->repo = NULL;
	h->git = NULL;
	config_init(&h->cfg);
	h->scanner = NULL;
}

int
hookcfg_open(struct hookcfg *h, struct config_notes *notes, struct err *e)
{
	if (gitsrc_open(&h->repo, e) < 0)
		return -1;
	if (config_open_repo(&h->git, notes, h->repo, NULL, e) < 0)
		return -1;
	if (git_repository_set_config(h->repo, h->git) < 0)
		return err_set(e, "config: %s", git_error_last() != NULL ?
		    git_error_last()->message : "libgit2 error");
	return 0;
}

/* "config 'KEY': " and libgit2's reason; returns -1. */
static int
key_error(struct err *e, const char *key)
{
	return err_set(e, "config '%s': %s", key, git_error_last() != NULL ?
	    git_error_last()->message : "libgit2 error");
}

int
hookcfg_read_bool(bool *out, git_config *cfg, const char *key,
    struct err *e)
{
	int v;

	switch (git_config_get_bool(&v, cfg, key)) {
	case 0:
		*out = v != 0;
		return 0;
	case GIT_ENOTFOUND:
		return 0;
	default:
		return key_error(e, key);
	}
}

int
hookcfg_read_string(git_buf *buf, git_config *cfg, const char *key,
    struct err *e)
{
	int rc = git_config_get_string_buf(buf, cfg, key);

	if (rc == GIT_ENOTFOUND)
		return 0;
	return rc < 0 ? key_error(e, key) : 1;
}

void
hookcfg_release(struct hookcfg *h)
{
	scanner_free(h->scanner);
	config_release(&h->cfg);
	git_config_free(h->git);
	git_repository_free(h->repo);
	hookcfg_init(h);
}
