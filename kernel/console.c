/*
 * The console: hands every write to the machine's console devices, with
 * interrupts off so that output from an interrupt handler never splits a
 * line written by the code it interrupted, and passes typed characters
 * from input devices up to the receiver the shell registered.
 */
#include "arch.h"
#include "console.h"
#include "spinlock.h"

void console_write(const char *s, size_t n)
{
	unsigned long flags = arch_irq_save();

	arch_console_write(s, n);
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
