/*
 * xHCI hardware layout (eXtensible Host Controller Interface 1.2): the
 * register offsets and bits the driver uses, TRBs, contexts and the event
 * ring segment table. Section numbers refer to that specification. Every
 * structure here lives in DMA pool memory and is read by the controller,
 * so its size is asserted.
 */
#ifndef TERN_XHCI_HW_H
#define TERN_XHCI_HW_H

#include "types.h"

/* --- capability registers (§5.3), read as aligned dwords only --------- */
#define XHCI_CAP_LENGTH 0x00    /* CAPLENGTH in bits 7:0, HCIVERSION 31:16 */
#define XHCI_HCSPARAMS1 0x04
#define XHCI_HCSPARAMS2 0x08
#define XHCI_HCCPARAMS1 0x10
#define XHCI_DBOFF 0x14
#define XHCI_RTSOFF 0x18
#define XHCI_HCS1_SLOTS(v) ((v) & 0xff)
#define XHCI_HCS1_PORTS(v) ((v) >> 24)
#define XHCI_HCS2_SCRATCHPADS(v) ((((v) >> 21) & 0x1f) << 5 | ((v) >> 27))
#define XHCI_HCC1_CSZ (1u << 2)
#define XHCI_HCC1_PPC (1u << 3)  /* ports have power switches */
#define XHCI_HCC1_XECP(v) (((v) >> 16) * 4)

/* --- extended capabilities (§7) --------------------------------------- */
#define XHCI_XCAP_ID(v) ((v) & 0xff)
#define XHCI_XCAP_NEXT(v) ((((v) >> 8) & 0xff) * 4)
#define XHCI_XCAP_LEGACY 1
#define XHCI_XCAP_PROTOCOL 2
#define XHCI_LEGACY_BIOS_OWNED (1u << 16)
#define XHCI_LEGACY_OS_OWNED (1u << 24)
#define XHCI_LEGCTLSTS 4
#define XHCI_LEGCTLSTS_SMI_ENABLES 0x0000e011u /* bits 0, 4, 13-15 */
#define XHCI_LEGCTLSTS_SMI_EVENTS 0xe0000000u  /* RW1C, bits 29-31 */

/* --- operational registers (§5.4) -------------------------------------- */
#define XHCI_USBCMD 0x00
#define XHCI_USBSTS 0x04
#define XHCI_PAGESIZE 0x08
#define XHCI_CRCR 0x18
#define XHCI_DCBAAP 0x30
#define XHCI_CONFIG 0x38
#define XHCI_PORTSC(n) (0x400 + 0x10 * ((n) - 1))
#define XHCI_CMD_RUN (1u << 0)
#define XHCI_CMD_HCRST (1u << 1)
#define XHCI_CMD_INTE (1u << 2)
#define XHCI_CMD_HSEE (1u << 3)
#define XHCI_STS_HCH (1u << 0)
#define XHCI_STS_HSE (1u << 2)
#define XHCI_STS_EINT (1u << 3)
#define XHCI_STS_PCD (1u << 4)
#define XHCI_STS_CNR (1u << 11)
#define XHCI_STS_HCE (1u << 12)
#define XHCI_CRCR_CA (1u << 2)

/* PORTSC (§5.4.8). PED and the change bits are RW1C: a write that must not
 * clear them keeps only the bits in XHCI_PORT_KEEP. */
#define XHCI_PORT_CCS (1u << 0)
#define XHCI_PORT_PED (1u << 1)
#define XHCI_PORT_PR (1u << 4)
#define XHCI_PORT_PP (1u << 9)
#define XHCI_PORT_SPEED(v) (((v) >> 10) & 0xf)
#define XHCI_PORT_CSC (1u << 17)
#define XHCI_PORT_PEC (1u << 18)
#define XHCI_PORT_CHANGES (0x7fu << 17) /* CSC PEC WRC OCC PRC PLC CEC */
#define XHCI_PORT_KEEP (XHCI_PORT_PP | (3u << 14) | (7u << 25))
#define XHCI_SPEED_FULL 1  /* default Protocol Speed IDs (§7.2.2.1.1) */
#define XHCI_SPEED_LOW 2
#define XHCI_SPEED_HIGH 3
#define XHCI_SPEED_SUPER 4

/* --- runtime registers (§5.5), interrupter 0 only ----------------------- */
#define XHCI_IMAN 0x20
#define XHCI_IMOD 0x24
#define XHCI_ERSTSZ 0x28
#define XHCI_ERSTBA 0x30
#define XHCI_ERDP 0x38
#define XHCI_IMAN_IP (1u << 0)
#define XHCI_IMAN_IE (1u << 1)
#define XHCI_ERDP_EHB (1u << 3)

/* --- TRBs (§6.4) ---------------------------------------------------------- */
struct xhci_trb {
	uint64_t param;
	uint32_t status;
	uint32_t control;
};
_Static_assert(sizeof(struct xhci_trb) == 16, "xHCI 6.4: a TRB is 16 bytes");

#define TRB_CYCLE (1u << 0)
#define TRB_TC (1u << 1)     /* Link: toggle cycle */
#define TRB_ISP (1u << 2)
#define TRB_CH (1u << 4)
#define TRB_IOC (1u << 5)
#define TRB_IDT (1u << 6)
#define TRB_BSR (1u << 9)    /* Address Device: block SET_ADDRESS */
#define TRB_DIR_IN (1u << 16)
#define TRB_TYPE(t) ((uint32_t)(t) << 10)
#define TRB_GET_TYPE(c) (((c) >> 10) & 0x3f)
#define TRB_SLOT(s) ((uint32_t)(s) << 24)
#define TRB_GET_SLOT(c) ((c) >> 24)
#define TRB_EP(e) ((uint32_t)(e) << 16)
#define TRB_GET_EP(c) (((c) >> 16) & 0x1f)
#define TRB_TRT_OUT (2u << 16)
#define TRB_TRT_IN (3u << 16)
#define TRB_GET_CC(s) ((s) >> 24)
#define TRB_GET_LEN(s) ((s) & 0xffffff)

enum xhci_trb_type {
	TRB_NORMAL = 1, TRB_SETUP = 2, TRB_DATA = 3, TRB_STATUS = 4, TRB_LINK = 6,
	TRB_ENABLE_SLOT = 9, TRB_DISABLE_SLOT = 10, TRB_ADDRESS_DEVICE = 11,
	TRB_CONFIGURE_EP = 12, TRB_EVALUATE_CTX = 13, TRB_RESET_EP = 14, TRB_STOP_EP = 15,
	TRB_SET_TR_DEQ = 16, TRB_RESET_DEVICE = 17, TRB_NOOP_CMD = 23,
	TRB_EV_TRANSFER = 32, TRB_EV_COMMAND = 33, TRB_EV_PORT = 34, TRB_EV_HOST = 37,
};

/* Completion codes (§6.4.5). */
enum xhci_cc {
	CC_SUCCESS = 1, CC_DATA_BUFFER = 2, CC_BABBLE = 3, CC_TRANSACTION = 4, CC_TRB = 5,
	CC_STALL = 6, CC_SHORT_PACKET = 13, CC_EVENT_RING_FULL = 21, CC_CMD_RING_STOPPED = 24,
	CC_CMD_ABORTED = 25, CC_STOPPED = 26, CC_STOPPED_LENGTH_INVALID = 27,
};

/* --- contexts (§6.2), 32-byte layout; CSZ=1 doubles the stride ---------- */
struct xhci_slot_ctx {
	uint32_t info;       /* route string 19:0, speed 23:20, MTT 25, hub 26, entries 31:27 */
	uint32_t info2;      /* root port 23:16, number of ports 31:24 */
	uint32_t tt;         /* TT hub slot 7:0, TT port 15:8, interrupter 31:22 */
	uint32_t state;      /* device address 7:0, slot state 31:27 */
	uint32_t reserved[4];
};
_Static_assert(sizeof(struct xhci_slot_ctx) == 32, "xHCI 6.2.2: slot context");

struct xhci_ep_ctx {
	uint32_t info;       /* state 2:0, interval 23:16 */
	uint32_t info2;      /* CErr 2:1, type 5:3, max burst 15:8, max packet 31:16 */
	uint64_t deq;        /* TR dequeue pointer | DCS */
	uint32_t tx_info;    /* average TRB length 15:0, max ESIT payload 31:16 */
	uint32_t reserved[3];
};
_Static_assert(sizeof(struct xhci_ep_ctx) == 32, "xHCI 6.2.3: endpoint context");

struct xhci_input_ctrl_ctx {
	uint32_t drop;
	uint32_t add;
	uint32_t reserved[6];
};
_Static_assert(sizeof(struct xhci_input_ctrl_ctx) == 32, "xHCI 6.2.5.1: input control");

#define SLOT_ROUTE(r) ((r) & 0xfffffu)
#define SLOT_SPEED(s) ((uint32_t)(s) << 20)
#define SLOT_MTT (1u << 25)
#define SLOT_HUB (1u << 26)
#define SLOT_ENTRIES(n) ((uint32_t)(n) << 27)
#define SLOT_GET_ENTRIES(v) ((v) >> 27)
#define SLOT_ROOT_PORT(p) ((uint32_t)(p) << 16)
#define SLOT_NUM_PORTS(n) ((uint32_t)(n) << 24)
#define SLOT_TT(slot, port) ((uint32_t)(slot) | (uint32_t)(port) << 8)
#define SLOT_TTT(t) ((uint32_t)(t) << 16)
#define SLOT_GET_ADDRESS(v) ((v) & 0xff)
#define EP_INTERVAL(i) ((uint32_t)(i) << 16)
#define EP_CERR(n) ((uint32_t)(n) << 1)
#define EP_TYPE(t) ((uint32_t)(t) << 3)
#define EP_MAX_PACKET(m) ((uint32_t)(m) << 16)
#define EP_TYPE_CONTROL 4
#define EP_TYPE_IN_OFFSET 4     /* IN types are OUT types + 4 (Table 6-9) */
#define EP_STATE(v) ((v) & 7)

/* --- event ring segment table entry (§6.5) ------------------------------- */
struct xhci_erst_entry {
	uint64_t base;
	uint32_t size;
	uint32_t reserved;
};
_Static_assert(sizeof(struct xhci_erst_entry) == 16, "xHCI 6.5: ERST entry");

#endif
