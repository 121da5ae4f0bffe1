/* settings: the configuration the commands share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
settings_load(struct settings *s, const char *dir, const char *file,
    struct err *e)
{
	struct config_notes notes = { 0 };

	memset(s, 0, sizeof(*s));
	config_init(&s->cfg);
	if (config_open(&s->git, &s->repo_root, &notes, dir, file, e) < 0)
		return -1;
	for (size_t i = 0; i < notes.n; i++)
		fprintf(stderr, "tokenguard: note: %s\n", notes.msg[i]);
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
