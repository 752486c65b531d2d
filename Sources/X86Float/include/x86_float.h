#ifndef X86_FLOAT_H
#define X86_FLOAT_H
#include <stdint.h>

/// One XMM register's 128 bits.
typedef struct {
    uint64_t low, high;
} nv_xmm;

/// The SSE and SSE2 floating-point instructions, each run on the host's own SSE unit under the guest's MXCSR
/// (rounding control, flush-to-zero, denormals-are-zero) with every exception masked, so that results are the
/// architecture's bit for bit. `op` is the second opcode byte | the mandatory prefix << 8 (0 none, 1 66, 2 F3,
/// 3 F2). Each returns the exception flags the instruction raised (MXCSR bits 5:0), or 0xFFFFFFFF for an op
/// it does not know.

/// xmm-to-xmm forms (arithmetic, square root, reciprocals, min/max, CMPxx with `imm`, the FP-to-FP and
/// packed integer conversions): `a` is the destination and first source, `b` the second.
uint32_t nv_float_xmm(uint32_t op, uint32_t mxcsr, nv_xmm *a, nv_xmm b, uint8_t imm);

/// COMISS, UCOMISS, COMISD, UCOMISD: ZF, PF and CF as bits 0, 1 and 2 of `*flags`.
uint32_t nv_float_compare(uint32_t op, uint32_t mxcsr, nv_xmm a, nv_xmm b, uint32_t *flags);

/// CVTSS2SI, CVTTSS2SI, CVTSD2SI, CVTTSD2SI into 32 or 64 bits (`wide`).
uint32_t nv_float_to_integer(uint32_t op, uint32_t mxcsr, nv_xmm b, int wide, int64_t *result);

/// CVTSI2SS and CVTSI2SD from 32 or 64 bits (`wide`) into the low lane of `a`.
uint32_t nv_float_from_integer(uint32_t op, uint32_t mxcsr, nv_xmm *a, int64_t value, int wide);

#endif
