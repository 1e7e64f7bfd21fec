/*
 * Runs the KTEST()s linked into a host unit test (they sit in the same
 * "ktests" section as in the kernel), so in-kernel self-tests are also
 * checked on the host with the fake clock.
 */
#ifndef TERN_KTEST_HOST_H
#define TERN_KTEST_HOST_H

/* Runs every linked ktest, reports failures on stderr; returns how many
 * ran and stores how many failed. */
int run_linked_ktests(int *failed);

#endif
