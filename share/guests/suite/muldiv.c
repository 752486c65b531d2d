/* 64- and 128-bit multiply and divide: modular exponentiation, a 128-bit LCG reduced by division, and
 * decimal formatting (divide by 10), with the running state in globals beside the code. */
#include "suite.h"

static uint64_t checksum, steps;

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) { return (uint64_t)((unsigned __int128)a * b % m); }

static uint64_t powmod(uint64_t base, uint64_t exponent, uint64_t m) {
    uint64_t result = 1;
    base %= m;
    while (exponent) {
        if (exponent & 1) result = mulmod(result, base, m);
        base = mulmod(base, base, m);
        exponent >>= 1;
        steps++;
    }
    return result;
}

/* Miller-Rabin with fixed bases: exact for every 64-bit n. */
static int is_prime(uint64_t n) {
    static const uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
    if (n < 2) return 0;
    for (int i = 0; i < 12; i++) if (n % bases[i] == 0) return n == bases[i];
    uint64_t d = n - 1;
    int r = 0;
    while ((d & 1) == 0) { d >>= 1; r++; }
    for (int i = 0; i < 12; i++) {
        uint64_t x = powmod(bases[i], d, n);
        if (x == 1 || x == n - 1) continue;
        int composite = 1;
        for (int k = 1; k < r; k++) {
            x = mulmod(x, x, n);
            if (x == n - 1) { composite = 0; break; }
        }
        if (composite) return 0;
    }
    return 1;
}

static int64_t signed_mix(int64_t a, int64_t b) { return a / (b | 1) + a % (b | 1); }

static unsigned decimal_digits(uint64_t v, char *out) {
    char tmp[24];
    unsigned n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (unsigned i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

int program_main(void) {
    uint64_t primes = 0;
    unsigned __int128 lcg = 0x243F6A8885A308D3ULL;
    const unsigned __int128 multiplier = (unsigned __int128)0x2360ED051FC65DA4ULL << 64 | 0x4385DF649FCCF645ULL;
    char digits[24];
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t start = 0xFFFFFFFF00000000ULL + (uint64_t)round * 1000;
        for (uint64_t n = start | 1; n < start + 1000; n += 2) primes += is_prime(n);
        for (int i = 0; i < 200; i++) {
            lcg = lcg * multiplier + 0x5851F42D4C957F2DULL;
            uint64_t high = (uint64_t)(lcg >> 64);
            checksum += (uint64_t)(lcg % 0xFFFFFFFFFFFFFFC5ULL) ^ (uint64_t)(lcg / (high | 1));
            checksum += (uint64_t)signed_mix((int64_t)high, (int64_t)(uint64_t)lcg);
            checksum += decimal_digits(high, digits) + (uint64_t)digits[0];
        }
    }
    put_hex("primes", primes);
    put_hex("steps", steps);
    put_hex("checksum", checksum);
    return 0;
}
