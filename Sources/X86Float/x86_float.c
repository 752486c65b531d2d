// The host's SSE unit does the guest's floating-point arithmetic: each instruction runs inside one asm
// statement that loads the guest's MXCSR (exceptions masked, flags clear), executes the same instruction and
// stores MXCSR back, so the compiler can neither move nor fold it, and the host's own MXCSR is put back after.
#include "x86_float.h"
#include <emmintrin.h>
#include <string.h>

#define UNKNOWN 0xFFFFFFFFu

static uint32_t guest_csr(uint32_t mxcsr) { return (mxcsr & 0xFFC0u) | 0x1F80u; }

#define HOST_SAVE uint32_t host_csr; __asm__ volatile("stmxcsr %0" : "=m"(host_csr))
#define HOST_RESTORE __asm__ volatile("ldmxcsr %0" : : "m"(host_csr))

#define XMM_OP(insn)                                                                                     \
    __asm__ volatile("ldmxcsr %[c]\n\t" insn " %[b], %[a]\n\tstmxcsr %[s]"                            \
                     : [a] "+x"(va), [s] "=m"(status)                                                    \
                     : [b] "x"(vb), [c] "m"(csr));                                                       \
    break

#define CMP_OP(insn, n)                                                                                  \
    case n:                                                                                              \
        __asm__ volatile("ldmxcsr %[c]\n\t" insn " $" #n ", %[b], %[a]\n\tstmxcsr %[s]"                 \
                         : [a] "+x"(va), [s] "=m"(status)                                                \
                         : [b] "x"(vb), [c] "m"(csr));                                                   \
        break

#define CMP_ALL(insn)                                                                                    \
    switch (imm & 7) {                                                                                   \
        CMP_OP(insn, 0); CMP_OP(insn, 1); CMP_OP(insn, 2); CMP_OP(insn, 3);                              \
        CMP_OP(insn, 4); CMP_OP(insn, 5); CMP_OP(insn, 6); CMP_OP(insn, 7);                              \
    }                                                                                                    \
    break

uint32_t nv_float_xmm(uint32_t op, uint32_t mxcsr, nv_xmm *a, nv_xmm b, uint8_t imm) {
    __m128i va, vb;
    memcpy(&va, a, 16);
    memcpy(&vb, &b, 16);
    uint32_t csr = guest_csr(mxcsr), status = csr;
    HOST_SAVE;
    switch (op) {
    case 0x051: XMM_OP("sqrtps");
    case 0x151: XMM_OP("sqrtpd");
    case 0x251: XMM_OP("sqrtss");
    case 0x351: XMM_OP("sqrtsd");
    case 0x052: XMM_OP("rsqrtps");
    case 0x252: XMM_OP("rsqrtss");
    case 0x053: XMM_OP("rcpps");
    case 0x253: XMM_OP("rcpss");
    case 0x058: XMM_OP("addps");
    case 0x158: XMM_OP("addpd");
    case 0x258: XMM_OP("addss");
    case 0x358: XMM_OP("addsd");
    case 0x059: XMM_OP("mulps");
    case 0x159: XMM_OP("mulpd");
    case 0x259: XMM_OP("mulss");
    case 0x359: XMM_OP("mulsd");
    case 0x05A: XMM_OP("cvtps2pd");
    case 0x15A: XMM_OP("cvtpd2ps");
    case 0x25A: XMM_OP("cvtss2sd");
    case 0x35A: XMM_OP("cvtsd2ss");
    case 0x05B: XMM_OP("cvtdq2ps");
    case 0x15B: XMM_OP("cvtps2dq");
    case 0x25B: XMM_OP("cvttps2dq");
    case 0x05C: XMM_OP("subps");
    case 0x15C: XMM_OP("subpd");
    case 0x25C: XMM_OP("subss");
    case 0x35C: XMM_OP("subsd");
    case 0x05D: XMM_OP("minps");
    case 0x15D: XMM_OP("minpd");
    case 0x25D: XMM_OP("minss");
    case 0x35D: XMM_OP("minsd");
    case 0x05E: XMM_OP("divps");
    case 0x15E: XMM_OP("divpd");
    case 0x25E: XMM_OP("divss");
    case 0x35E: XMM_OP("divsd");
    case 0x05F: XMM_OP("maxps");
    case 0x15F: XMM_OP("maxpd");
    case 0x25F: XMM_OP("maxss");
    case 0x35F: XMM_OP("maxsd");
    case 0x0C2: CMP_ALL("cmpps");
    case 0x1C2: CMP_ALL("cmppd");
    case 0x2C2: CMP_ALL("cmpss");
    case 0x3C2: CMP_ALL("cmpsd");
    case 0x1E6: XMM_OP("cvttpd2dq");
    case 0x2E6: XMM_OP("cvtdq2pd");
    case 0x3E6: XMM_OP("cvtpd2dq");
    default: HOST_RESTORE; return UNKNOWN;
    }
    HOST_RESTORE;
    memcpy(a, &va, 16);
    return status & 0x3F;
}

uint32_t nv_float_compare(uint32_t op, uint32_t mxcsr, nv_xmm a, nv_xmm b, uint32_t *flags) {
    __m128i va, vb;
    memcpy(&va, &a, 16);
    memcpy(&vb, &b, 16);
    uint32_t csr = guest_csr(mxcsr), status = csr;
    uint8_t zf = 0, pf = 0, cf = 0;
    HOST_SAVE;
#define COMPARE(insn)                                                                                    \
    __asm__ volatile("ldmxcsr %[c]\n\t" insn " %[b], %[a]\n\tsetz %[z]\n\tsetp %[p]\n\tsetc %[cf]\n\t"  \
                     "stmxcsr %[s]"                                                                      \
                     : [z] "=q"(zf), [p] "=q"(pf), [cf] "=q"(cf), [s] "=m"(status)                       \
                     : [a] "x"(va), [b] "x"(vb), [c] "m"(csr)                                            \
                     : "cc");                                                                            \
    break
    switch (op) {
    case 0x02E: COMPARE("ucomiss");
    case 0x12E: COMPARE("ucomisd");
    case 0x02F: COMPARE("comiss");
    case 0x12F: COMPARE("comisd");
    default: HOST_RESTORE; return UNKNOWN;
    }
    HOST_RESTORE;
    *flags = (uint32_t)zf | (uint32_t)pf << 1 | (uint32_t)cf << 2;
    return status & 0x3F;
}

uint32_t nv_float_to_integer(uint32_t op, uint32_t mxcsr, nv_xmm b, int wide, int64_t *result) {
    __m128i vb;
    memcpy(&vb, &b, 16);
    uint32_t csr = guest_csr(mxcsr), status = csr;
    int64_t r64 = 0;
    int32_t r32 = 0;
    HOST_SAVE;
#define TO_INT(insn)                                                                                     \
    if (wide) {                                                                                          \
        __asm__ volatile("ldmxcsr %[c]\n\t" insn " %[b], %[r]\n\tstmxcsr %[s]"                          \
                         : [r] "=r"(r64), [s] "=m"(status) : [b] "x"(vb), [c] "m"(csr));                 \
    } else {                                                                                             \
        __asm__ volatile("ldmxcsr %[c]\n\t" insn " %[b], %[r]\n\tstmxcsr %[s]"                          \
                         : [r] "=r"(r32), [s] "=m"(status) : [b] "x"(vb), [c] "m"(csr));                 \
        r64 = (int64_t)(uint32_t)r32;                                                                    \
    }                                                                                                    \
    break
    switch (op) {
    case 0x22C: TO_INT("cvttss2si");
    case 0x32C: TO_INT("cvttsd2si");
    case 0x22D: TO_INT("cvtss2si");
    case 0x32D: TO_INT("cvtsd2si");
    default: HOST_RESTORE; return UNKNOWN;
    }
    HOST_RESTORE;
    *result = r64;
    return status & 0x3F;
}

uint32_t nv_float_from_integer(uint32_t op, uint32_t mxcsr, nv_xmm *a, int64_t value, int wide) {
    __m128i va;
    memcpy(&va, a, 16);
    uint32_t csr = guest_csr(mxcsr), status = csr;
    int32_t v32 = (int32_t)value;
    HOST_SAVE;
    switch (op | (wide ? 0x1000u : 0)) {
#define FROM_INT(insn, operand)                                                                          \
    __asm__ volatile("ldmxcsr %[c]\n\t" insn " %[v], %[a]\n\tstmxcsr %[s]"                              \
                     : [a] "+x"(va), [s] "=m"(status) : [v] "r"(operand), [c] "m"(csr));                 \
    break
    case 0x22A: FROM_INT("cvtsi2ssl", v32);
    case 0x32A: FROM_INT("cvtsi2sdl", v32);
    case 0x122A: FROM_INT("cvtsi2ssq", value);
    case 0x132A: FROM_INT("cvtsi2sdq", value);
    default: HOST_RESTORE; return UNKNOWN;
    }
    HOST_RESTORE;
    memcpy(a, &va, 16);
    return status & 0x3F;
}
