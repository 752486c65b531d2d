/* Hashing and sorting over small tables, with the counters and tables in globals beside the code: FNV-1a, a
 * CRC-32 table, an open-addressing hash set, and insertion sort plus Shell sort. */
#include "suite.h"

#define N 1024
static uint32_t keys[N], sorted[N], set[2 * N];
static uint32_t crc_table[256];
static uint64_t probes, inserted, comparisons;

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
    return ~c;
}

static uint32_t fnv1a32(uint32_t key) {
    uint32_t h = 2166136261u;
    for (int i = 0; i < 4; i++) { h ^= key >> (8 * i) & 0xFF; h *= 16777619u; }
    return h;
}

static void set_insert(uint32_t key) {
    uint32_t slot = fnv1a32(key) & (2 * N - 1);
    while (set[slot] != 0 && set[slot] != key) { slot = (slot + 1) & (2 * N - 1); probes++; }
    if (set[slot] == 0) { set[slot] = key; inserted++; }
}

static void shell_sort(uint32_t *a, int n) {
    static const int gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (int g = 0; g < 8; g++) {
        int gap = gaps[g];
        for (int i = gap; i < n; i++) {
            uint32_t t = a[i];
            int j = i;
            while (j >= gap && a[j - gap] > t) { a[j] = a[j - gap]; j -= gap; comparisons++; }
            a[j] = t;
        }
    }
}

int program_main(void) {
    uint64_t crc_total = 0, order = 0;
    crc_init();
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < N; i++) keys[i] = next_random() % 5000 + 1;
        for (int i = 0; i < 2 * N; i++) set[i] = 0;
        for (int i = 0; i < N; i++) set_insert(keys[i]);
        for (int i = 0; i < N; i++) sorted[i] = keys[i];
        shell_sort(sorted, N);
        for (int i = 1; i < N; i++) if (sorted[i - 1] > sorted[i]) return 3;
        for (int i = 0; i < N; i += 31) order = order * 131 + sorted[i];
        crc_total += crc32((const uint8_t *)set, sizeof set);
    }
    put_hex("crc32", crc_total);
    put_hex("order", order);
    put_hex("inserted", inserted);
    put_hex("probes", probes);
    put_hex("comparisons", comparisons);
    return 0;
}
