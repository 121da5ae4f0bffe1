/*
 * progress: when to show the progress of a long operation on a terminal,
 * and the text of the line. Nothing here prints: the caller writes the
 * strings it is given to the terminal (standard error), so that it can
 * keep them apart from its other output.
 *
 * A line is drawn in place: "\r", the text cut to the terminal's width,
 * then "\033[K" (erase to the end of the line). The first update is due
 * PROGRESS_DELAY_MS after progress_init(), so that short runs show
 * nothing, and later ones at most every PROGRESS_EVERY_MS. The
 * environment variable TOKENGUARD_PROGRESS_DELAY (milliseconds, 0 to
 * 60000) replaces the first delay: tests set it to 0 to see a line
 * whatever the speed of the machine.
 */
#ifndef TOKENGUARD_PROGRESS_H
#define TOKENGUARD_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROGRESS_DELAY_MS 500
#define PROGRESS_EVERY_MS 100
#define PROGRESS_LINE_MAX 160
#define PROGRESS_SIZE_MAX 16

struct progress {
	uint64_t due;		/* when the next update may be drawn, ms */
	size_t width;		/* the terminal's columns */
	bool shown;		/* a line is drawn and not erased */
	char line[PROGRESS_LINE_MAX];
};

/* Milliseconds of CLOCK_MONOTONIC: the "now" of the functions below. */
uint64_t progress_clock(void);

/*
 * True when progress should be drawn on fd: it is a terminal, and TERM
 * is not "dumb" (which has no erase-line sequence).
 */
bool progress_terminal(int fd);

/*
 * Starts p at now: the first update is due after the delay. The width
 * is the terminal's on fd (80 when it cannot be read; -1 for fd: 80).
 */
void progress_init(struct progress *p, int fd, uint64_t now);

/* True when an update is due at now. */
bool progress_due(const struct progress *p, uint64_t now);

/* Milliseconds from now until an update is due (0: due now). */
uint64_t progress_wait(const struct progress *p, uint64_t now);

/*
 * Formats the line to draw: "\r", the text (cut to fit in one terminal
 * line) and "\033[K". Marks it shown and the next update due in
 * PROGRESS_EVERY_MS. Returns p->line, borrowed until the next call.
 */
const char *progress_format(struct progress *p, uint64_t now,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * What erases a drawn line before other output: "\r\033[K" when a line
 * is shown, else "" (nothing to write). Marks it not shown. Returns a
 * static string.
 */
const char *progress_clear(struct progress *p);

/*
 * Writes bytes as a short size, such as "512 B", "1.5 KiB" or
 * "3.2 GiB", into out. Returns out.
 */
const char *progress_size(char out[PROGRESS_SIZE_MAX], uint64_t bytes);

#endif
