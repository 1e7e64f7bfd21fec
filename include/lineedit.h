/*
 * A line editor as a pure state machine (kernel/lineedit.c): feed it one
 * input byte at a time; it edits its buffer, hands the bytes to echo to a
 * callback (plain VT100 sequences, relative cursor moves only, so it never
 * needs to know the prompt) and says when a line is complete. No I/O of its
 * own, so the shell, a USB keyboard and host tests can all drive it.
 *
 * Keys: printable ASCII inserts at the cursor; Backspace (0x7f or 0x08),
 * Ctrl-D / Delete delete; Left/Right, Ctrl-B/F move; Home/End, Ctrl-A/E
 * jump; Ctrl-U kills the line, Ctrl-K to its end; Ctrl-C cancels it;
 * Up/Down, Ctrl-P/N walk the history; Tab completes the first word from
 * a list of names (the shell's commands). "\r", "\n" and "\r\n" each end
 * exactly one line.
 */
#ifndef TERN_LINEEDIT_H
#define TERN_LINEEDIT_H

#include "types.h"

#define LINEEDIT_MAX 256     /* line buffer, including the terminating NUL */
#define LINEEDIT_HISTORY 16  /* remembered lines */

typedef void (*lineedit_echo_fn)(void *ctx, const char *s, size_t n);
/* The index-th name Tab may complete to, NULL after the last one. */
typedef const char *(*lineedit_names_fn)(void *ctx, unsigned index);

enum lineedit_result {
	LINEEDIT_PENDING,   /* keep feeding */
	LINEEDIT_DONE,      /* a line is complete: lineedit_line() */
	LINEEDIT_CANCELLED, /* Ctrl-C: the line was dropped */
	LINEEDIT_REPROMPT,  /* Tab listed the choices below the line: print
			     * the prompt again, then lineedit_redraw() */
};

enum lineedit_escape { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

struct lineedit {
	lineedit_echo_fn echo;
	void *echo_ctx;
	lineedit_names_fn names; /* NULL: Tab does nothing */
	void *names_ctx;
	char buf[LINEEDIT_MAX];  /* the line being edited */
	size_t len, cursor;
	char line[LINEEDIT_MAX]; /* the last completed line */
	char history[LINEEDIT_HISTORY][LINEEDIT_MAX];
	unsigned hist_count;     /* valid entries */
	unsigned hist_newest;    /* slot of the newest entry */
	int browsing;            /* -1, or which entry (0 = newest) is shown */
	char draft[LINEEDIT_MAX]; /* the new line, kept while browsing */
	enum lineedit_escape esc;
	unsigned esc_param;
	bool after_cr;           /* swallow the '\n' of a "\r\n" */
};

void lineedit_init(struct lineedit *le, lineedit_echo_fn echo, void *echo_ctx);
void lineedit_set_completion(struct lineedit *le, lineedit_names_fn names, void *names_ctx);
enum lineedit_result lineedit_feed(struct lineedit *le, char c);
/* Echoes the line being edited again and puts the terminal cursor back
 * where the edit cursor is (after something else wrote to the screen). */
void lineedit_redraw(struct lineedit *le);
/* The line completed by the last LINEEDIT_DONE (NUL-terminated). */
const char *lineedit_line(const struct lineedit *le);

#endif
