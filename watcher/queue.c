/*
 * queue: the on-disk delivery queue. One file per event keeps the
 * durability argument simple (a rename is atomic, a file is either there
 * whole or not at all) and lets an operator read, move or delete events
 * with ordinary tools. The in-memory index holds ids, sizes and the
 * (path, fingerprint) keys, never the records.
 */
#include "queue.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "hash.h"
#include "report.h"

/* Records are small; anything bigger than this is not one of ours. */
#define RECORD_MAX (1U << 20)

static const char TMP_PREFIX[] = ".tmp-";
static const char SUFFIX[] = ".json";

/* Room for an event's file name, <id>.json, or its temporary name. */
#define NAME_SIZE (QUEUE_ID_SIZE + 16)

struct entry {
	char id[QUEUE_ID_SIZE];
	char *key;		/* path, NUL, fingerprint, NUL */
	size_t keylen;
	uint64_t bytes;
	bool ready;		/* written: may be handed out */
	bool out;		/* handed out by queue_next() */
	struct entry *prev, *next;	/* delivery order */
	struct entry *next_key;		/* hash chains */
	struct entry *next_id;
};

struct table {
	struct entry **v;
	size_t n;		/* buckets, a power of two */
};

struct queue {
	pthread_mutex_t lock;
	int dirfd;
	int deadfd;
	bool give;		/* root in another user's queue: chown */
	uid_t uid;		/* ... to the queue directory's owner */
	gid_t gid;
	uint64_t max_bytes;
	uint64_t bytes;		/* of the files queued, and being written */
	size_t count;
	struct entry *head, *tail;
	struct table by_key;
	struct table by_id;
};

static int
table_init(struct table *t, size_t n)
{
	t->v = calloc(n, sizeof(*t->v));
	t->n = n;
	return t->v == NULL ? -1 : 0;
}

/* The head of the chain of table t that a key belongs in. */
static struct entry **
key_head(const struct table *t, const char *key, size_t keylen)
{
	return &t->v[hash_bytes(key, keylen, HASH_START) & (t->n - 1)];
}

/* The head of the chain of table t that an id belongs in. */
static struct entry **
id_head(const struct table *t, const char *id)
{
	return &t->v[hash_bytes(id, strlen(id), HASH_START) & (t->n - 1)];
}

/* Links x at the head of its chains in the tables by key and by id. */
static void
link_tables(struct table *by_key, struct table *by_id, struct entry *x)
{
	struct entry **pk = key_head(by_key, x->key, x->keylen);
	struct entry **pi = id_head(by_id, x->id);

	x->next_key = *pk;
	*pk = x;
	x->next_id = *pi;
	*pi = x;
}

static struct entry **
key_slot(struct queue *q, const char *key, size_t keylen)
{
	struct entry **pp = key_head(&q->by_key, key, keylen);

	while (*pp != NULL && ((*pp)->keylen != keylen ||
	    memcmp((*pp)->key, key, keylen) != 0))
		pp = &(*pp)->next_key;
	return pp;
}

static struct entry **
id_slot(struct queue *q, const char *id)
{
	struct entry **pp = id_head(&q->by_id, id);

	while (*pp != NULL && strcmp((*pp)->id, id) != 0)
		pp = &(*pp)->next_id;
	return pp;
}

/* Doubles both tables when they are full; on failure they stay. */
static void
grow(struct queue *q)
{
	struct table k, i;
	struct entry *x;

	if (q->count < q->by_key.n)
		return;
	if (table_init(&k, q->by_key.n * 2) < 0)
		return;
	if (table_init(&i, q->by_id.n * 2) < 0) {
		free(k.v);
		return;
	}
	for (x = q->head; x != NULL; x = x->next)
		link_tables(&k, &i, x);
	free(q->by_key.v);
	free(q->by_id.v);
	q->by_key = k;
	q->by_id = i;
}

static void
list_append(struct queue *q, struct entry *x)
{
	x->next = NULL;
	x->prev = q->tail;
	if (q->tail != NULL)
		q->tail->next = x;
	else
		q->head = x;
	q->tail = x;
}

static void
list_remove(struct queue *q, struct entry *x)
{
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		q->head = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	else
		q->tail = x->prev;
	x->prev = x->next = NULL;
}

/* Links x into the list (at the back) and both tables. */
static void
insert(struct queue *q, struct entry *x)
{
	list_append(q, x);
	q->count++;
	link_tables(&q->by_key, &q->by_id, x);
	q->bytes += x->bytes;
	/* Last: grow() relinks every entry of the list, x included. */
	grow(q);
}

/* Frees x, which is in no list or table; x may be NULL. */
static void
entry_free(struct entry *x)
{
	if (x != NULL)
		free(x->key);
	free(x);
}

/* Unlinks x from everything and frees it. */
static void
drop(struct queue *q, struct entry *x)
{
	struct entry **pp;

	/* By identity: a damaged directory may hold two equal keys. */
	pp = key_head(&q->by_key, x->key, x->keylen);
	while (*pp != NULL && *pp != x)
		pp = &(*pp)->next_key;
	if (*pp == x)
		*pp = x->next_key;
	pp = id_head(&q->by_id, x->id);
	while (*pp != NULL && *pp != x)
		pp = &(*pp)->next_id;
	if (*pp == x)
		*pp = x->next_id;
	list_remove(q, x);
	q->count--;
	q->bytes -= x->bytes;
	entry_free(x);
}

/* A new entry with a copy of the key "path\0fingerprint\0". */
static struct entry *
entry_new(const char *id, const char *path, const char *fp, uint64_t bytes)
{
	size_t plen = strlen(path), flen = strlen(fp);
	struct entry *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->keylen = plen + flen + 2;
	x->key = malloc(x->keylen);
	if (x->key == NULL) {
		free(x);
		return NULL;
	}
	memcpy(x->key, path, plen + 1);
	memcpy(x->key + plen + 1, fp, flen + 1);
	(void)snprintf(x->id, sizeof(x->id), "%s", id);
	x->bytes = bytes;
	return x;
}

/* True for "msg_" and 32 lowercase hex digits. */
static bool
is_id(const char *s, size_t len)
{
	if (len != QUEUE_ID_SIZE - 1 || strncmp(s, "msg_", 4) != 0)
		return false;
	for (size_t i = 4; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

static int
make_id(char id[QUEUE_ID_SIZE], struct err *e)
{
	struct timespec ts;
	uint64_t r, ns;
	ssize_t n;

	do {
		n = getrandom(&r, sizeof(r), 0);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(r))
		return err_errno(e, "queue: getrandom");
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	(void)snprintf(id, QUEUE_ID_SIZE, "msg_%016llx%016llx",
	    (unsigned long long)ns, (unsigned long long)r);
	return 0;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The file name of event id: <id>.json. */
static void
record_name(char name[NAME_SIZE], const char *id)
{
	(void)snprintf(name, NAME_SIZE, "%s%s", id, SUFFIX);
}

/* Writes data as <id>.json: temporary file, fsync, rename, fsync. */
static int
write_event(struct queue *q, const char *id, const char *data, size_t len,
    struct err *e)
{
	char tmp[NAME_SIZE], name[NAME_SIZE];
	int fd;

	(void)snprintf(tmp, sizeof(tmp), "%s%s", TMP_PREFIX, id);
	record_name(name, id);
	fd = openat(q->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_errno(e, "queue: cannot create '%s'", tmp);
	if (q->give && fchown(fd, q->uid, q->gid) < 0) {
		err_errno(e, "queue: cannot give '%s' to the queue's owner",
		    tmp);
		(void)close(fd);
		(void)unlinkat(q->dirfd, tmp, 0);
		return -1;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err_errno(e, "queue: cannot write '%s'", tmp);
		(void)close(fd);
		(void)unlinkat(q->dirfd, tmp, 0);
		return -1;
	}
	if (close(fd) < 0) {
		err_errno(e, "queue: cannot write '%s'", tmp);
		(void)unlinkat(q->dirfd, tmp, 0);
		return -1;
	}
	if (renameat(q->dirfd, tmp, q->dirfd, name) < 0) {
		err_errno(e, "queue: cannot rename '%s'", tmp);
		(void)unlinkat(q->dirfd, tmp, 0);
		return -1;
	}
	if (fsync(q->dirfd) < 0) {
		/*
		 * The file is there but may not survive a crash: say so,
		 * and take it back so that the caller tries again.
		 */
		err_errno(e, "queue: cannot sync the queue directory");
		(void)unlinkat(q->dirfd, name, 0);
		return -1;
	}
	return 0;
}

static const char *
member(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int
queue_record_parse(json_t **out, const char *buf, size_t len,
    const char *id, struct err *e)
{
	json_error_t je;
	json_t *j;

	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL || !json_is_object(j) || (id != NULL &&
	    (member(j, "path") == NULL || member(j, "fingerprint") == NULL ||
	    member(j, "id") == NULL || strcmp(member(j, "id"), id) != 0))) {
		json_decref(j);
		return err_set(e, "not an event record");
	}
	*out = j;
	return 0;
}

/*
 * Reads <id>.json (or any name) relative to dirfd, at most RECORD_MAX,
 * and parses it as queue_record_parse() does.
 */
static int
read_record(json_t **out, int dirfd, const char *name, const char *id,
    struct err *e)
{
	struct fileio_text f;
	struct err pe = { 0 };
	int rc = -1;

	if (fileio_read(&f, dirfd, name, RECORD_MAX, FILEIO_NOFOLLOW,
	    &pe) < 0)
		return err_set(e, "queue: cannot read %s", pe.msg);
	if (f.state != FILEIO_READ)
		return err_set(e, "queue: '%s': not an event record", name);
	if (queue_record_parse(out, f.data, f.len, id, &pe) < 0) {
		err_set(e, "queue: '%s': %s", name, pe.msg);
		goto out;
	}
	rc = 0;
out:
	free(f.data);
	return rc;
}

/* Moves name from the queue directory to dead/, durably. */
static int
move_dead(struct queue *q, const char *name, struct err *e)
{
	if (renameat(q->dirfd, name, q->deadfd, name) < 0)
		return err_errno(e, "queue: cannot move '%s' to %s/", name,
		    QUEUE_DEAD_DIR);
	if (fsync(q->deadfd) < 0 || fsync(q->dirfd) < 0)
		return err_errno(e, "queue: cannot sync after moving '%s'",
		    name);
	return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

/* Appends x to the vector *v of *n (capacity *cap) entries. */
static int
push(struct entry ***v, size_t *n, size_t *cap, struct entry *x)
{
	if (*n == *cap) {
		size_t ncap = *cap != 0 ? *cap * 2 : 64;
		struct entry **nv = realloc(*v, ncap * sizeof(**v));

		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/*
 * The entry of a record read from the directory, or NULL when the record
 * is not one of ours (*bad set) or memory ran out (*bad clear).
 */
static struct entry *
parse_entry(const json_t *rec, const char *id, uint64_t bytes, bool *bad)
{
	const char *path, *fp, *rid;

	path = member(rec, "path");
	fp = member(rec, "fingerprint");
	rid = member(rec, "id");
	*bad = path == NULL || fp == NULL || rid == NULL ||
	    strcmp(rid, id) != 0;
	if (*bad)
		return NULL;
	return entry_new(id, path, fp, bytes);
}

/* Loads one directory entry; unknown names are left alone. */
static int
load_one(struct entry ***v, size_t *n, size_t *cap, struct queue *q,
    const char *name, struct queue_loaded *ld, struct err *e)
{
	size_t len = strlen(name), slen = sizeof(SUFFIX) - 1;
	struct entry *x = NULL;
	char id[QUEUE_ID_SIZE];
	struct stat st;
	json_t *rec = NULL;
	struct err ignored;
	bool bad = true;
	int rc = -1;

	if (strncmp(name, TMP_PREFIX, sizeof(TMP_PREFIX) - 1) == 0) {
		/*
		 * A write that a crash interrupted: never renamed, so never
		 * promised to anyone.
		 */
		if (unlinkat(q->dirfd, name, 0) == 0)
			ld->temporaries++;
		return 0;
	}
	if (len <= slen || strcmp(name + len - slen, SUFFIX) != 0 ||
	    !is_id(name, len - slen))
		return 0;
	(void)snprintf(id, sizeof(id), "%.*s", (int)(len - slen), name);
	if (fstatat(q->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_errno(e, "queue: cannot read '%s'", name);
	if (read_record(&rec, q->dirfd, name, id, &ignored) == 0)
		x = parse_entry(rec, id, (uint64_t)st.st_size, &bad);
	if (bad) {
		if (move_dead(q, name, e) < 0)
			goto out;
		ld->bad++;
		rc = 0;
		goto out;
	}
	if (x == NULL || push(v, n, cap, x) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	x->ready = true;
	x = NULL;
	rc = 0;
out:
	entry_free(x);
	json_decref(rec);
	return rc;
}

static int
load(struct queue *q, struct queue_loaded *ld, struct err *e)
{
	struct entry **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;
	int fd, rc = -1;

	fd = openat(q->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_errno(e, "queue: cannot list the queue directory");
	d = fdopendir(fd);
	if (d == NULL) {
		err_errno(e, "queue: cannot list the queue directory");
		(void)close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (load_one(&v, &n, &cap, q, de->d_name, ld, e) < 0)
			goto out;
		errno = 0;
	}
	if (errno != 0) {
		err_errno(e, "queue: cannot list the queue directory");
		goto out;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_entry);
	for (size_t i = 0; i < n; i++) {
		insert(q, v[i]);
		v[i] = NULL;
	}
	ld->events = n;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++) {
		if (v[i] != NULL) {
			free(v[i]->key);
			free(v[i]);
		}
	}
	free(v);
	(void)closedir(d);
	return rc;
}

/*
 * Opens (creating when missing) a directory of ours, mode 0700: whoever
 * could write in it could forge or drop events. An existing directory
 * open to others is closed to them when it is ours, refused otherwise.
 */
static int
open_dir(int *out, int at, const char *path, struct err *e)
{
	struct stat st;
	int fd;

	if (mkdirat(at, path, 0700) < 0 && errno != EEXIST)
		return err_errno(e, "queue: cannot create '%s'", path);
	fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd < 0)
		return err_errno(e, "queue: cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		err_errno(e, "queue: cannot open '%s'", path);
		(void)close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0 && (st.st_uid != geteuid() ||
	    fchmod(fd, 0700) < 0)) {
		err_set(e, "queue: '%s' is open to group or others (mode "
		    "%04o) and cannot be made 0700", path,
		    (unsigned)(st.st_mode & 07777));
		(void)close(fd);
		return -1;
	}
	*out = fd;
	return 0;
}

int
queue_open(struct queue **out, struct queue_loaded *loaded,
    const char *dir, uint64_t max_bytes, struct err *e)
{
	struct queue_loaded ld = { 0 };
	struct queue *q;
	struct stat st;
	int rc = -1;

	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return err_set(e, "out of memory");
	q->dirfd = -1;
	q->deadfd = -1;
	q->max_bytes = max_bytes;
	if (pthread_mutex_init(&q->lock, NULL) != 0) {
		free(q);
		return err_set(e, "queue: cannot make a mutex");
	}
	if (table_init(&q->by_key, 64) < 0 || table_init(&q->by_id, 64) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	if (open_dir(&q->dirfd, AT_FDCWD, dir, e) < 0)
		goto out;
	if (flock(q->dirfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			err_set(e, "queue '%s': in use by another process",
			    dir);
		else
			err_errno(e, "queue '%s': cannot lock", dir);
		goto out;
	}
	/*
	 * Root (tokenguard-watch --once by hand) in a queue of the service
	 * user's: what it makes is the user's, or the daemon could not
	 * read or remove it.
	 */
	if (fstat(q->dirfd, &st) < 0) {
		err_errno(e, "queue: cannot open '%s'", dir);
		goto out;
	}
	q->give = geteuid() == 0 && st.st_uid != 0;
	q->uid = st.st_uid;
	q->gid = st.st_gid;
	if (open_dir(&q->deadfd, q->dirfd, QUEUE_DEAD_DIR, e) < 0)
		goto out;
	if (q->give && (fstat(q->deadfd, &st) < 0 || ((st.st_uid != q->uid ||
	    st.st_gid != q->gid) && fchown(q->deadfd, q->uid, q->gid) < 0))) {
		err_errno(e, "queue: cannot give '%s/%s' to the queue's owner",
		    dir, QUEUE_DEAD_DIR);
		goto out;
	}
	if (load(q, &ld, e) < 0)
		goto out;
	if (loaded != NULL)
		*loaded = ld;
	*out = q;
	q = NULL;
	rc = 0;
out:
	queue_free(q);
	return rc;
}

void
queue_free(struct queue *q)
{
	if (q == NULL)
		return;
	while (q->head != NULL)
		drop(q, q->head);
	free(q->by_key.v);
	free(q->by_id.v);
	if (q->deadfd >= 0)
		(void)close(q->deadfd);
	if (q->dirfd >= 0)
		(void)close(q->dirfd);
	(void)pthread_mutex_destroy(&q->lock);
	free(q);
}

void
queue_each(struct queue *q, queue_each_fn *fn, void *payload)
{
	(void)pthread_mutex_lock(&q->lock);
	for (struct entry *x = q->head; x != NULL; x = x->next)
		fn(x->key, x->key + strlen(x->key) + 1, payload);
	(void)pthread_mutex_unlock(&q->lock);
}

void
queue_set_max_bytes(struct queue *q, uint64_t max_bytes)
{
	(void)pthread_mutex_lock(&q->lock);
	q->max_bytes = max_bytes;
	(void)pthread_mutex_unlock(&q->lock);
}

int
queue_put(enum queue_put_result *result, char id[QUEUE_ID_SIZE],
    struct queue *q, json_t *record, struct err *e)
{
	char nid[QUEUE_ID_SIZE];
	const char *path, *fp;
	struct entry *x = NULL;
	json_t *copy = NULL;
	char *data = NULL;
	size_t len, keylen;
	char *key = NULL;
	int rc = -1;

	path = member(record, "path");
	fp = member(record, "fingerprint");
	if (path == NULL || fp == NULL)
		return err_set(e, "queue: a record needs a path and a "
		    "fingerprint");
	if (make_id(nid, e) < 0)
		return -1;
	copy = json_copy(record);
	if (copy == NULL || json_object_set_new(copy, "id",
	    json_string(nid)) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	data = report_json_line(copy, &len);	/* written with its length */
	if (data == NULL) {
		err_set(e, "queue: cannot serialize a record");
		goto out;
	}
	x = entry_new(nid, path, fp, len);
	if (x == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	key = x->key;
	keylen = x->keylen;

	(void)pthread_mutex_lock(&q->lock);
	if (*key_slot(q, key, keylen) != NULL) {
		(void)pthread_mutex_unlock(&q->lock);
		*result = QUEUE_DUPLICATE;
		rc = 0;
		goto out;
	}
	if (q->bytes >= q->max_bytes) {
		(void)pthread_mutex_unlock(&q->lock);
		*result = QUEUE_FULL;
		rc = 0;
		goto out;
	}
	/* Reserve the key and the bytes while the file is written. */
	insert(q, x);
	(void)pthread_mutex_unlock(&q->lock);

	if (write_event(q, nid, data, len, e) < 0) {
		(void)pthread_mutex_lock(&q->lock);
		drop(q, x);
		(void)pthread_mutex_unlock(&q->lock);
		x = NULL;
		goto out;
	}
	(void)pthread_mutex_lock(&q->lock);
	x->ready = true;
	(void)pthread_mutex_unlock(&q->lock);
	x = NULL;
	if (json_object_set_new(record, "id", json_string(nid)) < 0) {
		/* Queued all the same; only the caller's copy lacks it. */
		err_set(e, "out of memory");
	}
	(void)snprintf(id, QUEUE_ID_SIZE, "%s", nid);
	*result = QUEUE_ADDED;
	rc = 0;
out:
	entry_free(x);
	free(data);
	json_decref(copy);
	return rc;
}

bool
queue_has(struct queue *q, const char *path, const char *fingerprint)
{
	size_t plen = strlen(path), flen = strlen(fingerprint);
	char small[512], *key = small;
	bool has;

	if (plen + flen + 2 > sizeof(small)) {
		key = malloc(plen + flen + 2);
		if (key == NULL)
			return false;
	}
	memcpy(key, path, plen + 1);
	memcpy(key + plen + 1, fingerprint, flen + 1);
	(void)pthread_mutex_lock(&q->lock);
	has = *key_slot(q, key, plen + flen + 2) != NULL;
	(void)pthread_mutex_unlock(&q->lock);
	if (key != small)
		free(key);
	return has;
}

bool
queue_next(struct queue *q, char id[QUEUE_ID_SIZE])
{
	struct entry *x;

	(void)pthread_mutex_lock(&q->lock);
	for (x = q->head; x != NULL; x = x->next) {
		if (x->ready && !x->out)
			break;
	}
	if (x != NULL) {
		x->out = true;
		(void)snprintf(id, QUEUE_ID_SIZE, "%s", x->id);
	}
	(void)pthread_mutex_unlock(&q->lock);
	return x != NULL;
}

int
queue_read(json_t **out, struct queue *q, const char *id, struct err *e)
{
	char name[NAME_SIZE];

	record_name(name, id);
	return read_record(out, q->dirfd, name, NULL, e);
}

/* Drops event id from the index, when it is there. */
static void
forget(struct queue *q, const char *id)
{
	struct entry *x;

	(void)pthread_mutex_lock(&q->lock);
	x = *id_slot(q, id);
	if (x != NULL)
		drop(q, x);
	(void)pthread_mutex_unlock(&q->lock);
}

int
queue_done(struct queue *q, const char *id, struct err *e)
{
	char name[NAME_SIZE];
	int rc = 0;

	record_name(name, id);
	if (unlinkat(q->dirfd, name, 0) < 0 && errno != ENOENT)
		rc = err_errno(e, "queue: cannot remove '%s' (delivered; it "
		    "is sent again after a restart)", name);
	/*
	 * Forgotten either way: kept, it would be handed out (and sent)
	 * again at once, over and over, while the directory stays
	 * read-only.
	 */
	forget(q, id);
	return rc;
}

void
queue_retry(struct queue *q, const char *id)
{
	struct entry *x;

	(void)pthread_mutex_lock(&q->lock);
	x = *id_slot(q, id);
	if (x != NULL) {
		x->out = false;
		list_remove(q, x);
		list_append(q, x);
	}
	(void)pthread_mutex_unlock(&q->lock);
}

int
queue_dead(struct queue *q, const char *id, struct err *e)
{
	char name[NAME_SIZE];
	int rc;

	record_name(name, id);
	rc = move_dead(q, name, e);
	/* Forgotten either way, as in queue_done(). */
	forget(q, id);
	return rc;
}

void
queue_stats(struct queue *q, size_t *events, uint64_t *bytes)
{
	(void)pthread_mutex_lock(&q->lock);
	if (events != NULL)
		*events = q->count;
	if (bytes != NULL)
		*bytes = q->bytes;
	(void)pthread_mutex_unlock(&q->lock);
}

bool
queue_full(struct queue *q)
{
	bool full;

	(void)pthread_mutex_lock(&q->lock);
	full = q->bytes >= q->max_bytes;
	(void)pthread_mutex_unlock(&q->lock);
	return full;
}
