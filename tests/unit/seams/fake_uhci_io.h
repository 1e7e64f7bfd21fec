/*
 * Controls for the fake UHCI register file (fake_uhci_io.c).
 */
#ifndef TERN_FAKE_UHCI_IO_H
#define TERN_FAKE_UHCI_IO_H

#include <stdbool.h>
#include <stdint.h>

struct fake_uhci {
	uint16_t io_base;
	int nports;
	uint16_t usbcmd, usbsts, usbintr, frnum;
	uint32_t frbaseadd;
	uint8_t sofmod;
	uint16_t portsc[7];
	int hcresets, gresets;
	int reserved_writes; /* writes of a 1 to PORTSC bit 7 */
	bool hcreset_stuck;  /* HCRESET never self-clears */
	bool run_stuck;      /* Run/Stop set, yet it stays halted */
	uint32_t config_addr;
	uint32_t config[64]; /* one function's configuration space */
};

extern struct fake_uhci fake_uhci;

void fake_uhci_reset(uint16_t io_base, int ports);
void fake_uhci_connect(int port, bool low_speed);
void fake_uhci_disconnect(int port);

#endif
