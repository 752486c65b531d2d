/* A compiled integer workload for the processor: sorting, hashing, CRC-32, and a small bytecode interpreter.
 *
 * Built two ways: as a freestanding guest (prints over port 0x3F8, exits through port 0xF4), and with
 * -DNATIVE as an ordinary program (prints to stdout), so the emulated run can be checked against the real one.
 * ROUNDS sets how much work it does (the benchmark uses more).
 */
#include <stddef.h>
#include <stdint.h>

#ifndef ROUNDS
#define ROUNDS 1
#endif

#ifdef NATIVE
#include <unistd.h>
static void put_bytes(const char *s, size_t n) { (void)!write(1, s, n); }
static void finish(int status) { _exit(status); }
#else
static inline void outb(uint16_t port, uint8_t value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static void put_bytes(const char *s, size_t n) { for (size_t i = 0; i < n; i++) outb(0x3F8, (uint8_t)s[i]); }
static void finish(int status) { outb(0xF4, (uint8_t)status); for (;;) __asm__ volatile("hlt"); }
#endif

void *memset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
void *memcpy(void *d, const void *s, size_t n) { unsigned char *p = d; const unsigned char *q = s; while (n--) *p++ = *q++; return d; }

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
static uint32_t next_random(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    uint32_t x = (uint32_t)(((rng_state >> 18) ^ rng_state) >> 27);
    uint32_t rot = (uint32_t)(rng_state >> 59);
    return (x >> rot) | (x << ((-rot) & 31));
}

#define N 2048
static int32_t numbers[N];
static int32_t scratch[N];

static void merge_sort(int32_t *a, int32_t *tmp, int n) {
    if (n < 2) return;
    int half = n / 2;
    merge_sort(a, tmp, half);
    merge_sort(a + half, tmp, n - half);
    int i = 0, j = half, k = 0;
    while (i < half && j < n) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i < half) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, (size_t)n * sizeof *a);
}

static void quick_sort(int32_t *a, int lo, int hi) {
    while (lo < hi) {
        int32_t pivot = a[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quick_sort(a, lo, j); lo = i; } else { quick_sort(a, i, hi); hi = j; }
    }
}

static uint32_t crc_table[256];
static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}
static uint32_t crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    while (n--) c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 0xCBF29CE484222325ULL;
    while (n--) { h ^= *p++; h *= 0x100000001B3ULL; }
    return h;
}

/* A stack machine (PUSH k, ADD, MUL, DUP, SWAP, OVER, DROP, DEC, JNZ target, HALT) running a sum of squares. */
enum { PUSH, ADD, MUL, DUP, SWAP, DEC, JNZ, OVER, DROP, HALT };
static uint64_t interpret(const int64_t *code) {
    int64_t stack[64];
    int sp = 0;
    for (size_t pc = 0;;) {
        switch (code[pc++]) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case SWAP: { int64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case DEC: stack[sp - 1]--; break;
        case OVER: stack[sp] = stack[sp - 2]; sp++; break;
        case DROP: sp--; break;
        case JNZ: { int64_t target = code[pc++]; if (stack[sp - 1] != 0) pc = (size_t)target; break; }
        case HALT: return (uint64_t)stack[sp - 1];
        }
    }
}

int workload_main(void) {
    uint64_t sorted_check = 0, crc_total = 0, hash_total = 0, vm_total = 0;
    crc_init();
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < N; i++) numbers[i] = (int32_t)next_random();
        quick_sort(numbers, 0, N - 1);
        for (int i = 1; i < N; i++) if (numbers[i - 1] > numbers[i]) finish(3);
        for (int i = 0; i < N; i++) numbers[i] = (int32_t)next_random();
        merge_sort(numbers, scratch, N);
        for (int i = 0; i < N; i += 97) sorted_check = sorted_check * 31 + (uint32_t)numbers[i];
        crc_total += crc32((const uint8_t *)numbers, sizeof numbers);
        hash_total ^= fnv1a((const uint8_t *)numbers, sizeof numbers) + (uint64_t)round;
        /* acc = 0; n = 300 + round % 7; do { acc += n * n; } while (--n); return acc; */
        const int64_t sum_squares[] = {
            PUSH, 0,                 /* acc */
            PUSH, 300 + round % 7,   /* acc n */
            /* 4 */ SWAP, OVER, DUP, MUL, ADD, SWAP, /* acc+n*n n */
            DEC, JNZ, 4,
            DROP, HALT};
        vm_total += interpret(sum_squares);
    }
    put_hex("sorted", sorted_check);
    put_hex("crc32", crc_total);
    put_hex("fnv1a", hash_total);
    put_hex("bytecode", vm_total);
    return 0;
}

#ifdef NATIVE
int main(void) { workload_main(); return 0; }
#else
/* Entry: align the stack the way the ABI expects at a call, then run. */
void guest_main(void) { finish(workload_main() == 0 ? 0 : 1); }
__asm__(".globl _start\n_start:\n\tandq $-16, %rsp\n\tcall guest_main\n1:\thlt\n\tjmp 1b\n");
#endif
