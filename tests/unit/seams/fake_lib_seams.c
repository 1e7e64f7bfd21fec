/*
 * kernel_seams.c for tests that link the real kernel/printk.c: the same
 * clock, IRQ-flag and symbol fakes, with the seam's own console functions
 * renamed out of the way so they do not clash with printk.c's.
 */
#define printk seam_unused_printk
#define kprintf seam_unused_kprintf
#define kvprintf seam_unused_kvprintf
#define panic seam_unused_panic
#include "kernel_seams.c"
