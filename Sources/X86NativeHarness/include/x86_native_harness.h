#ifndef X86_NATIVE_HARNESS_H
#define X86_NATIVE_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/// Register state handed to and from the native run: RAX..R15 in encoding order (RSP is ignored), RFLAGS.
typedef struct {
    uint64_t gpr[16];
    uint64_t rflags;
} x86_native_state;

/// The fixed address of the data page native runs and emulated runs share (0 if it could not be mapped).
uint64_t x86_native_data_address(void);

/// Size of that data area in bytes.
size_t x86_native_data_size(void);

/// Runs one instruction natively in user mode with `state` loaded, then stores the state back.
/// Returns 0, or the signal that stopped it (SIGFPE for #DE, SIGILL for #UD, SIGSEGV/SIGBUS for #GP/#PF).
int x86_native_run(const uint8_t *code, size_t length, x86_native_state *state);

#endif
