/* What the benchmark-suite programs share: console output, exit, and the freestanding memory functions.
 *
 * Each program is built two ways: as a freestanding guest (console on port 0x3F8, exit status on port 0xF4),
 * and with -DNATIVE as an ordinary program, so the emulated run can be checked against the real one.
 * ROUNDS sets how much work a program does.
 */
#include <stddef.h>
#include <stdint.h>

#ifndef ROUNDS
#define ROUNDS 1
#endif

#ifdef NATIVE
#include <unistd.h>
static void put_bytes(const char *s, size_t n) { (void)!write(1, s, n); }
__attribute__((unused)) static void finish(int status) { _exit(status); }
#else
static inline void outb(uint16_t port, uint8_t value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static void put_bytes(const char *s, size_t n) { for (size_t i = 0; i < n; i++) outb(0x3F8, (uint8_t)s[i]); }
__attribute__((unused)) static void finish(int status) { outb(0xF4, (uint8_t)status); for (;;) __asm__ volatile("hlt"); }
void *memset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
void *memcpy(void *d, const void *s, size_t n) { unsigned char *p = d; const unsigned char *q = s; while (n--) *p++ = *q++; return d; }
void *memmove(void *d, const void *s, size_t n) {
    unsigned char *p = d; const unsigned char *q = s;
    if (p < q) while (n--) *p++ = *q++; else while (n--) p[n] = q[n];
    return d;
}
int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++) if (*p != *q) return *p - *q;
    return 0;
}
#endif

static void put_hex(const char *label, uint64_t v) {
    char line[64];
    size_t n = 0;
    while (*label) line[n++] = *label++;
    line[n++] = ' ';
    for (int shift = 60; shift >= 0; shift -= 4) line[n++] = "0123456789abcdef"[(v >> shift) & 0xF];
    line[n++] = '\n';
    put_bytes(line, n);
}

static uint64_t rng_state = 0x853C49E6748FEA9BULL;
__attribute__((unused)) static uint32_t next_random(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    uint32_t x = (uint32_t)(((rng_state >> 18) ^ rng_state) >> 27);
    uint32_t rot = (uint32_t)(rng_state >> 59);
    return (x >> rot) | (x << ((-rot) & 31));
}

int program_main(void);

#ifdef NATIVE
int main(void) { return program_main(); }
#else
void guest_main(void) { finish(program_main()); }
/* Entry: align the stack the way the ABI expects at a call, then run. */
__asm__(".globl _start\n_start:\n\tandq $-16, %rsp\n\tcall guest_main\n1:\thlt\n\tjmp 1b\n");
#endif
