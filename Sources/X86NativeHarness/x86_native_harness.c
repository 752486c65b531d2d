// Runs single x86-64 instructions on the real processor, for differential tests of the emulated one.
// The instruction is wrapped in a stub that loads every register (but RSP) and RFLAGS from a state block,
// executes it, and stores them back. Faults are caught with signals and reported by signal number.
#define _GNU_SOURCE
#include "x86_native_harness.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#define DATA_SIZE 8192

static uint8_t *stub_page;
static uint64_t data_address;
static sigjmp_buf fault_jump;

static void on_fault(int sig) { siglongjmp(fault_jump, sig); }

// Candidate addresses, all inside the emulated test machine's 4 MiB and clear of its code and stack.
static const uint64_t candidates[] = {0x200000, 0x240000, 0x280000, 0x2C0000, 0x300000, 0x340000, 0x180000, 0x1C0000};

uint64_t x86_native_data_address(void) {
    for (size_t k = 0; data_address == 0 && k < sizeof candidates / sizeof candidates[0]; k++) {
        void *want = (void *)candidates[k];
        void *p = mmap(want, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == want) data_address = candidates[k];
        else if (p != MAP_FAILED) munmap(p, DATA_SIZE);  // an older kernel may place it elsewhere
    }
    return data_address;
}

size_t x86_native_data_size(void) { return DATA_SIZE; }

static size_t emit(uint8_t *out, size_t at, const uint8_t *bytes, size_t n) {
    memcpy(out + at, bytes, n);
    return at + n;
}

// mov reg, [rdi + 8*reg]  /  mov [rdi + 8*reg], reg
static size_t emit_move(uint8_t *out, size_t at, int reg, int store) {
    uint8_t rex = 0x48 | (reg >= 8 ? 4 : 0);
    uint8_t modrm = 0x47 | ((reg & 7) << 3);  // mod 01, rm = rdi
    uint8_t bytes[4] = {rex, store ? 0x89 : 0x8B, modrm, (uint8_t)(8 * reg)};
    return emit(out, at, bytes, 4);
}

int x86_native_run(const uint8_t *code, size_t length, x86_native_state *state) {
    if (stub_page == NULL) {
        stub_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (stub_page == MAP_FAILED) { stub_page = NULL; return -1; }
    }
    size_t at = 0;
    static const uint8_t save[] = {0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, 0x57};  // push rbx rbp r12-r15 rdi
    at = emit(stub_page, at, save, sizeof save);
    static const uint8_t load_flags[] = {0xFF, 0xB7, 0x80, 0x00, 0x00, 0x00, 0x9D};  // push qword [rdi+128]; popfq
    at = emit(stub_page, at, load_flags, sizeof load_flags);
    for (int r = 0; r < 16; r++) if (r != 4 && r != 7) at = emit_move(stub_page, at, r, 0);
    at = emit_move(stub_page, at, 7, 0);  // rdi last
    at = emit(stub_page, at, code, length);
    static const uint8_t swap[] = {0x48, 0x87, 0x3C, 0x24};  // xchg rdi, [rsp]
    at = emit(stub_page, at, swap, sizeof swap);
    static const uint8_t store_flags[] = {0x9C, 0x8F, 0x87, 0x80, 0x00, 0x00, 0x00, 0xFC};  // pushfq; pop [rdi+128]; cld
    at = emit(stub_page, at, store_flags, sizeof store_flags);
    for (int r = 0; r < 16; r++) if (r != 4 && r != 7) at = emit_move(stub_page, at, r, 1);
    static const uint8_t finish[] = {0x58, 0x48, 0x89, 0x47, 0x38,  // pop rax; mov [rdi+56], rax
                                     0x41, 0x5F, 0x41, 0x5E, 0x41, 0x5D, 0x41, 0x5C, 0x5D, 0x5B, 0xC3};
    at = emit(stub_page, at, finish, sizeof finish);
    __builtin___clear_cache((char *)stub_page, (char *)stub_page + at);

    struct sigaction action, old_fpe, old_ill, old_segv, old_bus;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_fault;
    action.sa_flags = SA_NODEFER;
    sigaction(SIGFPE, &action, &old_fpe);
    sigaction(SIGILL, &action, &old_ill);
    sigaction(SIGSEGV, &action, &old_segv);
    sigaction(SIGBUS, &action, &old_bus);
    int sig = sigsetjmp(fault_jump, 1);
    if (sig == 0) {
        ((void (*)(x86_native_state *))stub_page)(state);
    } else {
        __asm__ volatile("cld");
    }
    sigaction(SIGFPE, &old_fpe, NULL);
    sigaction(SIGILL, &old_ill, NULL);
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    return sig;
}
