/* Controls for tests/unit/seams/fake_usb.c. */
#ifndef TERN_FAKE_USB_H
#define TERN_FAKE_USB_H

#include <stdbool.h>
#include <stddef.h>

#include "fake_kmalloc.h"
long fake_dma_live(void);      /* live chunks of the "usb-buffers" pool */
long fake_dma_misuse(void);    /* frees and translations the pool refused */
/* Takes every free chunk of the USB pool and lets it grow no more, so
 * the next usb_buffer_alloc() fails; fake_dma_restore() undoes it. */
void fake_dma_exhaust(void);
void fake_dma_restore(void);
extern char fake_shell_typed[4096]; /* what console_input received */
extern size_t fake_shell_typed_len;
extern int fake_shell_poll_next;    /* next shell_poll_char() result */
extern unsigned fake_shell_poll_delay; /* ... after this many -1 results */
void fake_shell_clear(void);

#endif
