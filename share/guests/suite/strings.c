/* String work as C code does it: REP MOVS/STOS for copies and fills, REP SCAS/CMPS for scans and compares,
 * and byte loops for tokenising, over a text buffer built from a word list. */
#include "suite.h"

static char text[16384], copy[16384];
static const char *const words[] = {"virtual", "machine", "nested", "hypervisor", "exit", "entry", "control",
                                    "structure", "page", "table", "extended", "guest", "host", "switch"};
static uint64_t total;

static inline void rep_movsb(void *d, const void *s, size_t n) {
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static inline void rep_stosq(void *d, uint64_t v, size_t n) {
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}
static inline size_t rep_scasb_length(const char *s) {
    size_t n = (size_t)-1;
    __asm__ volatile("repne scasb" : "+D"(s), "+c"(n) : "a"(0) : "memory");
    return ~n - 1;
}
static inline int rep_cmpsb_equal(const void *a, const void *b, size_t n) {
    unsigned char equal;
    __asm__ volatile("repe cmpsb\n\tsete %0" : "=q"(equal), "+S"(a), "+D"(b), "+c"(n) : : "memory", "cc");
    return equal;
}

static size_t build(int round) {
    size_t n = 0;
    uint32_t k = (uint32_t)round;
    while (n < sizeof text - 32) {
        const char *w = words[((k = k * 1103515245u + 12345u) >> 16) % 14];
        size_t len = rep_scasb_length(w);
        rep_movsb(text + n, w, len);
        n += len;
        text[n++] = (k >> 8) & 1 ? ' ' : '\n';
    }
    text[n] = 0;
    return n;
}

int program_main(void) {
    uint64_t lines = 0, tokens = 0, matches = 0;
    for (int round = 0; round < ROUNDS; round++) {
        size_t n = build(round);
        rep_stosq(copy, 0x2020202020202020ULL, sizeof copy / 8);
        rep_movsb(copy, text, n + 1);
        if (!rep_cmpsb_equal(copy, text, n + 1)) return 3;
        const char *p = copy;
        while (*p) {
            const char *start = p;
            while (*p && *p != ' ' && *p != '\n') p++;
            size_t len = (size_t)(p - start);
            tokens++;
            if (len == 6 && rep_cmpsb_equal(start, "nested", 6)) matches++;
            for (size_t i = 0; i < len; i++) total = total * 33 + (unsigned char)start[i];
            if (*p == '\n') lines++;
            if (*p) p++;
        }
    }
    put_hex("lines", lines);
    put_hex("tokens", tokens);
    put_hex("matches", matches);
    put_hex("hash", total);
    return 0;
}
