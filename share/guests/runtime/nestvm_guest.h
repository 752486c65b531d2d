/* The C side of nestvm's guest library: port I/O and privileged-instruction wrappers, probes for instructions
   that may fault, the runtime's entry points and the boot-information layout (nestvm_boot_info.h, generated).
   Swift guests import it as their bridging header. */
#ifndef NESTVM_GUEST_H
#define NESTVM_GUEST_H
#include <stdint.h>
#include <stddef.h>
#include "nestvm_boot_info.h"

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

/* Probes: -1 when the instruction completed, else the vector of the exception it raised. */
int nv_try_rdmsr(uint32_t msr, uint64_t *value);
int nv_try_wrmsr(uint32_t msr, uint64_t value);
int nv_try_write_cr4(uint64_t value);
int nv_try_vmxon(const uint64_t *region_pointer, uint64_t *rflags);
int nv_try_vmxoff(uint64_t *rflags);

/* Ends the machine through the exit port: status (value << 1) | 1. */
_Noreturn void nv_exit(uint32_t value);
/* Memory from the runtime's heap (the largest usable region of the memory map). */
void *nv_alloc_pages(size_t count);
/* Starts every secondary processor (each counts itself and halts); returns how many processors run. */
uint32_t nv_start_secondaries(const uint8_t *boot_info);
/* Interrupt-driven COM1 input (IRQ 4 through the PIC): enable it, then read bytes; the read waits halted and
   returns -1 once a stop has been requested (IRQ 9 wakes it; port 0xF5 says so). */
void nv_serial_enable_input(void);
int nv_serial_read_byte(void);
/* An interrupt handler for one of the PIC's vectors 32..47, called on the IST stack with interrupts off. */
void nv_set_interrupt_handler(uint8_t vector, void (*handler)(uint8_t vector));

#endif
