/*
 * Host fakes for what the USB code needs from other layers: console input
 * and the shell's poll (captured so tests can read what a keyboard typed). The DMA side
 * is in fake_usb_dma.c.
 */
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "fake_usb.h"
#include "kstring.h"
#include "mm.h"
#include "shell.h"

char fake_shell_typed[4096];
size_t fake_shell_typed_len;
int fake_shell_poll_next = -1;
unsigned fake_shell_poll_delay;

/* --- shell input --------------------------------------------------------- */
void console_input(char c)
{
	if (fake_shell_typed_len + 1 < sizeof(fake_shell_typed)) {
		fake_shell_typed[fake_shell_typed_len++] = c;
		fake_shell_typed[fake_shell_typed_len] = 0;
	}
}

int shell_poll_char(void)
{
	int c = fake_shell_poll_next;

	if (fake_shell_poll_delay) {
		fake_shell_poll_delay--;
		return -1;
	}
	fake_shell_poll_next = -1;
	return c;
}

void fake_shell_clear(void)
{
	fake_shell_typed_len = 0;
	fake_shell_typed[0] = 0;
}

