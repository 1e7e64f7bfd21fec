	.section .ksyms, "a"
	.balign 8
	.global ksym_table, ksym_count, ksym_names
ksym_count:
	.quad 107
ksym_table:
	.quad 0xffffffff80100000
	.long 0, 0
	.quad 0xffffffff80101000
	.long 14, 0
	.quad 0xffffffff80101000
	.long 26, 0
	.quad 0xffffffff80101090
	.long 54, 0
	.quad 0xffffffff801011b0
	.long 64, 0
	.quad 0xffffffff80101250
	.long 74, 0
	.quad 0xffffffff80101740
	.long 93, 0
	.quad 0xffffffff80101950
	.long 114, 0
	.quad 0xffffffff80101a40
	.long 123, 0
	.quad 0xffffffff80101b40
	.long 132, 0
	.quad 0xffffffff80101b60
	.long 145, 0
	.quad 0xffffffff80101b70
	.long 149, 0
	.quad 0xffffffff80101b80
	.long 153, 0
	.quad 0xffffffff80101b90
	.long 157, 0
	.quad 0xffffffff80101ba0
	.long 162, 0
	.quad 0xffffffff80101bb0
	.long 167, 0
	.quad 0xffffffff80101bc0
	.long 172, 0
	.quad 0xffffffff80101bd0
	.long 183, 0
	.quad 0xffffffff80101be0
	.long 195, 0
	.quad 0xffffffff80101bf0
	.long 207, 0
	.quad 0xffffffff80101c00
	.long 219, 0
	.quad 0xffffffff80101c10
	.long 232, 0
	.quad 0xffffffff80101c20
	.long 245, 0
	.quad 0xffffffff80101c30
	.long 253, 0
	.quad 0xffffffff80101c40
	.long 261, 0
	.quad 0xffffffff80101c50
	.long 271, 0
	.quad 0xffffffff80101c60
	.long 285, 0
	.quad 0xffffffff80101c70
	.long 302, 0
	.quad 0xffffffff80101c80
	.long 312, 0
	.quad 0xffffffff80101c90
	.long 322, 0
	.quad 0xffffffff80101ca0
	.long 332, 0
	.quad 0xffffffff80101cf0
	.long 344, 0
	.quad 0xffffffff80101d90
	.long 353, 0
	.quad 0xffffffff80101dd0
	.long 366, 0
	.quad 0xffffffff80101f10
	.long 379, 0
	.quad 0xffffffff80102050
	.long 392, 0
	.quad 0xffffffff80102160
	.long 407, 0
	.quad 0xffffffff801021a0
	.long 421, 0
	.quad 0xffffffff80102220
	.long 433, 0
	.quad 0xffffffff80102260
	.long 451, 0
	.quad 0xffffffff80102330
	.long 464, 0
	.quad 0xffffffff801023b0
	.long 476, 0
	.quad 0xffffffff80102410
	.long 488, 0
	.quad 0xffffffff80102430
	.long 499, 0
	.quad 0xffffffff80102440
	.long 509, 0
	.quad 0xffffffff80102450
	.long 517, 0
	.quad 0xffffffff80102480
	.long 526, 0
	.quad 0xffffffff80102500
	.long 533, 0
	.quad 0xffffffff80102580
	.long 540, 0
	.quad 0xffffffff80102760
	.long 550, 0
	.quad 0xffffffff801027c0
	.long 559, 0
	.quad 0xffffffff80102b30
	.long 569, 0
	.quad 0xffffffff80102b80
	.long 583, 0
	.quad 0xffffffff80102cf0
	.long 589, 0
	.quad 0xffffffff80103472
	.long 594, 0
	.quad 0xffffffff80103489
	.long 612, 0
	.quad 0xffffffff801034c6
	.long 623, 0
	.quad 0xffffffff801034cc
	.long 634, 0
	.quad 0xffffffff801034d2
	.long 645, 0
	.quad 0xffffffff801034d8
	.long 656, 0
	.quad 0xffffffff801034de
	.long 667, 0
	.quad 0xffffffff801034e4
	.long 678, 0
	.quad 0xffffffff801034ea
	.long 689, 0
	.quad 0xffffffff801034f0
	.long 700, 0
	.quad 0xffffffff801034f6
	.long 711, 0
	.quad 0xffffffff801034fa
	.long 722, 0
	.quad 0xffffffff80103500
	.long 733, 0
	.quad 0xffffffff80103504
	.long 745, 0
	.quad 0xffffffff80103508
	.long 757, 0
	.quad 0xffffffff8010350f
	.long 769, 0
	.quad 0xffffffff80103516
	.long 781, 0
	.quad 0xffffffff8010351d
	.long 793, 0
	.quad 0xffffffff80103526
	.long 805, 0
	.quad 0xffffffff8010352f
	.long 817, 0
	.quad 0xffffffff80103536
	.long 829, 0
	.quad 0xffffffff8010353f
	.long 841, 0
	.quad 0xffffffff80103548
	.long 853, 0
	.quad 0xffffffff80103551
	.long 865, 0
	.quad 0xffffffff80103558
	.long 877, 0
	.quad 0xffffffff80103561
	.long 889, 0
	.quad 0xffffffff8010356a
	.long 901, 0
	.quad 0xffffffff80103573
	.long 913, 0
	.quad 0xffffffff8010357c
	.long 925, 0
	.quad 0xffffffff80103585
	.long 937, 0
	.quad 0xffffffff8010358e
	.long 949, 0
	.quad 0xffffffff80103597
	.long 961, 0
	.quad 0xffffffff8010359e
	.long 973, 0
	.quad 0xffffffff801035a5
	.long 985, 0
	.quad 0xffffffff801035ae
	.long 997, 0
	.quad 0xffffffff801035b7
	.long 1009, 0
	.quad 0xffffffff801035c0
	.long 1021, 0
	.quad 0xffffffff801035c9
	.long 1033, 0
	.quad 0xffffffff801035d2
	.long 1045, 0
	.quad 0xffffffff801035db
	.long 1057, 0
	.quad 0xffffffff801035e4
	.long 1069, 0
	.quad 0xffffffff801035ed
	.long 1081, 0
	.quad 0xffffffff801035f6
	.long 1093, 0
	.quad 0xffffffff801035ff
	.long 1105, 0
	.quad 0xffffffff80103608
	.long 1117, 0
	.quad 0xffffffff80103611
	.long 1129, 0
	.quad 0xffffffff8010361a
	.long 1141, 0
	.quad 0xffffffff80103623
	.long 1153, 0
	.quad 0xffffffff8010362c
	.long 1165, 0
	.quad 0xffffffff80103635
	.long 1177, 0
	.quad 0xffffffff8010363e
	.long 1189, 0
	.quad 0xffffffff801036b5
	.long 1198, 0
	.quad 0xffffffff801036fa
	.long 1214, 0
ksym_names:
	.asciz "_kernel_start"
	.asciz "_text_start"
	.asciz "crash_stack_overflow.isra.0"
	.asciz "cmd_crash"
	.asciz "is_mapped"
	.asciz "exception_dispatch"
	.asciz "fwcfg_append_cmdline"
	.asciz "gdt_init"
	.asciz "idt_init"
	.asciz "isr_dispatch"
	.asciz "inb"
	.asciz "inw"
	.asciz "inl"
	.asciz "outb"
	.asciz "outw"
	.asciz "outl"
	.asciz "mmio_read8"
	.asciz "mmio_read16"
	.asciz "mmio_read32"
	.asciz "mmio_write8"
	.asciz "mmio_write16"
	.asciz "mmio_write32"
	.asciz "dma_wmb"
	.asciz "dma_rmb"
	.asciz "cpu_relax"
	.asciz "arch_irq_save"
	.asciz "arch_irq_restore"
	.asciz "arch_idle"
	.asciz "arch_halt"
	.asciz "qemu_exit"
	.asciz "arch_reboot"
	.asciz "pic_init"
	.asciz "pic_send_eoi"
	.asciz "irq_dispatch"
	.asciz "irq_register"
	.asciz "irq_unregister"
	.asciz "serial_rx_irq"
	.asciz "serial_init"
	.asciz "serial_enable_irq"
	.asciz "serial_write"
	.asciz "ksym_lookup"
	.asciz "ksym_format"
	.asciz "timer_tick"
	.asciz "rdtsc_now"
	.asciz "tsc_khz"
	.asciz "ktime_ns"
	.asciz "udelay"
	.asciz "mdelay"
	.asciz "time_init"
	.asciz "vga_init"
	.asciz "vga_write"
	.asciz "console_write"
	.asciz "kmain"
	.asciz "putn"
	.asciz "higher_half_entry"
	.asciz "isr_common"
	.asciz "isr_stub_0"
	.asciz "isr_stub_1"
	.asciz "isr_stub_2"
	.asciz "isr_stub_3"
	.asciz "isr_stub_4"
	.asciz "isr_stub_5"
	.asciz "isr_stub_6"
	.asciz "isr_stub_7"
	.asciz "isr_stub_8"
	.asciz "isr_stub_9"
	.asciz "isr_stub_10"
	.asciz "isr_stub_11"
	.asciz "isr_stub_12"
	.asciz "isr_stub_13"
	.asciz "isr_stub_14"
	.asciz "isr_stub_15"
	.asciz "isr_stub_16"
	.asciz "isr_stub_17"
	.asciz "isr_stub_18"
	.asciz "isr_stub_19"
	.asciz "isr_stub_20"
	.asciz "isr_stub_21"
	.asciz "isr_stub_22"
	.asciz "isr_stub_23"
	.asciz "isr_stub_24"
	.asciz "isr_stub_25"
	.asciz "isr_stub_26"
	.asciz "isr_stub_27"
	.asciz "isr_stub_28"
	.asciz "isr_stub_29"
	.asciz "isr_stub_30"
	.asciz "isr_stub_31"
	.asciz "isr_stub_32"
	.asciz "isr_stub_33"
	.asciz "isr_stub_34"
	.asciz "isr_stub_35"
	.asciz "isr_stub_36"
	.asciz "isr_stub_37"
	.asciz "isr_stub_38"
	.asciz "isr_stub_39"
	.asciz "isr_stub_40"
	.asciz "isr_stub_41"
	.asciz "isr_stub_42"
	.asciz "isr_stub_43"
	.asciz "isr_stub_44"
	.asciz "isr_stub_45"
	.asciz "isr_stub_46"
	.asciz "isr_stub_47"
	.asciz "arch_try"
	.asciz "arch_try_resume"
	.asciz "arch_call_on_stack"
	.byte 0
