/*
 * guess: whether a credential value was issued by a registry or made up
 * by a person (RULES.md 3.1), judged by the slot it sits in and by
 * libzxcvbn's estimate of how cheap it is to guess.
 *
 * Token slots (_authToken, NPM_TOKEN, npmAuthToken, ...) hold values
 * that registries draw from a random generator; a value made of words,
 * keyboard walks, sequences, repeats or dates is a test dummy. Password
 * slots (_password, the password half of _auth or of a URL) hold human
 * choices, so only the test and example family (password, secret,
 * changeme, admin:admin, user:pass, ...) is made up there.
 *
 * Every function is pure and thread-safe.
 */
#ifndef TOKENGUARD_GUESS_H
#define TOKENGUARD_GUESS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when v[0..n), the literal in a token slot, is cheap to guess:
 * its estimated entropy is far below that of a random string of its
 * length and alphabet. Issuer prefixes (npm_, ghp_, glpat-, ...) are
 * judged by what follows them; JSON Web Tokens are issued.
 */
bool guess_token_made_up(const char *v, size_t n);

/*
 * True when v[0..n), a password, is of the test and example family
 * alone (password, secret, pass123, hunter2, changeme, P@ssw0rd) or too
 * short to be any registry's password (under 6 bytes).
 */
bool guess_password_made_up(const char *v, size_t n);

/*
 * True when the pair user[0..un) and password pw[0..pn) is made up: the
 * password is (guess_password_made_up()), or both halves are words of
 * the family (admin:admin, user:pass, foo:bar), or the user names a
 * login and the password names a password (login-x:passwd-x).
 */
bool guess_login_made_up(const char *user, size_t un, const char *pw,
    size_t pn);

#endif
