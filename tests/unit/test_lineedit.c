/*
 * The line editor (kernel/lineedit.c). Its echo goes into a tiny VT100
 * emulator (one row: text, \b, \r, \n, ESC [ n C/D/K, BEL), and after every
 * key the emulated row must show exactly the edit buffer with the terminal
 * cursor at the edit cursor: that checks redraws, not just the buffer.
 * Then line endings, history, Ctrl keys and escape sequences, and random
 * key sequences against a simple reference model.
 */
#include <ctype.h>
#include <string.h>

#include "harness.h"
#include "rand.h"
#include "lineedit.h"

static struct {
	char row[1024];
	size_t col;
	char finished[8][1024]; /* rows ended by '\n' */
	unsigned nfinished, bells;
	char seq[32];           /* pending escape sequence */
	size_t seq_len;
	bool bad;
} term;

static void term_reset(void) { memset(&term, 0, sizeof(term)); }

static void term_escape(char final)
{
	unsigned n = 0;
	bool has_n = false;
	for (size_t i = 2; i < term.seq_len - 1; i++) {
		if (!isdigit((unsigned char)term.seq[i])) {
			term.bad = true;
			return;
		}
		n = n * 10 + (unsigned)(term.seq[i] - '0');
		has_n = true;
	}
	if (!has_n)
		n = 1;
	if (final == 'C')
		term.col += n;
	else if (final == 'D' && n <= term.col)
		term.col -= n;
	else if (final == 'K' && !has_n)
		memset(term.row + term.col, 0, sizeof(term.row) - term.col);
	else
		term.bad = true;
}

static void term_put(char c)
{
	if (term.seq_len) {
		term.seq[term.seq_len++] = c;
		if (term.seq_len == 2 && c != '[')
			term.bad = true;
		if (term.seq_len > 2 && (isalpha((unsigned char)c) || term.seq_len == sizeof(term.seq))) {
			term_escape(c);
			term.seq_len = 0;
		}
		return;
	}
	switch (c) {
	case 0x1b: term.seq[0] = c; term.seq_len = 1; break;
	case '\a': term.bells++; break;
	case '\b': if (term.col) term.col--; else term.bad = true; break;
	case '\r': term.col = 0; break;
	case '\n':
		if (term.nfinished < 8)
			memcpy(term.finished[term.nfinished++], term.row, sizeof(term.row));
		memset(term.row, 0, sizeof(term.row));
		break;
	default:
		if (c < ' ' || c >= 0x7f || term.col >= sizeof(term.row) - 1)
			term.bad = true;
		else
			term.row[term.col++] = c;
	}
}

static void term_echo(void *ctx, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		term_put(s[i]);
}

static struct lineedit le;
static unsigned done, cancelled;

static void start(void)
{
	term_reset();
	lineedit_init(&le, term_echo, NULL);
	done = cancelled = 0;
}

/* The screen shows the buffer, and the cursors agree. */
static void check_screen(void)
{
	if (le.esc != ESC_NONE)
		return;
	CHECK(!term.bad);
	CHECK_EQ(strlen(term.row), le.len);
	CHECK(strcmp(term.row, le.buf) == 0);
	CHECK_EQ(term.col, le.cursor);
	CHECK_EQ(strlen(le.buf), le.len);
}

static void feed(const char *keys)
{
	for (; *keys; keys++) {
		enum lineedit_result r = lineedit_feed(&le, *keys);
		done += r == LINEEDIT_DONE;
		cancelled += r == LINEEDIT_CANCELLED;
		check_screen();
	}
}

#define LEFT "\x1b[D"
#define RIGHT "\x1b[C"
#define UP "\x1b[A"
#define DOWN "\x1b[B"

TEST(typing_and_enter)
{
	start();
	feed("hello world");
	CHECK_EQ(done, 0);
	feed("\r");
	CHECK_EQ(done, 1);
	CHECK(strcmp(lineedit_line(&le), "hello world") == 0);
	CHECK(strcmp(term.finished[0], "hello world") == 0);
	CHECK_EQ(le.len, 0);
}

TEST(editing_in_the_middle)
{
	start();
	feed("helo" LEFT "l");
	CHECK(strcmp(le.buf, "hello") == 0 && le.cursor == 4);
	feed("\x01>\x05!");                  /* Ctrl-A, Ctrl-E */
	CHECK(strcmp(le.buf, ">hello!") == 0);
	feed(LEFT LEFT LEFT "\x7f");        /* backspace mid-line */
	CHECK(strcmp(le.buf, ">helo!") == 0 && le.cursor == 3);
	feed("\b\b\b\b");                    /* 0x08 too; extra ones are no-ops */
	CHECK(strcmp(le.buf, "lo!") == 0 && le.cursor == 0);
	feed("\x1b[3~");                     /* Delete */
	CHECK(strcmp(le.buf, "o!") == 0);
	feed("\x1b[F" "\x1b[H" "\x1bOF" RIGHT RIGHT RIGHT "x");
	CHECK(strcmp(le.buf, "o!x") == 0);
	feed("\x1b[1~" "\x04" "\x1b[4~");     /* Home, Ctrl-D, End */
	CHECK(strcmp(le.buf, "!x") == 0 && le.cursor == 2);
	feed("\x01\x0b");                    /* Ctrl-A, Ctrl-K */
	CHECK(strcmp(le.buf, "") == 0);
	feed("abc" LEFT LEFT "\x15");        /* Ctrl-U kills the whole line */
	CHECK(strcmp(le.buf, "") == 0 && le.cursor == 0);
	feed("ok\n");
	CHECK(strcmp(lineedit_line(&le), "ok") == 0);
}

TEST(each_line_ending_ends_exactly_one_line)
{
	start();
	feed("a\r\nb\nc\rd\r\n");
	CHECK_EQ(done, 4);
	feed("\r\n\r\n");
	CHECK_EQ(done, 6); /* two empty lines, not four */
	feed("\n\r");
	CHECK_EQ(done, 8); /* "\n\r" is two line ends */
	start();
	feed("x\r");
	CHECK(strcmp(lineedit_line(&le), "x") == 0);
	feed("\ny\n");
	CHECK(strcmp(lineedit_line(&le), "y") == 0);
	CHECK_EQ(done, 2);
}

TEST(ctrl_c_cancels_the_line)
{
	start();
	feed("rm -rf" LEFT "\x03");
	CHECK_EQ(cancelled, 1);
	CHECK_EQ(done, 0);
	CHECK(strcmp(term.finished[0], "rm -rf^C") == 0);
	CHECK_EQ(le.len, 0);
	feed(UP); /* cancelled lines are not history */
	CHECK_EQ(le.len, 0);
}

TEST(history_walks_back_and_forth_and_keeps_the_draft)
{
	start();
	feed("one\rtwo\rtwo\r\rthree\r");
	feed("dr");
	feed(UP);
	CHECK(strcmp(le.buf, "three") == 0);
	feed(UP);
	CHECK(strcmp(le.buf, "two") == 0); /* duplicate and empty lines not kept */
	feed(UP);
	CHECK(strcmp(le.buf, "one") == 0);
	feed(UP);
	CHECK(strcmp(le.buf, "one") == 0);
	feed(DOWN DOWN);
	CHECK(strcmp(le.buf, "three") == 0);
	feed(DOWN);
	CHECK(strcmp(le.buf, "dr") == 0);
	feed(DOWN "\x10");                  /* Ctrl-P */
	CHECK(strcmp(le.buf, "three") == 0);
	feed("\x7f\x7f\x7f" "ee\r");        /* edit a recalled line and run it */
	CHECK(strcmp(lineedit_line(&le), "thee") == 0);
	feed(UP UP);
	CHECK(strcmp(le.buf, "three") == 0); /* the entry itself was not edited */
	feed("\x0e");                        /* Ctrl-N */
	CHECK(strcmp(le.buf, "thee") == 0);
}

TEST(history_keeps_the_newest_sixteen)
{
	char line[16];
	start();
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "cmd%02d\r", i);
		feed(line);
	}
	for (int i = 0; i < 25; i++)
		feed(UP);
	CHECK(strcmp(le.buf, "cmd04") == 0);
	CHECK_EQ(LINEEDIT_HISTORY, 16);
}

TEST(full_line_beeps_and_keeps_what_fits)
{
	start();
	for (int i = 0; i < 300; i++)
		feed("x");
	CHECK_EQ(le.len, LINEEDIT_MAX - 1);
	CHECK_EQ(term.bells, 300 - (LINEEDIT_MAX - 1));
	feed("\r");
	CHECK_EQ(strlen(lineedit_line(&le)), LINEEDIT_MAX - 1);
}

TEST(escape_sequences_are_robust)
{
	start();
	feed("ab\x1b\r"); /* a stray ESC must not eat Enter */
	CHECK_EQ(done, 1);
	CHECK(strcmp(lineedit_line(&le), "ab") == 0);
	feed("cd" "\x1b[15~" "\x1b[1;5D" "e"); /* F5 ignored, Ctrl-Left moves */
	CHECK(strcmp(le.buf, "ced") == 0 && le.cursor == 2);
	feed("\x1b[99999999999C" "\x1bx"); /* huge parameter; Alt-x types x */
	CHECK(strcmp(le.buf, "cedx") == 0);
	feed("\x1b[" "\x03");
	CHECK_EQ(cancelled, 1);
	feed("\xc3\xa9\t\x07z"); /* UTF-8, Tab and BEL are ignored */
	CHECK(strcmp(le.buf, "z") == 0);
}

/* Random keys against a reference model of the buffer. */
TEST(random_keys_match_a_reference_model)
{
	static const char *const keys[] = { "a", "b", " ", LEFT, RIGHT, "\x1b[H", "\x1b[F",
					    "\x7f", "\x1b[3~", "\x15", "\x0b", "\r", UP, DOWN };
	char model[LINEEDIT_MAX] = "";
	size_t cur = 0;
	uint64_t seed = 99;

	start();
	for (int i = 0; i < 20000; i++) {
		unsigned k = (unsigned)(rand_next(&seed) % (sizeof(keys) / sizeof(keys[0])));
		size_t n = strlen(model);
		if (k == 12 || k == 13) { /* history: adopt the editor's line */
			int was_browsing = le.browsing;
			feed(keys[k]);
			if (le.browsing != was_browsing) {
				strcpy(model, le.buf);
				cur = strlen(model); /* a recalled line puts the cursor at its end */
			}
			CHECK_EQ(le.cursor, cur);
			continue;
		}
		switch (k) {
		case 0: case 1: case 2:
			if (n + 1 < LINEEDIT_MAX) {
				memmove(model + cur + 1, model + cur, n - cur + 1);
				model[cur++] = keys[k][0];
			}
			break;
		case 3: if (cur) cur--; break;
		case 4: if (cur < n) cur++; break;
		case 5: cur = 0; break;
		case 6: cur = n; break;
		case 7: if (cur) { memmove(model + cur - 1, model + cur, n - cur + 1); cur--; } break;
		case 8: if (cur < n) memmove(model + cur, model + cur + 1, n - cur); break;
		case 9: model[0] = 0; cur = 0; break;
		case 10: model[cur] = 0; break;
		case 11: break;
		}
		feed(keys[k]);
		if (k == 11) {
			CHECK(strcmp(lineedit_line(&le), model) == 0);
			model[0] = 0;
			cur = 0;
			term_reset();
		}
		CHECK(strcmp(le.buf, model) == 0);
		CHECK_EQ(le.cursor, cur);
	}
}

TEST(redraw_restores_line_and_cursor_on_a_fresh_row)
{
	start();
	feed("hello" LEFT LEFT);
	memset(term.row, 0, sizeof(term.row)); /* something else cleared the row */
	term.col = 0;
	lineedit_redraw(&le);
	check_screen();
	CHECK_EQ(term.col, 3);
}

static const char *names_list(void *ctx, unsigned index)
{
	static const char *const names[] = { "echo", "help", "hello", "helmet", "ktest" };
	return index < sizeof(names) / sizeof(names[0]) ? names[index] : NULL;
}

static unsigned reprompts;

static void feed_completing(const char *keys)
{
	for (; *keys; keys++) {
		enum lineedit_result r = lineedit_feed(&le, *keys);
		if (r == LINEEDIT_REPROMPT) {
			reprompts++;
			lineedit_redraw(&le); /* as the shell does after its prompt */
		}
		done += r == LINEEDIT_DONE;
		check_screen();
	}
}

TEST(tab_completes_the_first_word)
{
	start();
	lineedit_set_completion(&le, names_list, NULL);
	feed_completing("ec\t");
	CHECK(strcmp(le.buf, "echo ") == 0); /* unique: completed with a blank */
	feed_completing("x\t");
	CHECK(strcmp(le.buf, "echo x") == 0); /* not the first word: beep only */
	CHECK_EQ(term.bells, 1);

	start();
	lineedit_set_completion(&le, names_list, NULL);
	reprompts = 0;
	feed_completing("h\t");
	CHECK(strcmp(le.buf, "hel") == 0); /* as far as help/hello/helmet agree */
	CHECK_EQ(reprompts, 0);
	feed_completing("\t");
	CHECK_EQ(reprompts, 1); /* nothing more to add: choices listed */
	CHECK(strcmp(term.finished[0], "hel") == 0);
	CHECK(strcmp(term.finished[1], "help  hello  helmet  ") == 0);
	CHECK(strcmp(le.buf, "hel") == 0);
	feed_completing("lo\t\r");
	CHECK(strcmp(lineedit_line(&le), "hello ") == 0);
}

TEST(tab_without_match_names_or_at_mid_word_beeps)
{
	start();
	feed_completing("ec\t");
	CHECK(strcmp(le.buf, "ec") == 0); /* no names given */
	CHECK_EQ(term.bells, 1);
	lineedit_set_completion(&le, names_list, NULL);
	feed_completing("\x15" "zz\t");
	CHECK(strcmp(le.buf, "zz") == 0);
	CHECK_EQ(term.bells, 2);
	feed_completing("\x15" "ec" LEFT "\t");
	CHECK(strcmp(le.buf, "ec") == 0); /* cursor inside the word */
	CHECK_EQ(term.bells, 3);
}
