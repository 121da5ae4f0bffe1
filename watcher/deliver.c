/* deliver: posting queued events, with retries. */
#include "deliver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "log.h"
#include "version.h"
#include "webhook.h"

/* However long a Retry-After, the next attempt is within an hour. */
#define RETRY_AFTER_MAX_MS (3600ULL * 1000)

/* The delivery thread's own state. */
struct sender {
	struct daemon *d;
	struct conf *c;		/* the configuration w was made from */
	struct webhook *w;
	unsigned streak;	/* failed attempts in a row */
	uint64_t pause_until;	/* monotonic ms */
	unsigned defer_streak;	/* retries of deferred paths in a row */
	uint64_t defer_due;	/* monotonic ms; 0: none scheduled */
};

static uint64_t
random64(void)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = daemon_now_ms() * 0x9e3779b97f4a7c15ULL;
	return r;
}

static bool
cancelled(void *payload)
{
	struct daemon *d = payload;

	return atomic_load(&d->stopping);
}

/* Makes s->w for the current configuration, when it changed. */
static int
refresh(struct sender *s)
{
	struct conf *c = daemon_conf(s->d);
	struct webhook_options o = { 0 };
	struct webhook *w = NULL;
	struct err e = { 0 };

	if (c == s->c) {
		conf_unref(c);
		return s->w != NULL ? 0 : -1;
	}
	o.url = c->url;
	o.key = c->key;
	o.keylen = c->keylen;
	o.ca_file = c->ca_file;
	o.connect_timeout_ms = (long)c->connect_timeout_ms;
	o.timeout_ms = (long)c->timeout_ms;
	o.user_agent = "tokenguard-watch/" TOKENGUARD_VERSION;
	o.cancelled = cancelled;
	o.cancel_payload = s->d;
	if (webhook_new(&w, &o, &e) < 0)
		log_msg("%s", e.msg);
	webhook_free(s->w);
	conf_unref(s->c);
	s->w = w;
	s->c = c;
	s->streak = 0;
	s->pause_until = 0;
	return w != NULL ? 0 : -1;
}

/* Queued events may go back to being scanned now that there is room. */
static void
undefer(struct daemon *d)
{
	char **v = NULL;
	size_t n = 0;

	if (queue_full(d->queue))
		return;
	state_take_deferred(&d->state, &v, &n);
	for (size_t i = 0; i < n; i++) {
		if (work_add(&d->work, v[i], WORK_DEFERRED | WORK_EVENT) < 0)
			state_defer(&d->state, v[i]);
		free(v[i]);
	}
	free(v);
}

/*
 * Nothing to deliver. Paths whose findings could not be queued because
 * of the disk (full or read-only: no delivery will make room) are
 * scanned again on their own, with the webhook's backoff, until a
 * delivery shows that events can be queued again. Returns the monotonic
 * time to wake up at, 0 for when kicked.
 */
static uint64_t
idle(struct sender *s, uint64_t now)
{
	if (!state_has_deferred(&s->d->state)) {
		s->defer_due = 0;
		return 0;
	}
	if (s->defer_due == 0) {
		s->defer_due = now + webhook_backoff(s->defer_streak,
		    s->c->retry_base_ms, s->c->retry_max_ms, random64());
		if (s->defer_streak < 64)
			s->defer_streak++;
	}
	if (now < s->defer_due)
		return s->defer_due;
	s->defer_due = 0;
	undefer(s->d);
	/* Paths the scan queue had no room for wait for the next turn. */
	return state_has_deferred(&s->d->state) ?
	    now + s->c->retry_base_ms : 0;
}

/*
 * One attempt at event id. Returns the outcome; on a retry, *delay is
 * how long to wait (ms) before the next attempt.
 */
static enum webhook_outcome
attempt(struct sender *s, const char *id, uint64_t *delay)
{
	struct daemon *d = s->d;
	struct webhook_result r;
	struct err e = { 0 };
	json_t *rec = NULL;
	char *body = NULL;
	enum webhook_outcome out = WEBHOOK_RETRY;

	*delay = 0;
	if (queue_read(&rec, d->queue, id, &e) < 0) {
		/* Damaged, or removed by hand: it cannot be sent. */
		log_msg("%s: moving it to %s/", e.msg, QUEUE_DEAD_DIR);
		if (queue_dead(d->queue, id, &e) < 0 &&
		    queue_done(d->queue, id, &e) < 0)
			log_msg("%s", e.msg);
		return WEBHOOK_REJECTED;
	}
	if (webhook_body(&body, s->c->format, rec, &e) < 0 ||
	    webhook_send(&r, s->w, id, (long long)time(NULL), body,
	    strlen(body), &e) < 0) {
		log_msg("delivery of %s: %s", id, e.msg);
		queue_retry(d->queue, id);
		s->streak++;
		*delay = webhook_backoff(s->streak - 1, s->c->retry_base_ms,
		    s->c->retry_max_ms, random64());
		goto out;
	}
	out = r.outcome;
	switch (r.outcome) {
	case WEBHOOK_DELIVERED:
		if (queue_done(d->queue, id, &e) < 0)
			log_msg("%s", e.msg);
		metrics_add(&d->metrics, &d->metrics.delivered, 1);
		log_msg("delivered %s to %s: HTTP %ld in %.0f ms", id,
		    s->c->url_shown, r.status, r.seconds * 1000);
		s->streak = 0;
		s->defer_streak = 0;
		undefer(d);
		break;
	case WEBHOOK_REJECTED:
		metrics_add(&d->metrics, &d->metrics.rejected, 1);
		if (queue_dead(d->queue, id, &e) < 0)
			log_msg("%s refused %s for good (%s); %s",
			    s->c->url_shown, id, r.why, e.msg);
		else
			log_msg("%s refused %s for good (%s): moved to %s/%s/",
			    s->c->url_shown, id, r.why, s->c->queue_dir,
			    QUEUE_DEAD_DIR);
		break;
	case WEBHOOK_RETRY:
	default:
		metrics_add(&d->metrics, &d->metrics.retried, 1);
		queue_retry(d->queue, id);
		s->streak++;
		*delay = webhook_backoff(s->streak - 1, s->c->retry_base_ms,
		    s->c->retry_max_ms, random64());
		if (r.retry_after_ms >= 0) {
			uint64_t ra = (uint64_t)r.retry_after_ms;

			if (ra > RETRY_AFTER_MAX_MS)
				ra = RETRY_AFTER_MAX_MS;
			if (ra > *delay)
				*delay = ra;
		}
		if (atomic_load(&d->stopping))
			log_msg("delivery of %s to %s abandoned: stopping (it "
			    "stays queued)", id, s->c->url_shown);
		else
			log_msg("delivery of %s to %s failed (%s); next "
			    "attempt in %.1f s", id, s->c->url_shown, r.why,
			    (double)*delay / 1000);
		break;
	}
out:
	free(body);
	json_decref(rec);
	return out;
}

/* Waits until kicked, until ms (monotonic; 0: no limit) or stopped. */
static void
wait_kick(struct daemon *d, uint64_t until)
{
	struct timespec ts;

	(void)pthread_mutex_lock(&d->deliver_lock);
	while (!d->deliver_kicked && !atomic_load(&d->stopping)) {
		if (until == 0) {
			(void)pthread_cond_wait(&d->deliver_cond,
			    &d->deliver_lock);
			continue;
		}
		if (daemon_now_ms() >= until)
			break;
		ts.tv_sec = (time_t)(until / 1000);
		ts.tv_nsec = (long)(until % 1000) * 1000000;
		(void)pthread_cond_timedwait(&d->deliver_cond,
		    &d->deliver_lock, &ts);
	}
	d->deliver_kicked = false;
	(void)pthread_mutex_unlock(&d->deliver_lock);
}

void *
deliver_main(void *arg)
{
	struct sender s = { 0 };
	char id[QUEUE_ID_SIZE];

	s.d = arg;
	while (!atomic_load(&s.d->stopping)) {
		uint64_t delay, now;

		if (refresh(&s) < 0) {
			wait_kick(s.d, daemon_now_ms() + 60 * 1000);
			continue;
		}
		now = daemon_now_ms();
		if (now < s.pause_until) {
			wait_kick(s.d, s.pause_until);
			continue;
		}
		if (!queue_next(s.d->queue, id)) {
			wait_kick(s.d, idle(&s, now));
			continue;
		}
		if (attempt(&s, id, &delay) == WEBHOOK_RETRY)
			s.pause_until = daemon_now_ms() + delay;
	}
	webhook_free(s.w);
	conf_unref(s.c);
	return NULL;
}

void
deliver_kick(struct daemon *d)
{
	(void)pthread_mutex_lock(&d->deliver_lock);
	d->deliver_kicked = true;
	(void)pthread_cond_signal(&d->deliver_cond);
	(void)pthread_mutex_unlock(&d->deliver_lock);
}

void
deliver_stop(struct daemon *d)
{
	(void)pthread_mutex_lock(&d->deliver_lock);
	(void)pthread_cond_broadcast(&d->deliver_cond);
	(void)pthread_mutex_unlock(&d->deliver_lock);
}

size_t
deliver_once(struct daemon *d)
{
	struct sender s = { 0 };
	char id[QUEUE_ID_SIZE];
	size_t n = 0, left = 0;
	uint64_t delay;

	s.d = d;
	if (refresh(&s) == 0) {
		queue_stats(d->queue, &n, NULL);
		for (size_t i = 0; i < n && !atomic_load(&d->stopping); i++) {
			if (!queue_next(d->queue, id))
				break;
			(void)attempt(&s, id, &delay);
		}
	}
	queue_stats(d->queue, &left, NULL);
	webhook_free(s.w);
	conf_unref(s.c);
	return left;
}
