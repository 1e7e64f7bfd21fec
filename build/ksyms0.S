	.section .ksyms, "a"
	.balign 8
	.global ksym_table, ksym_count, ksym_names
ksym_count:
	.quad 0
ksym_table:
ksym_names:
	.byte 0
