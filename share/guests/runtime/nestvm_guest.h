/* The C side of nestvm's guest library: port I/O and privileged-instruction wrappers, probes for instructions
   that may fault, the runtime's entry points and the boot-information layout (nestvm_boot_info.h, generated).
   Swift guests import it as their bridging header. */
#ifndef NESTVM_GUEST_H
#define NESTVM_GUEST_H
#include <stdint.h>
#include <stddef.h>
#include "nestvm_boot_info.h"
#include "nestvm_vmx.h"

static inline void nv_outb(uint16_t port, uint8_t value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static inline uint8_t nv_inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void nv_outl(uint16_t port, uint32_t value) { __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }

static inline void nv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(subleaf));
}
static inline uint64_t nv_read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t nv_read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline uint64_t nv_rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return (uint64_t)hi << 32 | lo; }
static inline void nv_halt(void) { __asm__ volatile("hlt"); }
static inline void nv_enable_interrupts(void) { __asm__ volatile("sti"); }
static inline void nv_disable_interrupts(void) { __asm__ volatile("cli"); }
static inline void nv_pause(void) { __asm__ volatile("pause"); }
/* The runtime's memory functions (REP STOSB and REP MOVSB, which the processor runs a page at a time). */
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
/* Waits for an interrupt with interrupts disabled before and after: an interrupt that arrived since the CLI
   that preceded the caller's last check wakes the HLT at once (STI's shadow). */
static inline void nv_halt_until_interrupt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }
/* Device registers (virtio-mmio): one 32-bit MOV each, kept as written and in order with the memory accesses
   around it (x86 keeps stores in order; the "memory" clobber keeps the compiler from moving them). */
static inline uint32_t nv_mmio_read32(uint64_t address) {
    uint32_t v; __asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(address) : "memory"); return v;
}
static inline void nv_mmio_write32(uint64_t address, uint32_t value) {
    __asm__ volatile("movl %0, (%1)" : : "r"(value), "r"(address) : "memory");
}
/* A compiler barrier: memory accesses are not moved across it (shared rings with a device). */
static inline void nv_barrier(void) { __asm__ volatile("" : : : "memory"); }

/* Probes: -1 when the instruction completed, else the vector of the exception it raised. */
int nv_try_rdmsr(uint32_t msr, uint64_t *value);
int nv_try_wrmsr(uint32_t msr, uint64_t value);
int nv_try_write_cr4(uint64_t value);
int nv_try_vmxon(const uint64_t *region_pointer, uint64_t *rflags);
int nv_try_vmxoff(uint64_t *rflags);

/* VMX operation for guest hypervisors (SDM vol. 3, "VMX Instruction Reference"). Each returns the RFLAGS the
   instruction left: CF set is VMfailInvalid, ZF set VMfailValid, neither VMsucceed. */
static inline uint64_t nv_vmclear(uint64_t address) {
    uint64_t f; __asm__ volatile("vmclear %1; pushfq; pop %0" : "=r"(f) : "m"(address) : "cc", "memory"); return f;
}
static inline uint64_t nv_vmptrld(uint64_t address) {
    uint64_t f; __asm__ volatile("vmptrld %1; pushfq; pop %0" : "=r"(f) : "m"(address) : "cc", "memory"); return f;
}
/* INVEPT and INVVPID of `type` (1 single-context, 2 all-context) for the EPT pointer or VPID given. */
static inline uint64_t nv_invept(uint64_t type, uint64_t eptp) {
    uint64_t d[2] = { eptp, 0 }, f;
    __asm__ volatile("invept %1, %2; pushfq; pop %0" : "=r"(f) : "m"(d), "r"(type) : "cc", "memory"); return f;
}
static inline uint64_t nv_invvpid(uint64_t type, uint64_t vpid) {
    uint64_t d[2] = { vpid, 0 }, f;
    __asm__ volatile("invvpid %1, %2; pushfq; pop %0" : "=r"(f) : "m"(d), "r"(type) : "cc", "memory"); return f;
}
static inline uint64_t nv_vmwrite(uint64_t field, uint64_t value) {
    uint64_t f; __asm__ volatile("vmwrite %2, %1; pushfq; pop %0" : "=r"(f) : "r"(field), "rm"(value) : "cc"); return f;
}
static inline uint64_t nv_vmread(uint64_t field) {
    uint64_t v = 0; __asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc"); return v;
}
/* A guest's general registers as nv_vmx_run loads and stores them, in the order of their numbers (RSP's slot
   unused: it is in the VMCS). */
struct nv_guest_registers { uint64_t gpr[16]; };
/* fx_areas: NULL, or the host's and then the guest's 512-byte FXSAVE areas (16-byte aligned), switched around
   the guest's run. */
uint64_t nv_vmx_run(struct nv_guest_registers *registers, int launch, void *fx_areas);
static inline uint64_t nv_read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint16_t nv_read_cs(void) { uint16_t v; __asm__ volatile("mov %%cs, %0" : "=r"(v)); return v; }
static inline uint16_t nv_read_ss(void) { uint16_t v; __asm__ volatile("mov %%ss, %0" : "=r"(v)); return v; }
static inline uint16_t nv_read_ds(void) { uint16_t v; __asm__ volatile("mov %%ds, %0" : "=r"(v)); return v; }
static inline uint16_t nv_read_es(void) { uint16_t v; __asm__ volatile("mov %%es, %0" : "=r"(v)); return v; }
static inline uint16_t nv_read_fs(void) { uint16_t v; __asm__ volatile("mov %%fs, %0" : "=r"(v)); return v; }
static inline uint16_t nv_read_gs(void) { uint16_t v; __asm__ volatile("mov %%gs, %0" : "=r"(v)); return v; }
static inline uint16_t nv_read_tr(void) { uint16_t v; __asm__ volatile("str %0" : "=r"(v)); return v; }
/* SGDT and SIDT: the base, with the limit in *limit. */
static inline uint64_t nv_sgdt(uint16_t *limit) {
    struct __attribute__((packed)) { uint16_t l; uint64_t b; } t; __asm__ volatile("sgdt %0" : "=m"(t)); *limit = t.l; return t.b;
}
static inline uint64_t nv_sidt(uint16_t *limit) {
    struct __attribute__((packed)) { uint16_t l; uint64_t b; } t; __asm__ volatile("sidt %0" : "=m"(t)); *limit = t.l; return t.b;
}
/* RDMSR of an MSR known to exist. */
static inline uint64_t nv_rdmsr(uint32_t msr) {
    uint32_t lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return (uint64_t)hi << 32 | lo;
}

/* Writes bytes to COM1 as they are (print adds nothing). */
void nv_console_write(const uint8_t *bytes, size_t count);
/* Ends the machine through the exit port: status (value << 1) | 1. */
_Noreturn void nv_exit(uint32_t value);
/* Memory from the runtime's heap (the largest usable region of the memory map). */
void *nv_alloc_pages(size_t count);
/* Starts every secondary processor, each with a stack, descriptor tables and an IST stack of its own, and
   waits until they run; returns how many processors run. Each calls entry(index, context), or halts when
   entry is NULL (or returns). The probes (nv_try_*) are for one processor at a time. */
uint32_t nv_start_secondaries(const uint8_t *boot_info, void (*entry)(uint32_t index, void *context), void *context);
/* A spin lock (0 is unlocked). */
void nv_spin_lock(volatile uint32_t *lock);
void nv_spin_unlock(volatile uint32_t *lock);
/* MONITOR on `word`, then MWAIT unless it no longer holds `seen`: the processor waits until the line holding
   it is written or, with `interruptible`, an interrupt comes (RFLAGS.IF is clear again after). */
static inline void nv_monitor_wait(const volatile uint64_t *word, uint64_t seen, int interruptible) {
    __asm__ volatile("monitor" : : "a"(word), "c"(0), "d"(0) : "memory");
    if (*word != seen) return;
    if (interruptible) __asm__ volatile("sti; mwait; cli" : : "a"(0), "c"(0) : "memory");
    else __asm__ volatile("mwait" : : "a"(0), "c"(0) : "memory");
}
/* Interrupt-driven COM1 input (IRQ 4 through the PIC): enable it, then read bytes; the read waits halted and
   returns -1 once a stop has been requested (IRQ 9 wakes it; port 0xF5 says so). */
void nv_serial_enable_input(void);
int nv_serial_read_byte(void);
/* A virtio device (virtio-mmio registers at `registers`: the integration channel, a network adapter) interrupts
   on IRQ `line`, which up to eight devices share; a stop request (IRQ 9) interrupts too. Both stay masked by the
   processor until the caller lets them in. */
void nv_virtio_enable_interrupts(uint64_t registers, uint8_t line);
/* Starts PIT channel 0 at `hertz` (mode 2): IRQ 0 then wakes a halted processor that often, so time passes while
   it waits. */
void nv_timer_start(uint32_t hertz);
/* An interrupt handler for one of the PIC's vectors 32..47, called on the IST stack with interrupts off. */
void nv_set_interrupt_handler(uint8_t vector, void (*handler)(uint8_t vector));
/* Runs the handler of interrupt `vector` as its interrupt would (a hypervisor's acknowledged external interrupt). */
void nv_dispatch_interrupt(uint8_t vector);

#endif
