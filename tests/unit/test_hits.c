/*
 * test_hits: the findings a hook keeps (hits.h): copies of findings and
 * skips, and the marks of the pre-existing ones set by scanning an
 * earlier blob, or a tree's version of a path, in a repository whose
 * objects are in memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/repository.h>

#include "hits.h"
#include "support.h"

static git_repository *repo;	/* objects in memory only */
static struct scanner *scanner;
static struct config cfg;

static int
setup(void **state)
{
	struct err e = { 0 };
	git_odb_backend *mem = NULL;
	git_odb *odb = NULL;

	(void)state;
	if (git_libgit2_init() < 0 || git_repository_new(&repo) < 0 ||
	    git_odb_new(&odb) < 0 || git_mempack_new(&mem) < 0 ||
	    git_odb_add_backend(odb, mem, 1) < 0 ||
	    git_repository_set_odb(repo, odb) < 0)
		return -1;
	git_odb_free(odb);
	support_config(&cfg, 0);
	return scanner_new(&scanner, &cfg, &e);
}

static int
teardown(void **state)
{
	(void)state;
	scanner_free(scanner);
	config_release(&cfg);
	git_repository_free(repo);
	(void)git_libgit2_shutdown();
	return 0;
}

/* The blob of template tmpl, expanded. */
static void
blob(git_oid *out, const char *tmpl)
{
	struct support_text t;

	support_expand(&t, tmpl);
	assert_int_equal(git_blob_create_from_buffer(out, repo, t.buf, t.len),
	    0);
	support_text_release(&t);
}

static int
collect(const struct finding *f, void *payload)
{
	struct hits *h = payload;
	struct hit *x = NULL;
	struct err e = { 0 };

	if (hits_add(&x, h, f, f->path, &e) < 0)
		return -1;
	assert_ptr_equal(x, &h->v[h->n - 1]);
	return 0;
}

/* Scans blob id as the current one: its hits are h->v[first..upto). */
static void
scan_new(struct hits *h, const git_oid *id, const char *path)
{
	struct scan_origin o = { path, NULL };
	struct err e = { 0 };
	git_blob *b = NULL;

	assert_int_equal(git_blob_lookup(&b, repo, id), 0);
	h->first = h->n;
	assert_int_equal(scanner_scan(scanner, NULL, &o,
	    git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), 0, collect,
	    h, &e), 0);
	h->upto = h->n;
	git_blob_free(b);
}

static void
test_check_old(void **state)
{
	const char *text = "NPM_TOKEN=@NPM@\nother=@NPM2@\n";
	struct hits h = { 0 };
	struct err e = { 0 };
	git_oid now, old, bigger;

	(void)state;
	blob(&now, text);
	blob(&old, "# the first one only\nNPM_TOKEN=@NPM@\n");
	blob(&bigger, "x\nNPM_TOKEN=@NPM@\nother=@NPM2@\n");
	scan_new(&h, &now, "a/.npmrc");
	assert_int_equal(h.n, 2);
	assert_string_equal(h.v[0].path, "a/.npmrc");
	assert_false(hits_all_preexisting(&h));
	/* Over max: not scanned, nothing marked. */
	assert_int_equal(hits_check_old(&h, repo, scanner, "old", &old,
	    NULL, 10, &e), 0);
	assert_false(h.v[0].preexisting || h.v[1].preexisting);
	assert_int_equal(hits_check_old(&h, repo, scanner, "old", &old,
	    NULL, 1000, &e), 0);
	assert_true(h.v[0].preexisting);
	assert_false(h.v[1].preexisting);
	assert_false(hits_all_preexisting(&h));
	assert_int_equal(hits_check_old(&h, repo, scanner, "old", &bigger,
	    NULL, 1000, &e), 0);
	assert_true(hits_all_preexisting(&h));
	hits_release(&h);
	assert_int_equal(h.n, 0);
	/* The same blob: all marked, without a scan (max 0). */
	scan_new(&h, &now, "b");
	assert_int_equal(hits_check_old(&h, repo, scanner, "b", &now, &now,
	    0, &e), 0);
	assert_true(hits_all_preexisting(&h));
	hits_release(&h);
}

static void
test_check_tree(void **state)
{
	struct hits h = { 0 };
	struct err e = { 0 };
	git_treebuilder *tb = NULL;
	git_tree *tree = NULL;
	git_oid now, old, tid;

	(void)state;
	blob(&now, "NPM_TOKEN=@NPM@\n");
	blob(&old, "NPM_TOKEN=@NPM@\n# older\n");
	assert_int_equal(git_treebuilder_new(&tb, repo, NULL), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, "f", &old,
	    GIT_FILEMODE_BLOB), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, "gitlink", &old,
	    GIT_FILEMODE_COMMIT), 0);
	assert_int_equal(git_treebuilder_write(&tid, tb), 0);
	git_treebuilder_free(tb);
	assert_int_equal(git_tree_lookup(&tree, repo, &tid), 0);
	scan_new(&h, &now, "f");
	/* No such path, or no blob there: nothing, and no error. */
	assert_int_equal(hits_check_tree(&h, repo, scanner, tree,
	    "MERGE_HEAD", "missing", &now, 1000, &e), 0);
	assert_int_equal(hits_check_tree(&h, repo, scanner, tree,
	    "MERGE_HEAD", "gitlink", &now, 1000, &e), 0);
	assert_false(hits_all_preexisting(&h));
	assert_int_equal(hits_check_tree(&h, repo, scanner, tree,
	    "MERGE_HEAD", "f", &now, 1000, &e), 0);
	assert_true(hits_all_preexisting(&h));
	git_tree_free(tree);
	hits_release(&h);
}

static void
test_skips(void **state)
{
	struct hits h = { 0 };
	struct err e = { 0 };
	struct skip *k = NULL;

	(void)state;
	assert_int_equal(hits_skip(&k, &h, "big.bin", 99, &e), 0);
	k->ref = "refs/heads/main";
	assert_int_equal(hits_skip(NULL, &h, "other", 7, &e), 0);
	assert_int_equal(h.nskips, 2);
	assert_string_equal(h.skips[0].path, "big.bin");
	assert_string_equal(h.skips[0].ref, "refs/heads/main");
	assert_int_equal(h.skips[1].size, 7);
	assert_null(h.skips[1].ref);
	assert_string_equal(h.skips[1].commit, "");
	hits_release(&h);
	assert_int_equal(h.nskips, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_old),
		cmocka_unit_test(test_check_tree),
		cmocka_unit_test(test_skips),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
