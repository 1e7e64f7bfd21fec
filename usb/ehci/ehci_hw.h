/*
 * EHCI hardware interface (Enhanced Host Controller Interface 1.0): the
 * capability and operational registers, the PCI extended capability used
 * for the BIOS hand-off, and the two in-memory descriptors this driver
 * builds, the queue element transfer descriptor (qTD) and the queue head
 * (QH). No iTD/siTD: the driver only runs high-speed control, bulk and
 * interrupt endpoints. Section numbers refer to the EHCI 1.0 specification.
 */
#ifndef TERN_EHCI_HW_H
#define TERN_EHCI_HW_H

#include "types.h"

/* --- Capability registers (§2.2), offsets from BAR0 ------------------- */
#define EHCI_CAPLENGTH 0x00  /* 8 bits: offset of the operational registers */
#define EHCI_HCIVERSION 0x02 /* 16 bits */
#define EHCI_HCSPARAMS 0x04
#define EHCI_HCCPARAMS 0x08

/* HCSPARAMS (§2.2.3) */
#define EHCI_HCS_N_PORTS(p) ((p) & 0xf)
#define EHCI_HCS_PPC (1u << 4)          /* ports have power switches */
#define EHCI_HCS_N_PCC(p) (((p) >> 8) & 0xf)
#define EHCI_HCS_N_CC(p) (((p) >> 12) & 0xf) /* companion controllers */

/* HCCPARAMS (§2.2.4) */
#define EHCI_HCC_64BIT (1u << 0)
#define EHCI_HCC_PFLF (1u << 1)         /* programmable frame list size */
#define EHCI_HCC_EECP(p) (((p) >> 8) & 0xff)

/* --- Operational registers (§2.3), offsets from BAR0 + CAPLENGTH ------ */
#define EHCI_USBCMD 0x00
#define EHCI_USBSTS 0x04
#define EHCI_USBINTR 0x08
#define EHCI_FRINDEX 0x0c
#define EHCI_CTRLDSSEGMENT 0x10
#define EHCI_PERIODICLISTBASE 0x14
#define EHCI_ASYNCLISTADDR 0x18
#define EHCI_CONFIGFLAG 0x40
#define EHCI_PORTSC(n) (0x44 + 4 * ((n) - 1)) /* ports numbered from 1 */

/* USBCMD (§2.3.1) */
#define EHCI_CMD_RUN (1u << 0)
#define EHCI_CMD_HCRESET (1u << 1)
#define EHCI_CMD_FLS_MASK (3u << 2)     /* 0 = 1024 entries */
#define EHCI_CMD_PSE (1u << 4)
#define EHCI_CMD_ASE (1u << 5)
#define EHCI_CMD_IAAD (1u << 6)         /* interrupt on async advance doorbell */
#define EHCI_CMD_ITC_SHIFT 16           /* interrupt threshold, microframes */
#define EHCI_CMD_ITC_MASK (0xffu << EHCI_CMD_ITC_SHIFT)

/* USBSTS (§2.3.2); the low six bits are write-1-to-clear. USBINTR (§2.3.3)
 * enables the same low six bits. */
#define EHCI_STS_USBINT (1u << 0)
#define EHCI_STS_ERRINT (1u << 1)
#define EHCI_STS_PCD (1u << 2)
#define EHCI_STS_FLR (1u << 3)
#define EHCI_STS_HSE (1u << 4)
#define EHCI_STS_IAA (1u << 5)
#define EHCI_STS_ACK_MASK 0x3fu
#define EHCI_STS_HALTED (1u << 12)
#define EHCI_STS_RECLAMATION (1u << 13)
#define EHCI_STS_PSS (1u << 14)
#define EHCI_STS_ASS (1u << 15)

/* CONFIGFLAG (§2.3.8): 1 routes every port to EHCI. */
#define EHCI_CONFIGFLAG_CF (1u << 0)

/* PORTSC (§2.3.9) */
#define EHCI_PORT_CCS (1u << 0)   /* current connect status */
#define EHCI_PORT_CSC (1u << 1)   /* connect status change, RW1C */
#define EHCI_PORT_PE (1u << 2)    /* enabled; software can only clear it */
#define EHCI_PORT_PEC (1u << 3)   /* enable change, RW1C */
#define EHCI_PORT_OCA (1u << 4)   /* over-current active */
#define EHCI_PORT_OCC (1u << 5)   /* over-current change, RW1C */
#define EHCI_PORT_FPR (1u << 6)
#define EHCI_PORT_SUSPEND (1u << 7)
#define EHCI_PORT_PR (1u << 8)    /* port reset */
#define EHCI_PORT_LS_MASK (3u << 10)
#define EHCI_PORT_LS_K (1u << 10) /* K-state: a low-speed device */
#define EHCI_PORT_PP (1u << 12)   /* port power */
#define EHCI_PORT_OWNER (1u << 13) /* 1: the companion controller owns it */
#define EHCI_PORT_RWC_MASK (EHCI_PORT_CSC | EHCI_PORT_PEC | EHCI_PORT_OCC)

/* --- PCI configuration: EHCI extended capabilities (§5.1) ------------- */
#define EHCI_EXTCAP_ID(v) ((v) & 0xff)
#define EHCI_EXTCAP_NEXT(v) (((v) >> 8) & 0xff)
#define EHCI_EXTCAP_ID_LEGACY 1
#define EHCI_LEGSUP_BIOS_OWNED (1u << 16)
#define EHCI_LEGSUP_OS_OWNED (1u << 24)
#define EHCI_LEGCTLSTS_OFFSET 4           /* USBLEGCTLSTS after USBLEGSUP */
#define EHCI_LEGCTLSTS_SMI_ENABLES 0x0000e03fu /* bits 5:0 and 15:13 */
#define EHCI_LEGCTLSTS_SMI_CHANGES 0xe0000000u /* RW1C bits 31:29 */

/* --- Link pointers (§3.1, §3.6.1, §3.5.1) ----------------------------- */
#define EHCI_LINK_TERMINATE 1u
#define EHCI_LINK_TYPE_QH (1u << 1) /* Typ = 01b */
#define EHCI_LINK_ADDR(v) ((v) & ~0x1fu)

/* Frame list (§3.1): always 1024 entries here (QEMU ignores FLS). */
#define EHCI_FRAME_LIST_ENTRIES 1024
#define EHCI_FRAME_LIST_BYTES (EHCI_FRAME_LIST_ENTRIES * 4)

/* --- qTD token (§3.5.3) ----------------------------------------------- */
#define EHCI_TOK_PING (1u << 0)       /* P/ERR: ping state for HS OUT */
#define EHCI_TOK_SPLITX (1u << 1)
#define EHCI_TOK_MISSED_UF (1u << 2)
#define EHCI_TOK_XACT (1u << 3)       /* transaction error */
#define EHCI_TOK_BABBLE (1u << 4)
#define EHCI_TOK_DATABUF (1u << 5)    /* data buffer over/underrun */
#define EHCI_TOK_HALTED (1u << 6)
#define EHCI_TOK_ACTIVE (1u << 7)
#define EHCI_TOK_STATUS_MASK 0xffu
#define EHCI_TOK_PID_SHIFT 8
#define EHCI_PID_OUT 0u
#define EHCI_PID_IN 1u
#define EHCI_PID_SETUP 2u
#define EHCI_TOK_CERR_SHIFT 10
#define EHCI_TOK_CERR_MASK (3u << 10)
#define EHCI_TOK_CPAGE_MASK (7u << 12)
#define EHCI_TOK_IOC (1u << 15)
#define EHCI_TOK_BYTES_SHIFT 16
#define EHCI_TOK_BYTES_MASK (0x7fffu << 16)
#define EHCI_TOK_BYTES(t) (((t) & EHCI_TOK_BYTES_MASK) >> EHCI_TOK_BYTES_SHIFT)
#define EHCI_TOK_TOGGLE (1u << 31)

#define EHCI_PAGE_SIZE 4096u
#define EHCI_QTD_PAGES 5                 /* buffer pointers per qTD (§3.5.4) */
#define EHCI_QTD_MAX_BYTES (EHCI_QTD_PAGES * EHCI_PAGE_SIZE) /* 20 KiB */
#define EHCI_CERR_MAX 3u

/*
 * Queue element transfer descriptor (§3.5), with the 64-bit extension
 * (Appendix B) so one layout serves both addressing modes; the extension
 * dwords stay zero because every buffer lies below 4 GiB.
 */
struct ehci_qtd {
	uint32_t next;          /* §3.5.1 next qTD pointer */
	uint32_t alt_next;      /* §3.5.2 alternate next qTD pointer */
	uint32_t token;         /* §3.5.3 */
	uint32_t buf[5];        /* §3.5.4 page pointers; buf[0] has the offset */
	uint32_t buf_hi[5];     /* Appendix B, 64-bit capable controllers */
} __attribute__((aligned(32)));
_Static_assert(offsetof(struct ehci_qtd, buf) == 12, "EHCI 3.5: buffers at dword 3");
_Static_assert(offsetof(struct ehci_qtd, buf_hi) == 32, "EHCI B: 32-byte base qTD");
_Static_assert(sizeof(struct ehci_qtd) == 64, "qTD + Appendix B, 32-byte aligned");

/* Queue head (§3.6): static endpoint state plus the transfer overlay. */
struct ehci_qh {
	uint32_t hlink;         /* §3.6.1 horizontal link */
	uint32_t ep_char;       /* §3.6.2 endpoint characteristics */
	uint32_t ep_caps;       /* §3.6.2 endpoint capabilities */
	uint32_t current;       /* §3.6.3 current qTD pointer */
	/* §3.6.3 transfer overlay: a qTD image the controller works on */
	uint32_t next;
	uint32_t alt_next;      /* bits 4:1 NakCnt */
	uint32_t token;
	uint32_t buf[5];
	uint32_t buf_hi[5];     /* Appendix B */
} __attribute__((aligned(32)));
_Static_assert(offsetof(struct ehci_qh, next) == 16, "EHCI 3.6: overlay at dword 4");
_Static_assert(offsetof(struct ehci_qh, buf_hi) == 48, "EHCI B: 48-byte base QH");
_Static_assert(sizeof(struct ehci_qh) == 96, "QH + Appendix B, 32-byte aligned");

/* QH endpoint characteristics (§3.6.2, table 3-19) */
#define EHCI_QH_DEVADDR(a) ((uint32_t)(a) & 0x7f)
#define EHCI_QH_ENDPT(e) (((uint32_t)(e) & 0xf) << 8)
#define EHCI_QH_EPS_HIGH (2u << 12)
#define EHCI_QH_DTC (1u << 14)   /* toggle from the qTD (control endpoints) */
#define EHCI_QH_HEAD (1u << 15)  /* H: head of the reclamation list */
#define EHCI_QH_MAXP(m) (((uint32_t)(m) & 0x7ff) << 16)
#define EHCI_QH_RL(r) (((uint32_t)(r) & 0xf) << 28) /* NAK count reload */

/* QH endpoint capabilities (§3.6.2, table 3-20) */
#define EHCI_QH_SMASK(m) ((uint32_t)(m) & 0xff)
#define EHCI_QH_MULT(m) (((uint32_t)(m) & 3) << 30)

#endif
