#include "ctap.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int nestvm_tap_open(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &request) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    return fd;
}

static int set_address(int sock, unsigned long request_code, const char *name, uint32_t value) {
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    struct sockaddr_in *address = (struct sockaddr_in *)&request.ifr_addr;
    address->sin_family = AF_INET;
    address->sin_addr.s_addr = htonl(value);
    return ioctl(sock, request_code, &request) < 0 ? -errno : 0;
}

int nestvm_tap_configure(const char *name, uint32_t address, int prefix_length) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -errno;
    uint32_t mask = prefix_length <= 0 ? 0 : prefix_length >= 32 ? 0xFFFFFFFFu : ~((1u << (32 - prefix_length)) - 1);
    int result = set_address(sock, SIOCSIFADDR, name, address);
    if (result == 0) result = set_address(sock, SIOCSIFNETMASK, name, mask);
    if (result == 0) {
        struct ifreq request;
        memset(&request, 0, sizeof request);
        strncpy(request.ifr_name, name, IFNAMSIZ - 1);
        if (ioctl(sock, SIOCGIFFLAGS, &request) < 0) result = -errno;
        request.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (result == 0 && ioctl(sock, SIOCSIFFLAGS, &request) < 0) result = -errno;
    }
    close(sock);
    return result;
}

int nestvm_tap_set_mac(const char *name, const uint8_t *mac) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -errno;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    request.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
    memcpy(request.ifr_hwaddr.sa_data, mac, 6);
    int result = ioctl(sock, SIOCSIFHWADDR, &request) < 0 ? -errno : 0;
    close(sock);
    return result;
}
