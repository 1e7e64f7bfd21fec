/*
 * The kernel console: every byte of kernel output goes to COM1 and to the
 * VGA text screen. Typed input (the UART's interrupt, a USB keyboard)
 * arrives through console_input() and goes to the one receiver registered
 * with console_set_input() (the shell, at init), so input devices never
 * call up into the shell.
 */
#ifndef TERN_CONSOLE_H
#define TERN_CONSOLE_H

#include "types.h"

/* Writes n bytes ("\n" becomes "\r\n" on serial); safe from any context. */
void console_write(const char *s, size_t n);
/* Sets who gets typed characters; before any is set they are dropped. Call
 * before enabling input interrupts. */
void console_set_input(void (*receive)(char c));
/* Hands one typed character to the receiver; safe from IRQ context. */
void console_input(char c);

#endif
