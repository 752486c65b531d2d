/* The freestanding runtime nestvm's Swift guests link with: memory functions, an allocator, the symbols the
   Swift compiler and stack protector expect, and exception and interrupt dispatch (nestvm(7), "Writing
   guests"). */
#include "nestvm_guest.h"

/* ---- memory functions: REP STOSB and REP MOVSB, which the processor runs a page at a time ---- */
void *memset(void *d, int c, size_t n) {
    void *p = d;
    __asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(c) : "memory");
    return d;
}
void *memcpy(void *restrict d, const void *restrict s, size_t n) {
    void *p = d;
    __asm__ volatile("rep movsb" : "+D"(p), "+S"(s), "+c"(n) : : "memory");
    return d;
}
void *memmove(void *d, const void *s, size_t n) {
    if ((uintptr_t)d - (uintptr_t)s >= n) return memcpy(d, s, n);  /* no overlap, or the destination below */
    unsigned char *p = (unsigned char *)d + n - 1;
    const unsigned char *q = (const unsigned char *)s + n - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(p), "+S"(q), "+c"(n) : : "memory");
    return d;
}
int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++) if (*p != *q) return *p - *q;
    return 0;
}
size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

/* ---- 128-bit division, which the Swift standard library's dividingFullWidth calls (compiler-rt's names) ---- */
unsigned __int128 __udivti3(unsigned __int128 n, unsigned __int128 d) {
    if ((d >> 64) == 0) {  /* two DIVs: the high half, then the remainder and the low half */
        uint64_t divisor = (uint64_t)d, high = (uint64_t)(n >> 64), low = (uint64_t)n, q_low, r;
        uint64_t q_high = high / divisor;
        high %= divisor;
        __asm__("divq %4" : "=a"(q_low), "=d"(r) : "a"(low), "d"(high), "rm"(divisor));
        return (unsigned __int128)q_high << 64 | q_low;
    }
    unsigned __int128 q = 0, r = 0;  /* a divisor of 65 bits or more: shift and subtract */
    for (int i = 127; i >= 0; i--) {
        r = r << 1 | ((n >> i) & 1);
        if (r >= d) { r -= d; q |= (unsigned __int128)1 << i; }
    }
    return q;
}
unsigned __int128 __umodti3(unsigned __int128 n, unsigned __int128 d) { return n - __udivti3(n, d) * d; }

/* ---- console and exit ---- */
int putchar(int c) {
    while (!(nv_inb(0x3F8 + 5) & 0x20)) { }  /* wait for THR empty */
    nv_outb(0x3F8, (uint8_t)c);
    return c;
}
static void put_string(const char *s) { while (*s) putchar(*s++); }
void nv_console_write(const uint8_t *bytes, size_t count) { for (size_t i = 0; i < count; i++) putchar(bytes[i]); }
static void put_hex(uint64_t v) {
    put_string("0x");
    for (int shift = 60; shift >= 0; shift -= 4) putchar("0123456789abcdef"[(v >> shift) & 15]);
}

_Noreturn void nv_exit(uint32_t value) {
    nv_outl(0xF4, value);
    for (;;) { nv_disable_interrupts(); nv_halt(); }
}

/* ---- randomness for the standard library's hash seeds: fixed, so runs are reproducible ---- */
void arc4random_buf(void *buffer, size_t n) {
    static uint64_t state = 0x9E3779B97F4A7C15ULL;
    unsigned char *p = buffer;
    while (n--) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; *p++ = (unsigned char)state; }
}

/* ---- stack protector ---- */
uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ULL;
_Noreturn void __stack_chk_fail(void) { put_string("\nguest: stack smashing detected\n"); nv_exit(0x7E); }

/* ---- spin locks: XCHG, and PAUSE while the lock is held (the machine gives the holder the processor) ---- */
void nv_spin_lock(volatile uint32_t *lock) {
    while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE)) while (*lock) nv_pause();
}
void nv_spin_unlock(volatile uint32_t *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }

/* ---- allocator: power-of-two size classes with free lists, over the largest usable region, one processor
   at a time ---- */
static uintptr_t heap_next, heap_end;
static void *free_lists[48];
static volatile uint32_t heap_lock;

static void *bump(size_t size, size_t alignment) {
    uintptr_t p = (heap_next + alignment - 1) & ~(uintptr_t)(alignment - 1);
    if (p + size > heap_end || p + size < p) return 0;
    heap_next = p + size;
    return (void *)p;
}

/* Each block is preceded by 16 bytes holding its size class, so free() can find its list. */
static void *allocate(size_t size, size_t alignment) {
    if (alignment < 16) alignment = 16;
    unsigned k = 4;
    while (((size_t)1 << k) < size + 16 + (alignment > 16 ? alignment : 0)) k++;
    if (k >= 48) return 0;
    nv_spin_lock(&heap_lock);
    void *block = free_lists[k];
    if (block) free_lists[k] = *(void **)block; else block = bump((size_t)1 << k, 16);
    nv_spin_unlock(&heap_lock);
    if (!block) return 0;
    uintptr_t user = ((uintptr_t)block + 16 + alignment - 1) & ~(uintptr_t)(alignment - 1);
    ((uint64_t *)user)[-1] = k;
    ((uint64_t *)user)[-2] = user - (uintptr_t)block;
    return (void *)user;
}

void *malloc(size_t size) { return allocate(size, 16); }
void free(void *p) {
    if (!p) return;
    unsigned k = (unsigned)((uint64_t *)p)[-1];
    void *block = (char *)p - ((uint64_t *)p)[-2];
    nv_spin_lock(&heap_lock);
    *(void **)block = free_lists[k];
    free_lists[k] = block;
    nv_spin_unlock(&heap_lock);
}
int posix_memalign(void **out, size_t alignment, size_t size) {
    void *p = allocate(size, alignment);
    if (!p) return 12; /* ENOMEM */
    *out = p;
    return 0;
}
/* Pages never handed out before, so zero: usable RAM reads as zero when a guest starts (nestvm(7), "Boot
   information"). Not clearing them keeps the host from touching pages the guest may never use. */
void *nv_alloc_pages(size_t count) {
    nv_spin_lock(&heap_lock);
    void *pages = bump(count * 4096, 4096);
    nv_spin_unlock(&heap_lock);
    return pages;
}

/* ---- descriptor tables: each processor has its own GDT and TSS (a TSS is busy while a processor has it
   loaded), whose IST1 stack takes every exception and interrupt; the IDT is shared ---- */
struct __attribute__((packed)) tss { uint32_t reserved0; uint64_t rsp[3]; uint64_t reserved1; uint64_t ist[7];
                                     uint64_t reserved2; uint16_t reserved3; uint16_t iomap; };
struct processor_tables { uint64_t gdt[5]; struct tss tss; };
static struct processor_tables boot_tables;
static uint64_t idt[512];
static uint8_t ist_stack[16384] __attribute__((aligned(16)));
static void (*interrupt_handlers[256])(uint8_t);
extern const uint64_t nv_vector_table[32];
uint64_t nv_recover_rip;
uint32_t nv_fault_vector;

static void set_gate(unsigned vector, uint64_t handler) {
    idt[vector * 2] = (handler & 0xFFFF) | (uint64_t)0x08 << 16 | (uint64_t)1 << 32 /* IST1 */ | (uint64_t)0x8E << 40
                      | ((handler >> 16) & 0xFFFF) << 48;
    idt[vector * 2 + 1] = handler >> 32;
}

struct __attribute__((packed)) table_register { uint16_t limit; uint64_t base; };

/* Loads `tables` (flat code and data as the boot GDT has them, so the segment registers stay valid) and the IDT. */
static void load_tables(struct processor_tables *tables, uint8_t *ist_top) {
    struct tss *tss = &tables->tss;
    tss->iomap = sizeof *tss;
    tss->ist[0] = (uint64_t)ist_top;
    uint64_t base = (uint64_t)tss, limit = sizeof *tss - 1;
    tables->gdt[0] = 0;
    tables->gdt[1] = 0x00AF9B000000FFFFULL;
    tables->gdt[2] = 0x00CF93000000FFFFULL;
    tables->gdt[3] = limit | (base & 0xFFFFFF) << 16 | (uint64_t)0x89 << 40 | ((base >> 24) & 0xFF) << 56;
    tables->gdt[4] = base >> 32;
    struct table_register g = { sizeof tables->gdt - 1, (uint64_t)tables->gdt };
    __asm__ volatile("lgdt %0" : : "m"(g));
    __asm__ volatile("ltr %w0" : : "r"(0x18));
    struct table_register i = { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(i));
}

void nv_runtime_init(const uint8_t *boot_info) {
    /* The heap: the largest usable region of the memory map. */
    const uint8_t *map = (const uint8_t *)*(const uint64_t *)(boot_info + NV_BOOT_HEADER_MEMORY_MAP);
    uint32_t entries = *(const uint32_t *)(boot_info + NV_BOOT_HEADER_MEMORY_MAP_COUNT);
    for (uint32_t i = 0; i < entries; i++) {
        const uint8_t *e = map + i * NV_BOOT_MEMORY_MAP_ENTRY_BYTES;
        uint64_t base = *(const uint64_t *)(e + NV_BOOT_MEMORY_MAP_ENTRY_BASE);
        uint64_t length = *(const uint64_t *)(e + NV_BOOT_MEMORY_MAP_ENTRY_LENGTH);
        uint32_t type = *(const uint32_t *)(e + NV_BOOT_MEMORY_MAP_ENTRY_TYPE);
        if (type == NV_BOOT_MEMORY_TYPE_USABLE && length > heap_end - heap_next) { heap_next = base; heap_end = base + length; }
    }
    for (unsigned v = 0; v < 32; v++) set_gate(v, nv_vector_table[v]);
    load_tables(&boot_tables, ist_stack + sizeof ist_stack);
}

/* Called from the stubs for an exception no probe expected: report it and end the machine. */
void nv_unexpected_exception(const uint64_t *frame) {
    put_string("\nguest: unexpected exception "); put_hex(frame[0]);
    put_string(" error "); put_hex(frame[1]);
    put_string(" at RIP "); put_hex(frame[2]);
    put_string("\n");
    nv_exit(0x7F);
}

/* ---- interrupts 32..47, the PIC's vectors at their power-on bases: save the caller-saved registers, call the handler ---- */
#define IRQ_STUB(n) \
    __attribute__((naked)) static void irq_stub_##n(void) { \
        __asm__ volatile("push %%rax; push %%rcx; push %%rdx; push %%rsi; push %%rdi; push %%r8; push %%r9; push %%r10; push %%r11\n" \
                         "mov %%rsp, %%rax; and $-16, %%rsp; push %%rax; sub $8, %%rsp\n" \
                         "mov $" #n ", %%edi; call nv_dispatch_interrupt\n" \
                         "add $8, %%rsp; pop %%rsp\n" \
                         "pop %%r11; pop %%r10; pop %%r9; pop %%r8; pop %%rdi; pop %%rsi; pop %%rdx; pop %%rcx; pop %%rax; iretq" ::: "memory"); }
IRQ_STUB(32) IRQ_STUB(33) IRQ_STUB(34) IRQ_STUB(35) IRQ_STUB(36) IRQ_STUB(37) IRQ_STUB(38) IRQ_STUB(39)
IRQ_STUB(40) IRQ_STUB(41) IRQ_STUB(42) IRQ_STUB(43) IRQ_STUB(44) IRQ_STUB(45) IRQ_STUB(46) IRQ_STUB(47)
static void (*const irq_stubs[16])(void) = { irq_stub_32, irq_stub_33, irq_stub_34, irq_stub_35, irq_stub_36, irq_stub_37,
    irq_stub_38, irq_stub_39, irq_stub_40, irq_stub_41, irq_stub_42, irq_stub_43, irq_stub_44, irq_stub_45, irq_stub_46, irq_stub_47 };

void nv_dispatch_interrupt(uint8_t vector) { if (interrupt_handlers[vector]) interrupt_handlers[vector](vector); }

void nv_set_interrupt_handler(uint8_t vector, void (*handler)(uint8_t)) {
    if (vector < 32 || vector >= 48) return;
    interrupt_handlers[vector] = handler;
    set_gate(vector, (uint64_t)irq_stubs[vector - 32]);
}

/* ---- secondary processors: started through their boot-information mailboxes (nestvm(7)) ---- */
static volatile uint32_t secondaries_running;
static void (*secondary_entry)(uint32_t index, void *context);
static void *secondary_context;

/* A secondary's first code: it was started as if called, with RDI = its index and its stack's pages below
   RSP. It loads tables of its own, counts itself, and runs the entry (or parks). */
static void secondary_main(uint64_t index) {
    struct processor_tables *tables = nv_alloc_pages(1);
    uint8_t *ist = nv_alloc_pages(4);
    if (tables && ist) load_tables(tables, ist + 4 * 4096);
    __atomic_fetch_add(&secondaries_running, 1, __ATOMIC_SEQ_CST);
    if (tables && ist && secondary_entry) secondary_entry((uint32_t)index, secondary_context);
    for (;;) { nv_disable_interrupts(); nv_halt(); }
}

uint32_t nv_start_secondaries(const uint8_t *boot_info, void (*entry)(uint32_t index, void *context), void *context) {
    uint32_t count = *(const uint32_t *)(boot_info + NV_BOOT_HEADER_PROCESSOR_COUNT);
    volatile uint8_t *mailboxes = (volatile uint8_t *)*(const uint64_t *)(boot_info + NV_BOOT_HEADER_MAILBOXES);
    secondary_entry = entry;
    secondary_context = context;
    for (uint32_t i = 1; i < count; i++) {
        uint8_t *stack = nv_alloc_pages(16);
        if (!stack) break;
        volatile uint8_t *box = mailboxes + i * NV_BOOT_MAILBOX_BYTES;
        *(volatile uint64_t *)(box + NV_BOOT_MAILBOX_STACK_TOP) = (uint64_t)(stack + 16 * 4096 - 8);  /* as if called */
        *(volatile uint64_t *)(box + NV_BOOT_MAILBOX_ARGUMENT) = i;
        *(volatile uint64_t *)(box + NV_BOOT_MAILBOX_ENTRY) = (uint64_t)secondary_main;  /* last: this starts it */
    }
    for (uint64_t spin = 0; spin < 100000000 && secondaries_running + 1 < count; spin++) nv_pause();
    return secondaries_running + 1;
}

/* ---- interrupt-driven COM1 input: IRQ 4 through the PIC fills a ring buffer ---- */
static volatile uint8_t input_ring[1024];
static volatile uint32_t input_head, input_tail;

static void serial_interrupt(uint8_t vector) {
    (void)vector;
    while (nv_inb(0x3F8 + 5) & 1) {
        uint8_t byte = nv_inb(0x3F8);
        if (input_head - input_tail < sizeof input_ring) input_ring[input_head++ % sizeof input_ring] = byte;
    }
    nv_outb(0x20, 0x20); /* EOI */
}

/* The PIC pair, programmed once: vector bases 0x20 and 0x28, cascade on IRQ 2, every line masked until a
   driver unmasks its own. */
static int pics_ready;
static void pic_unmask(int line) {
    if (!pics_ready) {
        nv_outb(0x20, 0x11); nv_outb(0xA0, 0x11);
        nv_outb(0x21, 0x20); nv_outb(0xA1, 0x28);
        nv_outb(0x21, 0x04); nv_outb(0xA1, 0x02);
        nv_outb(0x21, 0x01); nv_outb(0xA1, 0x01);
        nv_outb(0x21, 0xFB); nv_outb(0xA1, 0xFF);
        pics_ready = 1;
    }
    uint16_t port = line < 8 ? 0x21 : 0xA1;
    nv_outb(port, nv_inb(port) & ~(1 << (line & 7)));
}

/* A stop request (IRQ 9, on the slave PIC): nothing to do but acknowledge; the reader then sees port 0xF5. */
static void stop_interrupt(uint8_t vector) {
    (void)vector;
    nv_outb(0xA0, 0x20);
    nv_outb(0x20, 0x20);
}

void nv_serial_enable_input(void) {
    nv_set_interrupt_handler(0x24, serial_interrupt);
    nv_set_interrupt_handler(0x29, stop_interrupt);
    pic_unmask(4);
    pic_unmask(9);
    nv_outb(0x3F8 + 1, 0x01);  /* IER: received data */
    nv_outb(0x3F8 + 4, 0x0B);  /* MCR: DTR, RTS, OUT2 (the interrupt line) */
}

/* A virtio device's interrupt (the integration channel's IRQ 10, the network adapters' shared IRQ 11): each
   device on the line has its interrupt status acknowledged (virtio-mmio InterruptACK), so its next used buffer
   raises the line again; the drivers poll their rings. */
#define VIRTIO_PER_LINE 8
static volatile uint64_t virtio_registers[16][VIRTIO_PER_LINE];
static void virtio_interrupt(uint8_t vector) {
    for (int k = 0; k < VIRTIO_PER_LINE; k++) {
        uint64_t base = virtio_registers[vector - 0x20][k];
        if (base) nv_mmio_write32(base + 0x064, nv_mmio_read32(base + 0x060));
    }
    nv_outb(0xA0, 0x20);
    nv_outb(0x20, 0x20);
}

void nv_virtio_enable_interrupts(uint64_t registers, uint8_t line) {
    if (line >= 16) return;
    for (int k = 0; k < VIRTIO_PER_LINE; k++) {
        if (virtio_registers[line][k] == registers) break;
        if (!virtio_registers[line][k]) { virtio_registers[line][k] = registers; break; }
    }
    nv_mmio_write32(registers + 0x064, nv_mmio_read32(registers + 0x060));  /* what was signalled before */
    nv_set_interrupt_handler(0x20 + line, virtio_interrupt);
    nv_set_interrupt_handler(0x29, stop_interrupt);
    pic_unmask(line);
    pic_unmask(9);
}

/* ---- the timer: PIT channel 0 in mode 2; IRQ 0 only wakes the processor (time is the TSC) ---- */
static void timer_interrupt(uint8_t vector) {
    (void)vector;
    nv_outb(0x20, 0x20);
}

void nv_timer_start(uint32_t hertz) {
    uint32_t divisor = 1193182 / (hertz ? hertz : 100);
    if (divisor < 1 || divisor > 65535) divisor = 11932;
    nv_set_interrupt_handler(0x20, timer_interrupt);
    nv_outb(0x43, 0x34);  /* channel 0, lobyte/hibyte, mode 2 */
    nv_outb(0x40, (uint8_t)divisor);
    nv_outb(0x40, (uint8_t)(divisor >> 8));
    pic_unmask(0);
}

int nv_serial_read_byte(void) {
    for (;;) {
        nv_disable_interrupts();
        if (input_tail != input_head) {
            uint8_t byte = input_ring[input_tail++ % sizeof input_ring];
            nv_enable_interrupts();
            return byte;
        }
        if (nv_inb(0xF5) & 1) { nv_enable_interrupts(); return -1; }  /* a stop was requested */
        __asm__ volatile("sti; hlt");  /* STI's shadow: no interrupt is lost between the check and HLT */
    }
}
