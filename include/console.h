/*
 * The kernel console: every byte of kernel output goes to COM1 and to the
 * VGA text screen. Input arrives by interrupt and is fed to the shell.
 */
#ifndef TERN_CONSOLE_H
#define TERN_CONSOLE_H

#include "types.h"

void serial_init(void);
void serial_enable_irq(void);
void vga_init(void);
void serial_write(const char *s, size_t n);
void vga_write(const char *s, size_t n);
/* Writes n bytes ("\n" becomes "\r\n" on serial); safe from any context. */
void console_write(const char *s, size_t n);

#endif
