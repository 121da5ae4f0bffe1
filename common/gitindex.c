/*
 * gitindex: the index file, read directly (gitsrc.h says why): its
 * entries (versions 2, 3 and 4) and its cache tree, checked for
 * structure, into the struct gitsrc_index of gitsrcint.h. Forms it does
 * not know (split, sparse, newer) are refused as unsupported, for
 * gitdiff.c to list instead.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitsrcint.h"

/*
 * The index file (Documentation/gitformat-index.txt in git): a header,
 * the entries sorted by path and stage, extensions, and the SHA-1 of
 * everything before it.
 */
#define INDEX_HEADER 12
#define INDEX_HASH 20
#define ENTRY_FIXED 62		/* stat data, mode, id, flags */
#define FLAG_EXTENDED 0x4000
#define FLAG_STAGE_SHIFT 12
#define FLAG_NAME_MASK 0x0fff
#define EXT_INTENT_TO_ADD 0x2000
#define CTREE_DEPTH_MAX 4096
/* A bigger index is not something a commit hook can be handed. */
#define INDEX_MAX (UINT32_MAX - 1ULL)

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int
corrupt(struct gitsrc_index *ix, const char *why, struct err *e)
{
	return err_set(e, "cannot read the index '%s': %s", ix->path, why);
}

/* A valid index in a form this reader does not know; git may. */
static int
unknown(struct gitsrc_index *ix, const char *why, struct err *e)
{
	ix->unsupported = true;
	return corrupt(ix, why, e);
}

/*
 * Maps the index file. MAP_POPULATE maps its pages in one go: faulting
 * them in one by one, or copying them into fresh memory, costs more than
 * everything else the hook does with a big index.
 */
static int
map_file(struct gitsrc_index *ix, bool *missing, struct err *e)
{
	struct stat st;
	void *map;
	int fd, rc = -1;

	*missing = false;
	fd = open(ix->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		*missing = true;
		return 0;
	}
	if (fd < 0)
		return err_errno(e, "cannot read the index '%s'", ix->path);
	if (fstat(fd, &st) < 0) {
		err_errno(e, "cannot read the index '%s'", ix->path);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > INDEX_MAX) {
		corrupt(ix, S_ISREG(st.st_mode) ? "too big" :
		    "not a regular file", e);
		goto out;
	}
	if (st.st_size < INDEX_HEADER + INDEX_HASH) {
		corrupt(ix, "too short", e);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ,
	    MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		err_errno(e, "cannot read the index '%s'", ix->path);
		goto out;
	}
	ix->buf = map;
	ix->size = (size_t)st.st_size;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* git's varint of index version 4 (offset encoding). */
static int
varint(size_t *out, const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s = *p;
	size_t v;

	if (s >= end)
		return -1;
	v = *s & 0x7f;
	while ((*s++ & 0x80) != 0) {
		if (s >= end || v > (SIZE_MAX >> 8))
			return -1;
		v = ((v + 1) << 7) | (*s & 0x7f);
	}
	*p = s;
	*out = v;
	return 0;
}

/* Makes room for want bytes in the version 4 path arena. */
static int
names_grow(struct gitsrc_index *ix, size_t *cap, size_t want)
{
	size_t ncap = *cap == 0 ? 65536 : *cap;
	char *nv;

	if (want <= *cap) {
		assert(ix->names != NULL);
		return 0;
	}
	while (ncap < want) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	nv = realloc(ix->names, ncap);
	if (nv == NULL)
		return -1;
	ix->names = nv;
	*cap = ncap;
	return 0;
}

/* Paths and stages strictly increase, as git writes them. */
static bool
in_order(const struct ientry *a, const struct ientry *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->path, b->path, n);

	if (c != 0)
		return c < 0;
	if (a->len != b->len)
		return a->len < b->len;
	return a->stage < b->stage;
}

/* What parsing the entries carries from one to the next. */
struct entries {
	unsigned version;
	size_t *offs;		/* version 4: path offsets in names */
	size_t used, cap;	/* version 4: the names arena */
	size_t prev_off, prev_len;	/* version 4: the previous path */
};

/*
 * The path of a version 4 entry at *name: strip bytes of the previous
 * path are dropped, then the NUL-terminated rest follows. *name is left
 * after it.
 */
static int
path_v4(struct gitsrc_index *ix, struct entries *st, size_t i,
    const unsigned char **name, const unsigned char *end, size_t *len,
    struct err *e)
{
	const unsigned char *nul;
	size_t strip, keep, rest;

	if (varint(&strip, name, end) < 0 || strip > st->prev_len)
		return corrupt(ix, "bad path compression", e);
	nul = memchr(*name, '\0', (size_t)(end - *name));
	if (nul == NULL)
		return corrupt(ix, "truncated path", e);
	keep = st->prev_len - strip;
	rest = (size_t)(nul - *name);
	*len = keep + rest;
	if (names_grow(ix, &st->cap, st->used + *len + 1) < 0)
		return err_set(e, "out of memory");
	memcpy(ix->names + st->used, ix->names + st->prev_off, keep);
	memcpy(ix->names + st->used + keep, *name, rest + 1);
	st->offs[i] = st->used;
	st->prev_off = st->used;
	st->prev_len = *len;
	st->used += *len + 1;
	*name = nul + 1;
	return 0;
}

/*
 * The path of a version 2 or 3 entry starting at p, whose name starts
 * hdr bytes in; the entry is padded with 1 to 8 NULs to a multiple of 8
 * bytes. *next is the next entry.
 */
static int
path_v2(struct gitsrc_index *ix, struct ientry *en, const unsigned char *p,
    size_t hdr, unsigned flags, const unsigned char *end,
    const unsigned char **next, struct err *e)
{
	const unsigned char *name = p + hdr, *nul;
	size_t len = flags & FLAG_NAME_MASK, size;

	if (len == FLAG_NAME_MASK) {
		nul = memchr(name, '\0', (size_t)(end - name));
		if (nul == NULL)
			return corrupt(ix, "truncated path", e);
		len = (size_t)(nul - name);
	}
	size = (hdr + len + 8) & ~(size_t)7;
	if ((size_t)(end - p) < size || name[len] != '\0')
		return corrupt(ix, "truncated entry", e);
	en->path = (const char *)name;
	en->len = (uint32_t)len;
	*next = p + size;
	return 0;
}

/*
 * Parses the entries. *soft is set to what is wrong with entries that a
 * split index may have (empty paths, for entries kept in the shared
 * index): whether that is corruption depends on the extensions.
 */
static int
parse_entries(struct gitsrc_index *ix, const char **soft, unsigned version,
    const unsigned char **pos, const unsigned char *end, struct err *e)
{
	struct entries st = { version, NULL, 0, 0, 0, 0 };
	const unsigned char *p = *pos, *name;
	int rc = -1;

	if (version == 4) {
		st.offs = calloc(ix->n > 0 ? ix->n : 1, sizeof(*st.offs));
		if (st.offs == NULL)
			return err_set(e, "out of memory");
	}
	for (size_t i = 0; i < ix->n; i++) {
		struct ientry *en = &ix->e[i];
		size_t hdr = ENTRY_FIXED;
		unsigned flags, ext = 0;

		if ((size_t)(end - p) < ENTRY_FIXED + 1) {
			corrupt(ix, "truncated entry", e);
			goto out;
		}
		en->at = (uint32_t)(p - (const unsigned char *)ix->buf);
		en->mode = be32(p + 24);
		flags = be16(p + 60);
		if ((flags & FLAG_EXTENDED) != 0) {
			if (version < 3) {
				corrupt(ix, "extended flags in version 2", e);
				goto out;
			}
			ext = be16(p + 62);
			hdr += 2;
		}
		en->stage = (uint8_t)((flags >> FLAG_STAGE_SHIFT) & 3);
		en->ita = (ext & EXT_INTENT_TO_ADD) != 0;
		if (version == 4) {
			size_t len = 0;

			name = p + hdr;
			if (path_v4(ix, &st, i, &name, end, &len, e) < 0)
				goto out;
			en->len = (uint32_t)len;
			p = name;
		} else if (path_v2(ix, en, p, hdr, flags, end, &p, e) < 0) {
			goto out;
		}
		/* Only a split index has these: decided by its extensions. */
		if (en->len == 0 && *soft == NULL)
			*soft = "empty path";
		if ((en->mode & S_IFMT) == S_IFDIR) {
			unknown(ix, "sparse directory entry (a sparse index)",
			    e);
			goto out;
		}
	}
	for (size_t i = 0; version == 4 && i < ix->n; i++)
		ix->e[i].path = ix->names + st.offs[i];
	for (size_t i = 1; i < ix->n && *soft == NULL; i++) {
		if (!in_order(&ix->e[i - 1], &ix->e[i]))
			*soft = "entries out of order";
	}
	*pos = p;
	rc = 0;
out:
	free(st.offs);
	return rc;
}

/* Parses one cache-tree node and its children; *idx is its index. */
static int
parse_ctree(struct gitsrc_index *ix, size_t *idx, const unsigned char **pos,
    const unsigned char *end, unsigned depth, struct err *e)
{
	const unsigned char *p = *pos, *nul, *nl;
	struct ctree *node, *nv;
	long count;
	unsigned long nsub;
	char *num_end;
	size_t me;

	if (depth > CTREE_DEPTH_MAX)
		return corrupt(ix, "cache tree too deep", e);
	nul = memchr(p, '\0', (size_t)(end - p));
	if (nul == NULL)
		return corrupt(ix, "bad cache tree", e);
	nl = memchr(nul + 1, '\n', (size_t)(end - nul - 1));
	if (nl == NULL)
		return corrupt(ix, "bad cache tree", e);
	/* "COUNT SUBTREES\n", both decimal; COUNT is -1 when invalid. */
	errno = 0;
	count = strtol((const char *)nul + 1, &num_end, 10);
	if (errno != 0 || *num_end != ' ' || count < -1)
		return corrupt(ix, "bad cache tree", e);
	nsub = strtoul(num_end + 1, &num_end, 10);
	if (errno != 0 || num_end != (const char *)nl ||
	    nsub > (unsigned long)(end - p))
		return corrupt(ix, "bad cache tree", e);
	p = nl + 1;
	if (ix->nnodes == ix->ncap) {
		size_t cap = ix->ncap == 0 ? 256 : ix->ncap * 2;

		nv = realloc(ix->nodes, cap * sizeof(*nv));
		if (nv == NULL)
			return err_set(e, "out of memory");
		ix->nodes = nv;
		ix->ncap = cap;
	}
	me = ix->nnodes++;
	node = &ix->nodes[me];
	memset(node, 0, sizeof(*node));
	node->name = (const char *)*pos;
	node->len = (size_t)(nul - *pos);
	node->count = count;
	if (count >= 0) {
		if ((size_t)(end - p) < GIT_OID_RAWSZ)
			return corrupt(ix, "bad cache tree", e);
		git_oid_fromraw(&node->id, p);
		p += GIT_OID_RAWSZ;
	}
	if (nsub > 0) {
		node->sub = calloc(nsub, sizeof(*node->sub));
		if (node->sub == NULL)
			return err_set(e, "out of memory");
	}
	for (unsigned long i = 0; i < nsub; i++) {
		size_t child;

		if (parse_ctree(ix, &child, &p, end, depth + 1, e) < 0)
			return -1;
		/* The array may have moved. */
		ix->nodes[me].sub[i] = child;
		ix->nodes[me].nsub++;
	}
	*pos = p;
	*idx = me;
	return 0;
}

static int
parse_extensions(struct gitsrc_index *ix, const unsigned char *p,
    const unsigned char *end, struct err *e)
{
	char why[ERR_MAX / 4];

	while (p < end) {
		const unsigned char *data;
		uint32_t len;
		size_t root;

		if ((size_t)(end - p) < 8)
			return corrupt(ix, "truncated extension", e);
		len = be32(p + 4);
		data = p + 8;
		if (len > (size_t)(end - data))
			return corrupt(ix, "truncated extension", e);
		if (memcmp(p, "TREE", 4) == 0 && len > 0) {
			const unsigned char *q = data;

			if (ix->nodes != NULL)
				return corrupt(ix, "two cache trees", e);
			if (parse_ctree(ix, &root, &q, data + len, 0, e) < 0)
				return -1;
			if (q != data + len)
				return corrupt(ix, "bad cache tree", e);
		} else if (p[0] < 'A' || p[0] > 'Z') {
			/* Lowercase: an extension a reader must understand. */
			(void)snprintf(why, sizeof(why), "unsupported "
			    "extension '%.4s'%s", (const char *)p,
			    memcmp(p, "link", 4) == 0 ? " (a split index)" :
			    memcmp(p, "sdir", 4) == 0 ? " (a sparse index)" :
			    "");
			return unknown(ix, why, e);
		}
		p = data + len;
	}
	return 0;
}

static int
parse_index(struct gitsrc_index *ix, struct err *e)
{
	const unsigned char *p = (const unsigned char *)ix->buf, *end;
	const char *soft = NULL;
	unsigned version;
	uint32_t count;

	if (ix->size < INDEX_HEADER + INDEX_HASH ||
	    memcmp(ix->buf, "DIRC", 4) != 0)
		return corrupt(ix, "not an index file", e);
	version = be32(p + 4);
	if (version < 2 || version > 4)
		return unknown(ix, "unsupported version", e);
	count = be32(p + 8);
	end = p + ix->size - INDEX_HASH;
	if (count > (ix->size - INDEX_HEADER) / (ENTRY_FIXED + 2))
		return corrupt(ix, "bad entry count", e);
	ix->n = count;
	ix->e_size = (count > 0 ? count : 1) * sizeof(*ix->e);
	ix->e = mmap(NULL, ix->e_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (ix->e == MAP_FAILED) {
		ix->e = NULL;
		return err_set(e, "out of memory");
	}
	p += INDEX_HEADER;
	if (parse_entries(ix, &soft, version, &p, end, e) < 0 ||
	    parse_extensions(ix, p, end, e) < 0)
		return -1;
	if (soft != NULL)
		return corrupt(ix, soft, e);
	return 0;
}

int
gitsrc_index_open(struct gitsrc_index **out, bool *unsupported,
    const char *path, struct err *e)
{
	struct gitsrc_index *ix;
	bool missing;

	*unsupported = false;
	ix = calloc(1, sizeof(*ix));
	if (ix == NULL)
		return err_set(e, "out of memory");
	ix->path = strdup(path);
	if (ix->path == NULL) {
		free(ix);
		return err_set(e, "out of memory");
	}
	if (map_file(ix, &missing, e) < 0 ||
	    (!missing && parse_index(ix, e) < 0)) {
		*unsupported = ix->unsupported;
		gitsrc_index_free(ix);
		return -1;
	}
	*out = ix;
	return 0;
}

void
gitsrc_index_free(struct gitsrc_index *ix)
{
	if (ix == NULL)
		return;
	for (size_t i = 0; i < ix->nnodes; i++)
		free(ix->nodes[i].sub);
	free(ix->nodes);
	if (ix->e != NULL)
		(void)munmap(ix->e, ix->e_size);
	free(ix->names);
	if (ix->buf != NULL)
		(void)munmap(ix->buf, ix->size);
	free(ix->path);
	free(ix);
}

size_t
gitsrc_index_count(const struct gitsrc_index *ix)
{
	return ix->n;
}
