/*
 * Host tests of the HID class driver and the USB shell commands against the
 * simulated controller: typing on a keyboard reaches the shell as serial
 * bytes (with repeat and lock LEDs), the tablet's report descriptor is
 * parsed, and lsusb / lsusb -t / usbbench print what Linux would.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_usb.h"
#include "harness.h"
#include "ktime.h"
#include "seams.h"
#include "shell.h"
#include "usb_fake_hcd.h"
#include "../../usb/class/hid.h"
#include "../../usb/usb_core.h"

extern const struct shell_cmd __start_shell_cmds[], __stop_shell_cmds[];

static int find_and_run(int argc, char **argv)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (strcmp(c->name, argv[0]) == 0)
			return c->fn(argc, argv);
	return -100;
}

/* Runs a shell command line; USB_SHOW=1 prints the log it leaves. */
static int run_cmd(char *line)
{
	char *argv[8];
	int argc = 0, rc;

	for (char *t = strtok(line, " "); t && argc < 8; t = strtok(NULL, " "))
		argv[argc++] = t;
	rc = find_and_run(argc, argv);
	if (getenv("USB_SHOW"))
		fprintf(stderr, "%s", seam_log());
	return rc;
}

static bool inited;

static void setup(void)
{
	if (!inited) {
		usb_init();
		usb_init(); /* harmless twice */
		inited = true;
	}
	seam_log_echo = getenv("USB_ECHO") != NULL;
	seam_log_clear();
	fake_shell_clear();
}

/* setup(), then a fresh full-speed controller, not yet registered. */
static void setup_bus(struct fake_hcd *fh, unsigned nports)
{
	setup();
	fake_hcd_init(fh, nports, USB_SPEED_FULL);
}

static void press(struct fake_dev *kbd, uint8_t mods, uint8_t key)
{
	const uint8_t rep[8] = { mods, 0, key, 0, 0, 0, 0, 0 };
	fake_queue_report(kbd, rep, 8);
	fake_run_ms(20);
}

static void type_key(struct fake_dev *kbd, uint8_t mods, uint8_t key)
{
	press(kbd, mods, key);
	press(kbd, 0, 0);
}

/* A registered bus keeps its controller: each test gets a fresh one. */
static struct fake_hcd *kfh;
static struct fake_dev kbd;

static void plug_keyboard_on(bool with_ep_reset)
{
	kfh = calloc(1, sizeof(*kfh));
	fake_hcd_init(kfh, 2, USB_SPEED_FULL);
	if (!with_ep_reset)
		fake_hcd_without_ep_reset(kfh);
	fake_make_keyboard(&kbd, USB_SPEED_FULL);
	fake_bus_with(kfh, 400, &kbd, NULL);
}

static void plug_keyboard(void)
{
	plug_keyboard_on(true);
}

static void unplug_keyboard(void)
{
	fake_unplug_root(kfh, 1);
	fake_run_ms(50);
}

TEST(keyboard_types_like_a_serial_terminal)
{
	setup();
	plug_keyboard();
	CHECK(seam_log_contains("HID keyboard ready (boot protocol)"));
	type_key(&kbd, 0x02, 0x0b); /* shift h */
	type_key(&kbd, 0, 0x0c);    /* i */
	type_key(&kbd, 0x20, 0x1e); /* right shift 1 */
	type_key(&kbd, 0, 0x2a);    /* backspace */
	type_key(&kbd, 0, 0x52);    /* up */
	type_key(&kbd, 0x01, 0x06); /* ctrl c */
	type_key(&kbd, 0, 0x28);    /* enter */
	CHECK_EQ(fake_shell_typed_len, 9);
	CHECK(memcmp(fake_shell_typed, "Hi!\x7f\x1b[A\x03\r", 9) == 0);
	unplug_keyboard();
}

TEST(caps_lock_sets_the_led_and_shifts_letters)
{
	setup();
	plug_keyboard();
	type_key(&kbd, 0, 0x39); /* caps lock */
	CHECK_EQ(kbd.leds, HID_LED_CAPS);
	type_key(&kbd, 0, 0x04);    /* A */
	type_key(&kbd, 0x02, 0x04); /* shift: a */
	type_key(&kbd, 0, 0x39);
	CHECK_EQ(kbd.leds, 0);
	type_key(&kbd, 0, 0x53); /* num lock */
	CHECK_EQ(kbd.leds, HID_LED_NUM);
	type_key(&kbd, 0, 0x59); /* keypad 1 */
	CHECK(strcmp(fake_shell_typed, "Aa1") == 0);
	unplug_keyboard();
}

TEST(held_key_repeats_after_delay_and_stops_on_release)
{
	setup();
	plug_keyboard();
	press(&kbd, 0, 0x04);
	fake_run_ms(480); /* 500 ms after the press: no repeat yet */
	CHECK_EQ(fake_shell_typed_len, 1);
	fake_run_ms(500); /* ~1000 ms held: 1 + 500/33 repeats */
	press(&kbd, 0, 0);
	CHECK(fake_shell_typed_len >= 15 && fake_shell_typed_len <= 18);
	size_t n = fake_shell_typed_len;
	fake_run_ms(500);
	CHECK_EQ(fake_shell_typed_len, n);
	/* Unplug while a key is held: repeat stops with the device. */
	press(&kbd, 0, 0x05);
	fake_run_ms(600);
	unplug_keyboard();
	n = fake_shell_typed_len;
	fake_run_ms(500);
	CHECK_EQ(fake_shell_typed_len, n);
}

TEST(stalled_keyboard_endpoint_is_cleared_and_typing_continues)
{
	setup();
	plug_keyboard();
	unsigned opens = kfh->ep_opens;
	kbd.int_halted = true;
	fake_run_ms(50);
	CHECK_EQ(kbd.halt_clears, 1);
	CHECK(!kbd.int_halted);
	CHECK_EQ(kfh->ep_resets, 1);     /* the controller restarts its toggle */
	CHECK_EQ(kfh->ep_opens, opens);  /* in place, not by reopening */
	CHECK_EQ(kfh->closed_ep_resets, 0);
	type_key(&kbd, 0, 0x0b); /* h */
	CHECK(strcmp(fake_shell_typed, "h") == 0);
	unplug_keyboard();
}

TEST(without_ep_reset_a_cleared_endpoint_is_reopened)
{
	setup();
	plug_keyboard_on(false);
	unsigned opens = kfh->ep_opens;
	kbd.int_halted = true;
	fake_run_ms(50);
	CHECK_EQ(kbd.halt_clears, 1);
	CHECK_EQ(kfh->ep_resets, 0);
	CHECK_EQ(kfh->ep_opens, opens + 1);
	type_key(&kbd, 0, 0x0c); /* i */
	CHECK(strcmp(fake_shell_typed, "i") == 0);
	unplug_keyboard();
}

TEST(key_translation_table)
{
	char out[8];
	CHECK_EQ(hid_key_to_chars(0x2c, 0, 0, out), 1);
	CHECK_EQ(out[0], ' ');
	CHECK_EQ(hid_key_to_chars(0x38, 0x02, 0, out), 1);
	CHECK_EQ(out[0], '?');
	CHECK_EQ(hid_key_to_chars(0x34, 0x02, 0, out), 1);
	CHECK_EQ(out[0], '"');
	CHECK_EQ(hid_key_to_chars(0x4f, 0, 0, out), 3);
	CHECK(memcmp(out, "\x1b[C", 3) == 0);
	CHECK_EQ(hid_key_to_chars(0x5c, 0, 0, out), 3); /* keypad 4, num lock off: left */
	CHECK(memcmp(out, "\x1b[D", 3) == 0);
	CHECK_EQ(hid_key_to_chars(0x3a, 0, 0, out), 0); /* F1: nothing */
	CHECK_EQ(hid_key_to_chars(0x1d, 0x10, 0, out), 1); /* right ctrl z */
	CHECK_EQ(out[0], 0x1a);
}

TEST(tablet_report_descriptor_is_read_and_parsed)
{
	static struct fake_hcd fh;
	static struct fake_dev tab;
	setup_bus(&fh, 1);
	fake_make_tablet(&tab, USB_SPEED_FULL);
	fake_bus_with(&fh, 400, &tab, NULL);
	CHECK(seam_log_contains("HID pointer ready (absolute)"));
	/* A truncated report descriptor: the interface stays unbound. */
	fake_unplug_settle(&fh, 1);
	fake_make_tablet(&tab, USB_SPEED_FULL);
	tab.report_desc_len = 20;
	fake_plug_root(&fh, 1, &tab);
	fake_run_ms(400);
	CHECK(seam_log_contains("report descriptor rejected: no X/Y pointer fields"));
	fake_unplug_settle(&fh, 1);
}

TEST(input_command_shows_events_until_a_serial_key)
{
	static struct fake_hcd fh;
	static struct fake_dev tab, k;
	const uint8_t move[6] = { 0x01, 0x34, 0x12, 0x00, 0x40, 0xff };
	char cmd[16] = "input";
	setup_bus(&fh, 2);
	fake_make_tablet(&tab, USB_SPEED_FULL);
	fake_make_keyboard(&k, USB_SPEED_FULL);
	fake_bus_with(&fh, 500, &tab, &k, NULL);
	fake_queue_report(&tab, move, sizeof(move));
	fake_queue_report(&k, (const uint8_t[8]){ 0, 0, 0x04, 0, 0, 0, 0, 0 }, 8);
	fake_queue_report(&k, (const uint8_t[8]){ 0 }, 8);
	seam_log_clear();
	fake_shell_poll_next = 'q';
	fake_shell_poll_delay = 200; /* polls while the reports arrive */
	CHECK_EQ(run_cmd(cmd), 0);
	CHECK(fake_log_has(&fh, "usb %d-1: tablet abs x=4660 y=16384 wheel=-1 buttons=0x1\n"));
	CHECK(fake_log_has(&fh, "usb %d-2: key 'a'\n"));
	/* Keys typed during `input` were shown, not fed to the shell. */
	CHECK_EQ(fake_shell_typed_len, 0);
	fake_unplug_root(&fh, 1);
	fake_unplug_settle(&fh, 2);
}

TEST(lsusb_and_tree_match_linux_format)
{
	static struct fake_hcd fh;
	static struct fake_dev hub, k, t, m;
	char cmd[64];
	char want[512];
	setup_bus(&fh, 2);
	fake_make_keyboard(&k, USB_SPEED_FULL);
	fake_make_tablet(&t, USB_SPEED_FULL);
	fake_make_mouse(&m, USB_SPEED_FULL);
	fake_make_hub_with(&hub, 8, &k, &m, NULL);
	fake_bus_with(&fh, 1500, &t, &hub, NULL);

	seam_log_clear();
	snprintf(cmd, sizeof(cmd), "lsusb -s %d:", fh.hcd.busnum);
	CHECK_EQ(run_cmd(cmd), 0);
	snprintf(want, sizeof(want),
		 "Bus %03d Device 001: ID 1d6b:0001 Linux Foundation 1.1 root hub\n"
		 "Bus %03d Device 002: ID 0627:0001 QEMU QEMU USB Tablet\n"
		 "Bus %03d Device 003: ID 0409:55aa QEMU QEMU USB Hub\n"
		 "Bus %03d Device 004: ID 0627:0001 QEMU QEMU USB Keyboard\n"
		 "Bus %03d Device 005: ID 0627:0001 QEMU QEMU USB Mouse\n",
		 fh.hcd.busnum, fh.hcd.busnum, fh.hcd.busnum, fh.hcd.busnum, fh.hcd.busnum);
	CHECK(strcmp(seam_log(), want) == 0);
	if (strcmp(seam_log(), want))
		fprintf(stderr, "got:\n%s", seam_log());

	seam_log_clear();
	strcpy(cmd, "lsusb -t");
	CHECK_EQ(run_cmd(cmd), 0);
	snprintf(want, sizeof(want),
		 "/:  Bus %02d.Port 1: Dev 1, Class=root_hub, Driver=uhci_hcd/2p, 12M\n"
		 "    |__ Port 1: Dev 2, If 0, Class=Human Interface Device, Driver=usbhid, 12M\n"
		 "    |__ Port 2: Dev 3, If 0, Class=Hub, Driver=hub/8p, 12M\n"
		 "        |__ Port 1: Dev 4, If 0, Class=Human Interface Device, Driver=usbhid, 12M\n"
		 "        |__ Port 2: Dev 5, If 0, Class=Human Interface Device, Driver=usbhid, 12M\n",
		 fh.hcd.busnum);
	CHECK(strstr(seam_log(), want) != NULL);
	if (!strstr(seam_log(), want))
		fprintf(stderr, "got:\n%s", seam_log());

	seam_log_clear();
	snprintf(cmd, sizeof(cmd), "lsusb -v -s %d:2", fh.hcd.busnum);
	CHECK_EQ(run_cmd(cmd), 0);
	CHECK(seam_log_contains("\n  idVendor           0x0627\n"));
	CHECK(seam_log_contains("\n        bEndpointAddress     0x81  EP 1 IN\n"));
	CHECK(seam_log_contains("\n  iProduct                2 QEMU USB Tablet\n"));
	CHECK(seam_log_contains("\n    MaxPower              100mA\n"));
	CHECK(seam_log_contains("\n    wTotalLength       0x0022\n"));
	CHECK(seam_log_contains("          Transfer Type            Interrupt\n"));

	strcpy(cmd, "lsusb -s 99:1");
	CHECK_EQ(run_cmd(cmd), 1);
	strcpy(cmd, "lsusb -x");
	CHECK_EQ(run_cmd(cmd), 1);

	/* usbreset keeps the keyboard: no disconnect, the same number. */
	seam_log_clear();
	snprintf(cmd, sizeof(cmd), "usbreset %d:4", fh.hcd.busnum);
	CHECK_EQ(run_cmd(cmd), 0);
	CHECK(seam_log_contains("ok (device number 4 kept)"));
	CHECK(!seam_log_contains("USB disconnect"));
	CHECK_EQ(k.address, 4);
	strcpy(cmd, "usbreset 1");
	CHECK_EQ(run_cmd(cmd), 1);

	/* The hub driver cannot keep a hub across a reset: it and its
	 * subtree are enumerated again. */
	seam_log_clear();
	snprintf(cmd, sizeof(cmd), "usbreset %d:3", fh.hcd.busnum);
	CHECK_EQ(run_cmd(cmd), 0);
	strcpy(cmd, "usbwait 5000");
	CHECK_EQ(run_cmd(cmd), 0);
	CHECK(seam_log_contains("-2.2: USB disconnect, device number 5"));
	CHECK(seam_log_contains("-2.2: new 12M USB device number 5"));
	CHECK(seam_log_contains("-2.1: new 12M USB device number 4"));

	fake_unplug_root(&fh, 1);
	fake_unplug_settle(&fh, 2);
}

TEST(usbbench_reenumerates_and_measures_latency)
{
	static struct fake_hcd fh;
	static struct fake_dev hub, k;
	char cmd[16] = "usbbench";
	setup_bus(&fh, 2);
	fake_make_keyboard(&k, USB_SPEED_FULL);
	fake_make_hub_with(&hub, 8, &k, NULL);
	fake_plug_root(&fh, 2, &hub);
	usb_hcd_register(&fh.hcd);
	fake_run_ms(1000);
	seam_log_clear();
	CHECK_EQ(run_cmd(cmd), 0);
	CHECK(seam_log_contains("USB re-enumeration of every bus from scratch:"));
	CHECK(seam_log_contains("Linux 6.1 reference"));
	CHECK(seam_log_contains("min 1000 us, median 1000 us, max 1000 us (N=50)"));
	CHECK_EQ(k.configured, true);
	fake_unplug_settle(&fh, 2);
}

TEST(usbdebug_shows_ports_mid_enumeration)
{
	static struct fake_hcd fh;
	static struct fake_dev a, b;
	char cmd[32];
	setup_bus(&fh, 2);
	fake_make_keyboard(&a, USB_SPEED_FULL);
	fake_make_keyboard(&b, USB_SPEED_FULL);
	/* Run until debounce and reset are over: one port has the slot. */
	fake_bus_with(&fh, 152, &a, &b, NULL);
	seam_log_clear();
	snprintf(cmd, sizeof(cmd), "usbdebug %d", fh.hcd.busnum);
	CHECK_EQ(run_cmd(cmd), 0);
	CHECK(fake_log_has(&fh, "bus %d (uhci_hcd): 1 addresses in use, address 0 held by usb"));
	CHECK(seam_log_contains("port 2: resetting, attempt 1\n"));
	strcpy(cmd, "usbdebug x");
	CHECK_EQ(run_cmd(cmd), 1);
	fake_run_ms(300);
	fake_unplug_root(&fh, 1);
	fake_unplug_settle(&fh, 2);
}

TEST(usbwait_returns_once_devices_and_their_drivers_are_ready)
{
	static struct fake_hcd fh;
	static struct fake_dev hub, t, k;
	char cmd[32] = "usbwait 5000";
	uint64_t t0;
	setup_bus(&fh, 1);
	fake_make_tablet(&t, USB_SPEED_FULL);
	fake_make_keyboard(&k, USB_SPEED_FULL);
	fake_make_hub_with(&hub, 4, &t, &k, NULL);
	fake_plug_root(&fh, 1, &hub);
	usb_hcd_register(&fh.hcd);
	t0 = seam_now_ns;
	CHECK_EQ(run_cmd(cmd), 0);
	CHECK(fake_log_has(&fh, "usb %d-1.1: HID pointer ready (absolute)"));
	CHECK(fake_log_has(&fh, "usb %d-1.2: HID keyboard ready (boot protocol)"));
	CHECK(seam_now_ns - t0 < 2 * NSEC_PER_SEC);
	/* A device that never finishes enumerating makes usbwait fail. */
	fake_unplug_settle(&fh, 1);
	fh.swallow = true;
	fake_make_keyboard(&k, USB_SPEED_FULL);
	fake_plug_root(&fh, 1, &k);
	strcpy(cmd, "usbwait 300");
	CHECK_EQ(run_cmd(cmd), 1);
	CHECK(seam_log_contains("usbwait: USB still enumerating after 300 ms"));
	fh.swallow = false;
	fake_unplug_root(&fh, 1);
	fake_run_ms(600);
}
