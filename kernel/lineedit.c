/*
 * The line editor behind the shell prompt (include/lineedit.h). Redrawing
 * uses only relative moves (ESC [ n C / ESC [ n D), erase-to-end (ESC [ K)
 * and plain text, so it works on any VT100-ish terminal and on the serial
 * console without knowing the prompt or the screen width.
 */
#include "kstring.h"
#include "lineedit.h"

#define CTRL(c) ((c) - '@')
#define KEY_ESC 0x1b
#define KEY_DEL 0x7f
#define ESC_PARAM_MAX 1000 /* larger parameters mean nothing to us */

void lineedit_init(struct lineedit *le, lineedit_echo_fn echo, void *echo_ctx)
{
	memset(le, 0, sizeof(*le));
	le->echo = echo;
	le->echo_ctx = echo_ctx;
	le->browsing = -1;
}

void lineedit_set_completion(struct lineedit *le, lineedit_names_fn names, void *names_ctx)
{
	le->names = names;
	le->names_ctx = names_ctx;
}

const char *lineedit_line(const struct lineedit *le)
{
	return le->line;
}

static void echo(struct lineedit *le, const char *s, size_t n)
{
	if (n)
		le->echo(le->echo_ctx, s, n);
}

static void echo_str(struct lineedit *le, const char *s)
{
	echo(le, s, strlen(s));
}

/* Moves the terminal cursor n columns; dir is 'C' (right) or 'D' (left).
 * "ESC [ 0 D" would move one column, so n == 0 sends nothing. */
static void move_cursor(struct lineedit *le, size_t n, char dir)
{
	char seq[16];

	if (n == 1)
		echo(le, dir == 'C' ? "\x1b[C" : "\x1b[D", 3);
	else if (n > 1)
		echo(le, seq, (size_t)ksnprintf(seq, sizeof(seq), "\x1b[%zu%c", n, dir));
}

/* Rewrites from the cursor to the end of the line, erasing what is left
 * after it if the line got shorter, and puts the terminal cursor back. */
static void redraw_tail(struct lineedit *le, bool shorter)
{
	echo(le, le->buf + le->cursor, le->len - le->cursor);
	if (shorter)
		echo_str(le, "\x1b[K");
	move_cursor(le, le->len - le->cursor, 'D');
}

void lineedit_redraw(struct lineedit *le)
{
	echo(le, le->buf, le->len);
	move_cursor(le, le->len - le->cursor, 'D');
}

/* Replaces the whole line (history, Ctrl-U) and leaves the cursor at its end. */
static void replace_line(struct lineedit *le, const char *text)
{
	size_t old_len = le->len;

	move_cursor(le, le->cursor, 'D');
	le->len = le->cursor = strlen(text);
	memmove(le->buf, text, le->len + 1);
	echo(le, le->buf, le->len);
	if (old_len > le->len)
		echo_str(le, "\x1b[K");
}

static void insert_char(struct lineedit *le, char c)
{
	if (le->len + 1 >= LINEEDIT_MAX) {
		echo_str(le, "\a"); /* full: beep rather than drop silently */
		return;
	}
	memmove(le->buf + le->cursor + 1, le->buf + le->cursor, le->len - le->cursor + 1);
	le->buf[le->cursor] = c;
	le->len++;
	echo(le, &c, 1);
	le->cursor++;
	redraw_tail(le, false);
}

static void delete_at_cursor(struct lineedit *le)
{
	if (le->cursor == le->len)
		return;
	memmove(le->buf + le->cursor, le->buf + le->cursor + 1, le->len - le->cursor);
	le->len--;
	redraw_tail(le, true);
}

static void backspace(struct lineedit *le)
{
	if (le->cursor == 0)
		return;
	move_cursor(le, 1, 'D');
	le->cursor--;
	delete_at_cursor(le);
}

static void kill_to_end(struct lineedit *le)
{
	if (le->cursor == le->len)
		return;
	le->len = le->cursor;
	le->buf[le->len] = '\0';
	echo_str(le, "\x1b[K");
}

static void go_to(struct lineedit *le, size_t pos)
{
	if (pos < le->cursor)
		move_cursor(le, le->cursor - pos, 'D');
	else
		move_cursor(le, pos - le->cursor, 'C');
	le->cursor = pos;
}

static size_t shared_prefix(const char *a, const char *b, size_t max)
{
	size_t n = 0;

	while (n < max && a[n] && a[n] == b[n])
		n++;
	return n;
}

static void list_matches(struct lineedit *le)
{
	const char *name;

	echo_str(le, "\r\n");
	for (unsigned i = 0; (name = le->names(le->names_ctx, i)) != NULL; i++) {
		if (strncmp(name, le->buf, le->len) == 0) {
			echo_str(le, name);
			echo_str(le, "  ");
		}
	}
	echo_str(le, "\r\n");
}

/* Tab: completes the line's only word (typed up to the cursor at its end)
 * as far as the matching names agree; one match also gets a blank after
 * it; several that agree no further are listed. */
static enum lineedit_result complete_word(struct lineedit *le)
{
	const char *first = NULL, *name;
	size_t common = 0;
	unsigned matches = 0;

	if (!le->names || le->cursor != le->len || strchr(le->buf, ' ')) {
		echo_str(le, "\a");
		return LINEEDIT_PENDING;
	}
	for (unsigned i = 0; (name = le->names(le->names_ctx, i)) != NULL; i++) {
		if (strncmp(name, le->buf, le->len) != 0)
			continue;
		if (matches++ == 0) {
			first = name;
			common = strlen(name);
		} else {
			common = shared_prefix(first, name, common);
		}
	}
	if (matches == 0) {
		echo_str(le, "\a");
		return LINEEDIT_PENDING;
	}
	if (matches > 1 && common == le->len) {
		list_matches(le);
		return LINEEDIT_REPROMPT;
	}
	for (size_t i = le->len; i < common; i++)
		insert_char(le, first[i]);
	if (matches == 1)
		insert_char(le, ' ');
	return LINEEDIT_PENDING;
}

static const char *history_entry(const struct lineedit *le, unsigned age)
{
	return le->history[(le->hist_newest + LINEEDIT_HISTORY - age) % LINEEDIT_HISTORY];
}

static void history_add(struct lineedit *le, const char *line)
{
	if (!line[0] || (le->hist_count && strcmp(history_entry(le, 0), line) == 0))
		return;
	le->hist_newest = (le->hist_newest + 1) % LINEEDIT_HISTORY;
	memcpy(le->history[le->hist_newest], line, strlen(line) + 1);
	if (le->hist_count < LINEEDIT_HISTORY)
		le->hist_count++;
}

static void history_older(struct lineedit *le)
{
	if (le->browsing + 1 >= (int)le->hist_count)
		return;
	if (le->browsing < 0)
		memcpy(le->draft, le->buf, le->len + 1);
	le->browsing++;
	replace_line(le, history_entry(le, (unsigned)le->browsing));
}

static void history_newer(struct lineedit *le)
{
	if (le->browsing < 0)
		return;
	le->browsing--;
	replace_line(le, le->browsing < 0 ? le->draft : history_entry(le, (unsigned)le->browsing));
}

static void reset_line(struct lineedit *le)
{
	le->len = le->cursor = 0;
	le->buf[0] = '\0';
	le->browsing = -1;
}

static enum lineedit_result finish_line(struct lineedit *le)
{
	echo_str(le, "\r\n");
	memcpy(le->line, le->buf, le->len + 1);
	history_add(le, le->line);
	reset_line(le);
	return LINEEDIT_DONE;
}

/* Final byte of "ESC [ param X" or "ESC O X". */
static void escape_final(struct lineedit *le, char final, unsigned param)
{
	switch (final) {
	case 'A': history_older(le); break;
	case 'B': history_newer(le); break;
	case 'C': go_to(le, le->cursor < le->len ? le->cursor + 1 : le->len); break;
	case 'D': go_to(le, le->cursor ? le->cursor - 1 : 0); break;
	case 'H': go_to(le, 0); break;
	case 'F': go_to(le, le->len); break;
	case '~': /* VT220 keys: 1/7 Home, 4/8 End, 3 Delete */
		if (param == 1 || param == 7)
			go_to(le, 0);
		else if (param == 4 || param == 8)
			go_to(le, le->len);
		else if (param == 3)
			delete_at_cursor(le);
		break;
	default:
		break; /* F-keys and the like: ignored */
	}
}

/* Advances an escape sequence; false if c ended it without being part of
 * it (a lone ESC, or a control byte mid-sequence), so c is handled as a
 * key of its own and Enter after a stray ESC still ends the line. */
static bool feed_escape(struct lineedit *le, char c)
{
	if (le->esc == ESC_START && (c == '[' || c == 'O')) {
		le->esc = c == '[' ? ESC_CSI : ESC_SS3;
		le->esc_param = 0;
		return true;
	}
	if (le->esc == ESC_START || (unsigned char)c < ' ') {
		le->esc = ESC_NONE;
		return false;
	}
	if (le->esc == ESC_CSI && c >= '0' && c <= '9') {
		le->esc_param = MIN(le->esc_param * 10 + (unsigned)(c - '0'), ESC_PARAM_MAX);
		return true;
	}
	if (le->esc == ESC_CSI && c == ';') {
		le->esc_param = 0; /* modifiers (e.g. Ctrl-arrow) are ignored */
		return true;
	}
	le->esc = ESC_NONE;
	escape_final(le, c, le->esc_param);
	return true;
}

static enum lineedit_result feed_control(struct lineedit *le, char c)
{
	switch (c) {
	case '\r':
	case '\n':
		return finish_line(le);
	case '\t':
		return complete_word(le);
	case CTRL('C'):
		go_to(le, le->len); /* print ^C after the text, not over it */
		echo_str(le, "^C\r\n");
		reset_line(le);
		return LINEEDIT_CANCELLED;
	case KEY_DEL:
	case '\b':
		backspace(le);
		break;
	case CTRL('D'): delete_at_cursor(le); break;
	case CTRL('A'): go_to(le, 0); break;
	case CTRL('E'): go_to(le, le->len); break;
	case CTRL('B'): escape_final(le, 'D', 0); break;
	case CTRL('F'): escape_final(le, 'C', 0); break;
	case CTRL('P'): history_older(le); break;
	case CTRL('N'): history_newer(le); break;
	case CTRL('K'): kill_to_end(le); break;
	case CTRL('U'): replace_line(le, ""); break;
	case KEY_ESC: le->esc = ESC_START; break;
	default: break; /* other control bytes and non-ASCII are ignored */
	}
	return LINEEDIT_PENDING;
}

enum lineedit_result lineedit_feed(struct lineedit *le, char c)
{
	bool swallow = le->after_cr && c == '\n';

	le->after_cr = c == '\r';
	if (swallow)
		return LINEEDIT_PENDING;
	if (le->esc != ESC_NONE && feed_escape(le, c))
		return LINEEDIT_PENDING;
	if (c >= ' ' && c < KEY_DEL) {
		insert_char(le, c);
		return LINEEDIT_PENDING;
	}
	return feed_control(le, c);
}
