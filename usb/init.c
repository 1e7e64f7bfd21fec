/*
 * USB start-up: the transfer-buffer pool and the built-in class drivers.
 * Runs before pci_init(), whose host-controller probes register buses.
 */
#include "printk.h"
#include "usb_core.h"

void usb_init(void)
{
	if (!usb_buffer_pool_ready())
		pr_err("usb: DMA pool unavailable; USB transfers will fail\n");
	usb_register_driver(&usb_hub_driver);
	usb_register_driver(&usb_hid_driver);
	usb_register_driver(&usb_storage_driver);
}
