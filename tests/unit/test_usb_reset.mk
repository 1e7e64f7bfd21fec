UNIT_TESTS += test_usb_reset
test_usb_reset_SRCS = tests/unit/test_usb_reset.c $(USB_CORE_HOST_SRCS) usb/init.c \
	usb/class/hid.c usb/class/hid_keyboard.c usb/class/hid_input.c usb/class/hid_report.c \
	usb/class/storage.c usb/class/storage_bot.c usb/class/storage_proto.c kernel/blk.c kernel/blk_sense.c
test_usb_reset_CFLAGS := -Itests/unit/seams -Iusb
