/*
 * test_queue: the on-disk delivery queue. Events are durable files
 * (0600, complete or absent), handed out oldest first, deduplicated by
 * (path, fingerprint), refused over the size limit, and survive a
 * reopen (a restart) with crash debris cleaned up. queue_each() lists
 * what is queued; root in another user's queue directory gives what it
 * makes there to that user.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue.h"

struct fixture {
	char dir[64];
	char qdir[96];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/tg-queue.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(f->qdir, sizeof(f->qdir), "%s/q", f->dir);
	*state = f;
	return 0;
}

static int
rm_tree(const char *path)
{
	char cmd[512];
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL)
		return unlink(path);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(cmd, sizeof(cmd), "%s/%s", path, de->d_name);
		(void)rm_tree(cmd);
	}
	(void)closedir(d);
	return rmdir(path);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	(void)rm_tree(f->dir);
	free(f);
	return 0;
}

static json_t *
rec(const char *path, const char *fp)
{
	json_t *r = json_pack("{s:s,s:s,s:i,s:s}", "path", path,
	    "fingerprint", fp, "line", 3, "redacted", "npm_...Ab");

	assert_non_null(r);
	return r;
}

/* Puts (path, fp) and expects want; id receives the new id. */
static void
put(struct queue *q, const char *path, const char *fp,
    enum queue_put_result want, char id[QUEUE_ID_SIZE])
{
	enum queue_put_result res = QUEUE_FULL;
	struct err e = { 0 };
	json_t *r = rec(path, fp);

	assert_int_equal(queue_put(&res, id, q, r, &e), 0);
	assert_int_equal(res, want);
	if (want == QUEUE_ADDED)
		assert_string_equal(json_string_value(json_object_get(r,
		    "id")), id);
	else
		assert_null(json_object_get(r, "id"));
	json_decref(r);
}

static size_t
count_files(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	(void)closedir(d);
	return n;
}

static void
test_put_read_done(void **state)
{
	struct fixture *f = *state;
	char id[QUEUE_ID_SIZE], got[QUEUE_ID_SIZE], file[256];
	struct queue_loaded ld;
	struct queue *q = NULL;
	struct err e = { 0 };
	struct stat st;
	json_t *r = NULL;
	size_t n;
	uint64_t bytes;

	assert_int_equal(queue_open(&q, &ld, f->qdir, 1 << 20, &e), 0);
	assert_int_equal(ld.events, 0);
	assert_int_equal(stat(f->qdir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	(void)snprintf(file, sizeof(file), "%s/%s", f->qdir, QUEUE_DEAD_DIR);
	assert_int_equal(stat(file, &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	put(q, "/a/.npmrc", "sha256:aa", QUEUE_ADDED, id);
	assert_int_equal(strlen(id), QUEUE_ID_SIZE - 1);
	assert_memory_equal(id, "msg_", 4);
	(void)snprintf(file, sizeof(file), "%s/%s.json", f->qdir, id);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(count_files(f->qdir, ".tmp-"), 0);
	queue_stats(q, &n, &bytes);
	assert_int_equal(n, 1);
	assert_int_equal(bytes, (uint64_t)st.st_size);

	assert_true(queue_has(q, "/a/.npmrc", "sha256:aa"));
	assert_false(queue_has(q, "/a/.npmrc", "sha256:bb"));
	assert_false(queue_has(q, "/b/.npmrc", "sha256:aa"));
	put(q, "/a/.npmrc", "sha256:aa", QUEUE_DUPLICATE, got);
	put(q, "/a/.npmrc", "sha256:bb", QUEUE_ADDED, got);

	assert_true(queue_next(q, got));
	assert_string_equal(got, id);
	assert_int_equal(queue_read(&r, q, got, &e), 0);
	assert_string_equal(json_string_value(json_object_get(r, "id")), id);
	assert_string_equal(json_string_value(json_object_get(r, "path")),
	    "/a/.npmrc");
	assert_int_equal(json_integer_value(json_object_get(r, "line")), 3);
	json_decref(r);
	assert_int_equal(queue_done(q, got, &e), 0);
	assert_int_equal(stat(file, &st), -1);
	assert_false(queue_has(q, "/a/.npmrc", "sha256:aa"));
	/* Gone from the queue: the same pair may be queued again. */
	put(q, "/a/.npmrc", "sha256:aa", QUEUE_ADDED, got);
	queue_stats(q, &n, NULL);
	assert_int_equal(n, 2);
	queue_free(q);
}

/*
 * An event whose file cannot be removed (or moved to dead/), as in a
 * read-only directory, is reported (-1) but forgotten all the same: kept,
 * it would be handed out, and sent, again and again. A directory in the
 * file's place makes unlink() and rename() fail, even for root.
 */
static void
test_done_unremovable(void **state)
{
	struct fixture *f = *state;
	char ids[3][QUEUE_ID_SIZE], got[QUEUE_ID_SIZE], file[256];
	struct queue *q = NULL;
	struct err e = { 0 };
	size_t n;

	assert_int_equal(queue_open(&q, NULL, f->qdir, 1 << 20, &e), 0);
	put(q, "/a", "sha256:1", QUEUE_ADDED, ids[0]);
	put(q, "/b", "sha256:2", QUEUE_ADDED, ids[1]);
	put(q, "/c", "sha256:3", QUEUE_ADDED, ids[2]);
	(void)snprintf(file, sizeof(file), "%s/%s.json", f->qdir, ids[0]);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(mkdir(file, 0700), 0);
	assert_true(queue_next(q, got));
	assert_string_equal(got, ids[0]);
	assert_int_equal(queue_done(q, got, &e), -1);
	assert_non_null(strstr(e.msg, "cannot remove"));
	assert_false(queue_has(q, "/a", "sha256:1"));

	(void)snprintf(file, sizeof(file), "%s/%s/%s.json", f->qdir,
	    QUEUE_DEAD_DIR, ids[1]);
	assert_int_equal(mkdir(file, 0700), 0);
	assert_true(queue_next(q, got));
	assert_string_equal(got, ids[1]);
	assert_int_equal(queue_dead(q, got, &e), -1);
	assert_false(queue_has(q, "/b", "sha256:2"));

	assert_true(queue_next(q, got));
	assert_string_equal(got, ids[2]);
	assert_false(queue_next(q, got));
	queue_stats(q, &n, NULL);
	assert_int_equal(n, 1);
	queue_free(q);
}

static void
test_order_and_retry(void **state)
{
	struct fixture *f = *state;
	char ids[4][QUEUE_ID_SIZE], got[QUEUE_ID_SIZE];
	struct queue *q = NULL;
	struct err e = { 0 };
	char fp[16];

	assert_int_equal(queue_open(&q, NULL, f->qdir, 1 << 20, &e), 0);
	for (int i = 0; i < 4; i++) {
		(void)snprintf(fp, sizeof(fp), "sha256:%d", i);
		put(q, "/p", fp, QUEUE_ADDED, ids[i]);
		if (i > 0)
			assert_true(strcmp(ids[i - 1], ids[i]) < 0);
	}
	/* Oldest first; handed-out events are not handed out twice. */
	assert_true(queue_next(q, got));
	assert_string_equal(got, ids[0]);
	assert_true(queue_next(q, got));
	assert_string_equal(got, ids[1]);
	/* A retried event goes to the back. */
	queue_retry(q, ids[0]);
	assert_true(queue_next(q, got));
	assert_string_equal(got, ids[2]);
	assert_true(queue_next(q, got));
	assert_string_equal(got, ids[3]);
	assert_true(queue_next(q, got));
	assert_string_equal(got, ids[0]);
	assert_false(queue_next(q, got));
	queue_retry(q, ids[1]);
	assert_true(queue_next(q, got));
	assert_string_equal(got, ids[1]);
	queue_free(q);
}

static void
test_max_bytes(void **state)
{
	struct fixture *f = *state;
	char id[QUEUE_ID_SIZE], got[QUEUE_ID_SIZE];
	struct queue *q = NULL;
	struct err e = { 0 };
	size_t n;

	/* The limit refuses once the files take it: one fits. */
	assert_int_equal(queue_open(&q, NULL, f->qdir, 10, &e), 0);
	put(q, "/p", "sha256:1", QUEUE_ADDED, id);
	assert_true(queue_full(q));
	put(q, "/p", "sha256:2", QUEUE_FULL, got);
	queue_stats(q, &n, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(count_files(f->qdir, "msg_"), 1);
	/* A duplicate is still a duplicate when full. */
	put(q, "/p", "sha256:1", QUEUE_DUPLICATE, got);
	/* Room again once delivered; or with a bigger limit. */
	assert_true(queue_next(q, got));
	assert_int_equal(queue_done(q, got, &e), 0);
	assert_false(queue_full(q));
	put(q, "/p", "sha256:2", QUEUE_ADDED, got);
	queue_set_max_bytes(q, 1 << 20);
	put(q, "/p", "sha256:3", QUEUE_ADDED, got);
	queue_free(q);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void
test_reopen(void **state)
{
	struct fixture *f = *state;
	char ids[3][QUEUE_ID_SIZE], got[QUEUE_ID_SIZE], dead[256];
	struct queue_loaded ld;
	struct queue *q = NULL, *q2 = NULL;
	struct err e = { 0 };
	char fp[16];
	size_t n;

	assert_int_equal(queue_open(&q, NULL, f->qdir, 1 << 20, &e), 0);
	for (int i = 0; i < 3; i++) {
		(void)snprintf(fp, sizeof(fp), "sha256:%d", i);
		put(q, "/p", fp, QUEUE_ADDED, ids[i]);
	}
	/* A second process cannot use the queue at the same time. */
	assert_int_equal(queue_open(&q2, NULL, f->qdir, 1 << 20, &e), -1);
	assert_non_null(strstr(e.msg, "in use"));
	/* Handed out but not done when the process dies: still there. */
	assert_true(queue_next(q, got));
	queue_free(q);

	/* What a crash leaves: a temporary file and a damaged record. */
	write_file(f->qdir, ".tmp-msg_00000000000000000000000000000001",
	    "{\"id\":");
	write_file(f->qdir, "msg_00000000000000000000000000000002.json",
	    "not json\n");
	write_file(f->qdir, "msg_00000000000000000000000000000003.json",
	    "{\"id\":\"msg_00000000000000000000000000000009\","
	    "\"path\":\"/x\",\"fingerprint\":\"sha256:x\"}\n");
	write_file(f->qdir, "README", "not ours: left alone\n");

	assert_int_equal(queue_open(&q, &ld, f->qdir, 1 << 20, &e), 0);
	assert_int_equal(ld.events, 3);
	assert_int_equal(ld.bad, 2);
	assert_int_equal(ld.temporaries, 1);
	assert_int_equal(count_files(f->qdir, ".tmp-"), 0);
	(void)snprintf(dead, sizeof(dead), "%s/%s", f->qdir, QUEUE_DEAD_DIR);
	assert_int_equal(count_files(dead, "msg_"), 2);
	assert_int_equal(count_files(f->qdir, "README"), 1);
	queue_stats(q, &n, NULL);
	assert_int_equal(n, 3);
	assert_true(queue_has(q, "/p", "sha256:2"));
	for (int i = 0; i < 3; i++) {
		assert_true(queue_next(q, got));
		assert_string_equal(got, ids[i]);
	}
	/* A refused event moves to dead/. */
	assert_int_equal(queue_dead(q, ids[1], &e), 0);
	assert_int_equal(count_files(dead, "msg_"), 3);
	assert_false(queue_has(q, "/p", "sha256:1"));
	queue_free(q);
}

static void
test_bad_record(void **state)
{
	struct fixture *f = *state;
	enum queue_put_result res;
	char id[QUEUE_ID_SIZE];
	struct queue *q = NULL;
	struct err e = { 0 };
	json_t *r = json_pack("{s:s}", "path", "/p");
	struct stat st;

	assert_int_equal(queue_open(&q, NULL, f->qdir, 1 << 20, &e), 0);
	assert_int_equal(queue_put(&res, id, q, r, &e), -1);
	assert_non_null(strstr(e.msg, "fingerprint"));
	json_decref(r);
	/* A queue directory open to others is closed to them. */
	queue_free(q);
	assert_int_equal(chmod(f->qdir, 0777), 0);
	assert_int_equal(queue_open(&q, NULL, f->qdir, 1 << 20, &e), 0);
	queue_free(q);
	assert_int_equal(stat(f->qdir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* A queue directory that cannot be made. */
	q = NULL;
	assert_int_equal(queue_open(&q, NULL, "/proc/no/such/dir", 1, &e),
	    -1);
	assert_null(q);
}

struct writer {
	struct queue *q;
	int n;
	int base;
};

static void *
writer(void *arg)
{
	struct writer *w = arg;
	char fp[32], id[QUEUE_ID_SIZE];

	for (int i = 0; i < w->n; i++) {
		enum queue_put_result res;
		struct err e = { 0 };
		json_t *r;

		(void)snprintf(fp, sizeof(fp), "sha256:%d", w->base + i);
		r = json_pack("{s:s,s:s}", "path", "/same", "fingerprint", fp);
		if (queue_put(&res, id, w->q, r, &e) < 0 || res != QUEUE_ADDED)
			w->n = -1;
		json_decref(r);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct fixture *f = *state;
	struct writer w[4];
	pthread_t t[4];
	struct queue *q = NULL;
	struct err e = { 0 };
	size_t n;

	assert_int_equal(queue_open(&q, NULL, f->qdir, 1 << 20, &e), 0);
	for (int i = 0; i < 4; i++) {
		w[i].q = q;
		w[i].n = 25;
		w[i].base = i * 100;
		assert_int_equal(pthread_create(&t[i], NULL, writer, &w[i]),
		    0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].n, 25);
	}
	queue_stats(q, &n, NULL);
	assert_int_equal(n, 100);
	assert_int_equal(count_files(f->qdir, "msg_"), 100);
	queue_free(q);
}

/*
 * Many events: the index grows several times while events are added and
 * removed, and every lookup still ends (a bug once linked an entry to
 * itself when the index grew, and lookups looped for ever).
 */
static void
test_many(void **state)
{
	struct fixture *f = *state;
	char id[QUEUE_ID_SIZE], fp[32], path[32];
	struct queue *q = NULL;
	struct err e = { 0 };
	size_t n;
	int i;

	assert_int_equal(queue_open(&q, NULL, f->qdir, 1 << 30, &e), 0);
	for (i = 0; i < 700; i++) {
		(void)snprintf(path, sizeof(path), "/d/f%d.env", i);
		(void)snprintf(fp, sizeof(fp), "sha256:%d", i);
		assert_false(queue_has(q, path, fp));
		put(q, path, fp, QUEUE_ADDED, id);
		assert_true(queue_has(q, path, fp));
		assert_false(queue_has(q, path, "sha256:absent"));
	}
	for (i = 0; i < 700; i++) {
		(void)snprintf(path, sizeof(path), "/d/f%d.env", i);
		(void)snprintf(fp, sizeof(fp), "sha256:%d", i);
		assert_true(queue_has(q, path, fp));
		put(q, path, fp, QUEUE_DUPLICATE, id);
	}
	/* Deliver half, in order; the rest are still found. */
	for (i = 0; i < 350; i++) {
		assert_true(queue_next(q, id));
		assert_int_equal(queue_done(q, id, &e), 0);
	}
	for (i = 0; i < 700; i++) {
		(void)snprintf(path, sizeof(path), "/d/f%d.env", i);
		(void)snprintf(fp, sizeof(fp), "sha256:%d", i);
		assert_int_equal(queue_has(q, path, fp), i >= 350);
	}
	queue_stats(q, &n, NULL);
	assert_int_equal(n, 350);
	queue_free(q);
}

/* queue_record_parse(): what queue_open() accepts from a record file. */
#define RID "msg_0123456789abcdef0123456789abcdef"

static const struct record_case {
	const char *name;
	const char *text;
	bool with_id;		/* checked against RID */
	bool ok;
} record_cases[] = {
	{ "a record", "{\"id\":\"" RID "\",\"path\":\"/a\","
	    "\"fingerprint\":\"sha256:00\",\"line\":3}", true, true },
	{ "another id", "{\"id\":\"msg_1\",\"path\":\"/a\","
	    "\"fingerprint\":\"f\"}", true, false },
	{ "no path", "{\"id\":\"" RID "\",\"fingerprint\":\"f\"}", true,
	    false },
	{ "path not a string", "{\"id\":\"" RID "\",\"path\":5,"
	    "\"fingerprint\":\"f\"}", true, false },
	{ "duplicate member", "{\"id\":\"" RID "\",\"id\":\"" RID "\","
	    "\"path\":\"/a\",\"fingerprint\":\"f\"}", true, false },
	{ "not an object", "[1]", false, false },
	{ "any object without an id", "{}", false, true },
	{ "truncated", "{\"id\":\"" RID "\",\"pa", true, false },
	{ "empty", "", false, false },
	{ "NUL escape refused", "{\"path\":\"a\\u0000b\"}", false, false },
};

static void
test_record_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(record_cases) / sizeof(record_cases[0]);
	    i++) {
		const struct record_case *c = &record_cases[i];
		struct err e = { 0 };
		json_t *rec = NULL;
		int rc;

		rc = queue_record_parse(&rec, c->text, strlen(c->text),
		    c->with_id ? RID : NULL, &e);
		if ((rc == 0) != c->ok) {
			print_error("record case '%s': rc %d (%s)\n", c->name,
			    rc, e.msg);
			fail();
		}
		if (rc == 0)
			assert_true(json_is_object(rec));
		else
			assert_string_equal(e.msg, "not an event record");
		json_decref(rec);
	}
}

struct seen {
	char pairs[4][128];
	size_t n;
};

static void
collect(const char *path, const char *fingerprint, void *payload)
{
	struct seen *s = payload;

	assert_true(s->n < 4);
	(void)snprintf(s->pairs[s->n++], sizeof(s->pairs[0]), "%s %s", path,
	    fingerprint);
}

static void
test_each(void **state)
{
	struct fixture *f = *state;
	char id[QUEUE_ID_SIZE];
	struct queue *q = NULL;
	struct err e = { 0 };
	struct seen s = { 0 };

	assert_int_equal(queue_open(&q, NULL, f->qdir, 1 << 20, &e), 0);
	put(q, "/w/a/.npmrc", "sha256:aa", QUEUE_ADDED, id);
	put(q, "/w/b/.env", "sha256:bb", QUEUE_ADDED, id);
	queue_free(q);
	q = NULL;
	/* Reopened, as after a restart: in delivery order. */
	assert_int_equal(queue_open(&q, NULL, f->qdir, 1 << 20, &e), 0);
	queue_each(q, collect, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.pairs[0], "/w/a/.npmrc sha256:aa");
	assert_string_equal(s.pairs[1], "/w/b/.env sha256:bb");
	queue_free(q);
}

static void
test_root_gives(void **state)
{
	struct fixture *f = *state;
	char id[QUEUE_ID_SIZE], file[256];
	struct queue *q = NULL;
	struct err e = { 0 };
	struct stat st;

	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdir(f->qdir, 0700), 0);
	assert_int_equal(chown(f->qdir, 65534, 65534), 0);
	assert_int_equal(queue_open(&q, NULL, f->qdir, 1 << 20, &e), 0);
	put(q, "/w/a/.npmrc", "sha256:aa", QUEUE_ADDED, id);
	(void)snprintf(file, sizeof(file), "%s/%s.json", f->qdir, id);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(st.st_mode & 07777, 0600);
	(void)snprintf(file, sizeof(file), "%s/dead", f->qdir);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	queue_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_parse),
		cmocka_unit_test_setup_teardown(test_put_read_done, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_done_unremovable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_order_and_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_max_bytes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_record, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_gives, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
