/*
 * VGA text mode console (80x25 at physical 0xB8000, IBM VGA reference:
 * character/attribute pairs; CRT controller registers 0x0E/0x0F for the
 * cursor). Understands the few VT100 sequences the shell's line editor
 * emits (cursor left/right, erase to end of line) and skips the rest.
 */
#include "console.h"
#include "cpu.h"
#include "hw.h"
#include "mm.h"

#define VGA_PHYS 0xb8000
#define COLS 80
#define ROWS 25
#define ATTR 0x0700 /* light grey on black */
#define CRTC_INDEX 0x3d4
#define CRTC_DATA 0x3d5

static volatile uint16_t *screen;
static unsigned row, col;
static enum { PLAIN, ESC, CSI } esc_state;
static unsigned csi_arg;

void vga_init(void)
{
	screen = ioremap(VGA_PHYS, COLS * ROWS * 2);
	for (unsigned i = 0; screen && i < COLS * ROWS; i++)
		screen[i] = ATTR | ' ';
	row = col = 0;
}

static void scroll(void)
{
	for (unsigned i = 0; i < COLS * (ROWS - 1); i++)
		screen[i] = screen[i + COLS];
	for (unsigned i = COLS * (ROWS - 1); i < COLS * ROWS; i++)
		screen[i] = ATTR | ' ';
	row = ROWS - 1;
}

static void move_cursor(void)
{
	uint16_t pos = (uint16_t)(row * COLS + col);

	outb(CRTC_INDEX, 0x0f);
	outb(CRTC_DATA, pos & 0xff);
	outb(CRTC_INDEX, 0x0e);
	outb(CRTC_DATA, pos >> 8);
}

static void csi_final(char c)
{
	unsigned n = csi_arg ? csi_arg : 1;

	if (c == 'D')
		col = col > n ? col - n : 0;
	else if (c == 'C')
		col = col + n < COLS ? col + n : COLS - 1;
	else if (c == 'K')
		for (unsigned i = col; i < COLS; i++)
			screen[row * COLS + i] = ATTR | ' ';
}

/* Returns true if c was part of an escape sequence. */
static bool consume_escape(char c)
{
	if (esc_state == ESC) {
		esc_state = c == '[' ? CSI : PLAIN;
		csi_arg = 0;
		return true;
	}
	if (esc_state == CSI) {
		if (c >= '0' && c <= '9')
			csi_arg = csi_arg * 10 + (unsigned)(c - '0');
		else if (c >= 0x40 && c <= 0x7e) {
			csi_final(c);
			esc_state = PLAIN;
		}
		return true;
	}
	if (c == 0x1b) {
		esc_state = ESC;
		return true;
	}
	return false;
}

static void put_char(char c)
{
	if (consume_escape(c))
		return;
	if (c == '\n') {
		col = 0;
		row++;
	} else if (c == '\r') {
		col = 0;
	} else if (c == '\b') {
		col = col ? col - 1 : 0;
	} else if ((unsigned char)c >= 0x20 && c != 0x7f) {
		screen[row * COLS + col] = ATTR | (uint8_t)c;
		if (++col == COLS) {
			col = 0;
			row++;
		}
	}
	if (row == ROWS)
		scroll();
}

void vga_write(const char *s, size_t n)
{
	if (!screen)
		return;
	for (size_t i = 0; i < n; i++)
		put_char(s[i]);
	move_cursor();
}
