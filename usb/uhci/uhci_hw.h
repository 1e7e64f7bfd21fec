/*
 * UHCI hardware interface: I/O registers, the frame list, transfer
 * descriptors and queue heads, as defined by the Intel "Universal Host
 * Controller Interface (UHCI) Design Guide", revision 1.1 (section numbers
 * below refer to it), plus the legacy-support register of the PIIX/ICH
 * chipsets. Only this header knows bit positions.
 */
#ifndef TERN_UHCI_HW_H
#define TERN_UHCI_HW_H

#include "types.h"

/* --- I/O registers (section 2.1, Table 1: offsets from the I/O BAR) --- */
#define UHCI_USBCMD 0x00    /* 16 bits, section 2.1.1 */
#define UHCI_USBSTS 0x02    /* 16 bits, section 2.1.2 */
#define UHCI_USBINTR 0x04   /* 16 bits, section 2.1.3 */
#define UHCI_FRNUM 0x06     /* 16 bits, section 2.1.4 */
#define UHCI_FRBASEADD 0x08 /* 32 bits, section 2.1.5 */
#define UHCI_SOFMOD 0x0C    /* 8 bits, section 2.1.6 */
#define UHCI_PORTSC1 0x10   /* 16 bits each, section 2.1.7 */
#define UHCI_MAX_PORTS 7    /* the I/O space is 32 bytes: 0x10..0x1F */

/* USBCMD (section 2.1.1) */
#define UHCI_CMD_RS 0x0001      /* run/stop */
#define UHCI_CMD_HCRESET 0x0002 /* host controller reset, self-clearing */
#define UHCI_CMD_GRESET 0x0004  /* global reset: drives USB reset on all ports */
#define UHCI_CMD_CF 0x0040      /* configure flag, software only */
#define UHCI_CMD_MAXP 0x0080    /* 64-byte max packet for bandwidth reclamation */

/* USBSTS (section 2.1.2): bits 0-5 are write-1-to-clear. */
#define UHCI_STS_USBINT 0x0001  /* IOC or short packet */
#define UHCI_STS_ERROR 0x0002   /* a TD completed with an error */
#define UHCI_STS_RESUME 0x0004  /* resume detect */
#define UHCI_STS_HSE 0x0008     /* host system error (PCI) */
#define UHCI_STS_HCPE 0x0010    /* host controller process error (bad schedule) */
#define UHCI_STS_HCH 0x0020     /* halted */
#define UHCI_STS_CAUSES 0x001F  /* bits that raise an interrupt */

/* USBINTR (section 2.1.3) */
#define UHCI_INTR_TIMEOUT_CRC 0x0001
#define UHCI_INTR_RESUME 0x0002
#define UHCI_INTR_IOC 0x0004
#define UHCI_INTR_SHORT 0x0008

#define UHCI_FRNUM_MASK 0x07FF /* section 2.1.4: bits 10:0 count frames */
#define UHCI_SOF_DEFAULT 64    /* section 2.1.6: 12000 bit times per frame */

/* PORTSC (section 2.1.7) */
#define UHCI_PORT_CCS 0x0001  /* current connect status */
#define UHCI_PORT_CSC 0x0002  /* connect status change, write 1 to clear */
#define UHCI_PORT_PE 0x0004   /* port enabled */
#define UHCI_PORT_PEC 0x0008  /* port enable change, write 1 to clear */
#define UHCI_PORT_RD 0x0040   /* resume detect (R/W) */
#define UHCI_PORT_VALID 0x0080 /* reserved, always reads 1 on a real port */
#define UHCI_PORT_LSDA 0x0100 /* low-speed device attached */
#define UHCI_PORT_PR 0x0200   /* port reset (R/W) */
#define UHCI_PORT_SUSP 0x1000 /* suspend (R/W) */
/* Bits software may write back unchanged; everything else is read-only,
 * reserved (write 0) or write-1-to-clear. */
#define UHCI_PORT_RW_BITS (UHCI_PORT_PE | UHCI_PORT_RD | UHCI_PORT_PR | UHCI_PORT_SUSP)
#define UHCI_PORT_WC_BITS (UHCI_PORT_CSC | UHCI_PORT_PEC)

/*
 * Legacy support register in PCI configuration space (Intel 82371AB PIIX4
 * datasheet, LEGSUP at 0xC0; same in ICH). Writing 0x8F00 clears the
 * write-1-to-clear SMI/trap status bits (15, 11:8) and leaves every SMI and
 * trap enable off, which hands the controller from the BIOS to us; 0x2000
 * (USBPIRQDEN) then routes the controller's interrupt to its PCI INTx pin.
 */
#define UHCI_PCI_LEGSUP 0xC0
#define UHCI_LEGSUP_HANDOFF 0x8F00
#define UHCI_LEGSUP_PIRQ 0x2000

/* --- Link pointers (sections 3.1, 3.2.1, 3.3.1) --- */
#define UHCI_LINK_TERMINATE 0x1u /* T: end of this list */
#define UHCI_LINK_QH 0x2u        /* Q: the pointer is to a queue head */
#define UHCI_LINK_DEPTH 0x4u     /* Vf (TD link only): depth-first */
#define UHCI_LINK_ADDR(l) ((dma_addr_t)((l) & ~0xFu))

/* Frame list (section 3.1): 1024 32-bit pointers, 4 KiB aligned. */
#define UHCI_FRAMES 1024
#define UHCI_FRAME_LIST_BYTES (UHCI_FRAMES * 4)

/* Transfer descriptor (section 3.2), 16-byte aligned. The design guide
 * lists four more dwords "for software use"; Tern keeps its bookkeeping
 * out of device-visible memory, so only the hardware part is allocated. */
struct uhci_td {
	volatile uint32_t link;   /* TD link pointer, section 3.2.1 */
	volatile uint32_t ctrl;   /* control and status, section 3.2.2 */
	volatile uint32_t token;  /* section 3.2.3 */
	volatile uint32_t buffer; /* buffer pointer, section 3.2.4 */
};
_Static_assert(sizeof(struct uhci_td) == 16, "UHCI 3.2: hardware TD is 4 dwords");

/* TD control and status (section 3.2.2) */
#define UHCI_TD_SPD (1u << 29)       /* short packet detect */
#define UHCI_TD_CERR_SHIFT 27        /* error counter, 2 bits */
#define UHCI_TD_CERR_MAX (3u << 27)
#define UHCI_TD_LS (1u << 26)        /* low-speed device */
#define UHCI_TD_IOC (1u << 24)       /* interrupt on complete */
#define UHCI_TD_ACTIVE (1u << 23)
#define UHCI_TD_STALLED (1u << 22)
#define UHCI_TD_DBUFERR (1u << 21)   /* data buffer over/underrun */
#define UHCI_TD_BABBLE (1u << 20)
#define UHCI_TD_NAK (1u << 19)       /* informational: NAK received */
#define UHCI_TD_CRC_TIMEOUT (1u << 18)
#define UHCI_TD_BITSTUFF (1u << 17)
#define UHCI_TD_ERROR_BITS \
	(UHCI_TD_STALLED | UHCI_TD_DBUFERR | UHCI_TD_BABBLE | UHCI_TD_CRC_TIMEOUT | \
	 UHCI_TD_BITSTUFF)
#define UHCI_TD_ACTLEN(ctrl) (((ctrl) + 1) & 0x7FFu) /* stored as n-1 */

/* TD token (section 3.2.3) */
#define UHCI_TD_MAXLEN_SHIFT 21        /* n-1; 0x7FF encodes a null packet */
#define UHCI_TD_MAXLEN_NULL 0x7FFu
#define UHCI_TD_TOGGLE (1u << 19)
#define UHCI_TD_ENDPT_SHIFT 15
#define UHCI_TD_ADDR_SHIFT 8
#define UHCI_TD_PID_MASK 0xFFu
#define UHCI_TD_MAXLEN(token) ((((token) >> UHCI_TD_MAXLEN_SHIFT) + 1) & 0x7FFu)
#define UHCI_MAX_TD_BYTES 1280 /* section 3.2.3: MaxLen 0x000-0x4FF */

/* PIDs (USB 2.0 Table 8-1), the only values the token may carry. */
#define UHCI_PID_SETUP 0x2D
#define UHCI_PID_IN 0x69
#define UHCI_PID_OUT 0xE1

/* Queue head (section 3.3), 16-byte aligned. */
struct uhci_qh {
	volatile uint32_t link;    /* queue head link pointer, section 3.3.1 */
	volatile uint32_t element; /* queue element link pointer, section 3.3.2 */
};
_Static_assert(sizeof(struct uhci_qh) == 8, "UHCI 3.3: QH is 2 dwords");
#define UHCI_QH_BYTES 16 /* allocation size: keeps the 16-byte alignment */

#endif
