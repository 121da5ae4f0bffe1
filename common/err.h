/*
 * err: the one-line error message a fallible function leaves for its
 * caller. Functions return 0 or -1; on -1 the message is in the caller's
 * struct err.
 */
#ifndef TOKENGUARD_ERR_H
#define TOKENGUARD_ERR_H

#define ERR_MAX 512

struct err {
	char msg[ERR_MAX];
};

/* Formats the message into e (when e is not NULL) and returns -1. */
int err_set(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Like err_set(), then appends ": " and strerror(errno), with errno as it
 * was on entry. Returns -1.
 */
int err_errno(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Both always return -1. Saying so where callers see it lets static
 * analysers, which do not look into variadic functions, follow
 * `return err_set(e, ...)` without reporting impossible paths.
 */
static inline int
err_minus_one(int rc)
{
	(void)rc;
	return -1;
}
#define err_set(...) err_minus_one(err_set(__VA_ARGS__))
#define err_errno(...) err_minus_one(err_errno(__VA_ARGS__))

#endif
