/* libslirp (Debian libslirp-dev), QEMU's user-mode TCP/IP: an internal switch's host adapter without root. */
#include <slirp/libslirp.h>
