/*
 * What the `crash` command (tests/kernel/crash.c) shares with the ktests
 * that check fault handling.
 */
#ifndef TERN_CRASH_H
#define TERN_CRASH_H

/* Recurses from depth until the guard page below the stack stops it; it
 * never returns normally. */
int crash_stack_overflow(int depth);

#endif
