/* Linux TAP interfaces for a switch's host adapter as root (nestvm(7), "NETWORKS"). */
#ifndef NESTVM_CTAP_H
#define NESTVM_CTAP_H
#include <stdint.h>

/* Opens (creating when absent) the TAP interface `name` without packet information: one read or write per
   Ethernet frame. The descriptor (non-blocking, close-on-exec), or -errno. */
int nestvm_tap_open(const char *name);
/* Gives interface `name` the IPv4 address `address` (host order) with a prefix of `prefix_length` bits, and
   brings it up. 0, or -errno. */
int nestvm_tap_configure(const char *name, uint32_t address, int prefix_length);
/* Sets interface `name`'s MAC address to the six bytes at `mac`. 0, or -errno. */
int nestvm_tap_set_mac(const char *name, const uint8_t *mac);
#endif
