/*
 * value: RULES.md section 3, the judgement of a credential key's value:
 * empty, a reference (${NAME}, secrets.X, ...), a placeholder, or a
 * literal, and which kind of literal.
 */
#ifndef TOKENGUARD_VALUE_H
#define TOKENGUARD_VALUE_H

#include <stdbool.h>
#include <stddef.h>

enum value_class {
	VALUE_NONE = 0,		/* empty, reference, placeholder, weak */
	VALUE_TOKEN,		/* exact npm_ / gh?_ shape: section 1 */
	VALUE_UUID,		/* a legacy npm token */
	VALUE_GITHUB_PAT,	/* github_pat_ fine-grained token */
	VALUE_LITERAL,		/* 16+ characters, 2+ character classes */
};

/*
 * Judges v[0..n) (quotes already stripped). A reference with a literal
 * fallback (${X:-fallback}) is judged by its fallback: *off and *len
 * receive the judged part's place within v (the whole of v otherwise).
 */
enum value_class value_classify(const char *v, size_t n, size_t *off,
    size_t *len);

/* Section 3 item 2: ${NAME}, $NAME, secrets.X, op://..., f(x), ... */
bool value_is_reference(const char *v, size_t n);

/* Section 3 item 4: <...>, xxxx, ***, ..., example words, ALL_CAPS, ... */
bool value_is_placeholder(const char *v, size_t n);

/* 8-4-4-4-12 hex digits, any case. */
bool value_is_uuid(const char *v, size_t n);

/*
 * Judges a user:password pair (decoded _auth, npmAuthIdent): true when
 * it looks like a real credential, false for placeholders such as
 * user:password or an empty password.
 */
bool value_is_real_login(const char *v, size_t n);

/*
 * Code where a value should start (RULES.md 3.1 item 4): a member access
 * such as FirebaseAuth.instance or creds.auth_token, identifiers joined
 * by dots. JSON Web Tokens (eyJ...) are not code.
 */
bool value_is_member_access(const char *v, size_t n);

/*
 * A host that can reach no real service (RFC 2606, RFC 6761):
 * example.com, example.org, example.net and their subdomains, and names
 * ending in .example, .test or .invalid. h[0..n) may end with a dot.
 */
bool value_host_is_example(const char *h, size_t n);

/*
 * w[0..n) is one of the words of list (NULL-terminated), case aside.
 */
bool value_word_in(const char *w, size_t n, const char *const *list);

/* The number of character classes (lower, upper, digit, other) in v. */
int value_classes(const char *v, size_t n);

#endif
