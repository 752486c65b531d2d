/* Integer SSE2: loops the compiler vectorises at -O2 (XOR-and-add over 32-bit arrays, 16-bit multiplies,
 * byte minima and shifts), a byte histogram compare and a column checksum, over arrays beside the code. */
#include "suite.h"

#define L 4096
static uint32_t xs[L], ys[L];
static uint16_t hs[L], ks[L];
static uint8_t bs[L], cs[L];

static void mix_words(uint32_t step) {
    for (int i = 0; i < L; i++) ys[i] = (ys[i] ^ xs[i]) + step;
    for (int i = 0; i < L; i++) xs[i] = (xs[i] >> 3) | (ys[i] << 29);
}

static void mix_halves(uint16_t scale) {
    for (int i = 0; i < L; i++) hs[i] = (uint16_t)(hs[i] * scale + ks[i]);
}

static void mix_bytes(void) {
    for (int i = 0; i < L; i++) cs[i] = bs[i] < cs[i] ? bs[i] : (uint8_t)(cs[i] + 1);
}

static uint32_t count_equal(void) {
    uint32_t n = 0;
    for (int i = 0; i < L; i++) n += bs[i] == cs[i];
    return n;
}

int program_main(void) {
    uint64_t checksum = 0;
    for (int i = 0; i < L; i++) {
        xs[i] = next_random();
        ys[i] = (uint32_t)i * 2654435761u;
        hs[i] = (uint16_t)next_random();
        ks[i] = (uint16_t)i;
        bs[i] = (uint8_t)next_random();
        cs[i] = (uint8_t)(i * 7);
    }
    for (int round = 0; round < ROUNDS; round++) {
        for (int k = 0; k < 8; k++) {
            mix_words((uint32_t)(round * 8 + k));
            mix_halves((uint16_t)(round | 1));
            mix_bytes();
        }
        checksum = checksum * 31 + count_equal();
        checksum = checksum * 31 + ys[(round * 37) % L] + hs[(round * 11) % L] + cs[(round * 5) % L];
        bs[round % L] ^= (uint8_t)round;
    }
    put_hex("checksum", checksum);
    return 0;
}
