/*
 * The console: fans every write out to COM1 and the VGA text screen, with
 * interrupts off so that output from an interrupt handler never splits a
 * line written by the code it interrupted, and passes typed characters
 * from input devices up to the receiver the shell registered.
 */
#include "console.h"
#include "spinlock.h"

void console_write(const char *s, size_t n)
{
	unsigned long flags = arch_irq_save();

	serial_write(s, n);
	vga_write(s, n);
	arch_irq_restore(flags);
}

static void (*input_receiver)(char c);

void console_set_input(void (*receive)(char c))
{
	input_receiver = receive;
}

void console_input(char c)
{
	if (input_receiver)
		input_receiver(c);
}
