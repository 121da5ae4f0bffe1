/* settings: the configuration the commands share. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
settings_load(struct settings *s, const char *dir, const char *file,
    struct err *e)
{
	memset(s, 0, sizeof(*s));
	config_init(&s->cfg);
	if (config_open(&s->git, &s->repo_root, dir, file, e) < 0)
		return -1;
	return config_read(&s->cfg, s->git, e);
}

void
settings_release(struct settings *s)
{
	config_release(&s->cfg);
	git_config_free(s->git);
	free(s->repo_root);
	s->git = NULL;
	s->repo_root = NULL;
}
