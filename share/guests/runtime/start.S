/* Guest entry and the pieces that must be assembly: the exception entry stubs and the probes that run an
   instruction which may fault (nestvm(7), "Writing guests"). */
    .section .text.start, "ax"
    .globl _start
_start:
    /* RDI = boot information, RSP = the boot stack as if _start had been called, interrupts off. Calls need
       RSP 16-byte aligned. */
    and     $-16, %rsp
    mov     %rdi, %rbx
    call    nv_runtime_init
    mov     %rbx, %rdi
    call    guest_main
    mov     %eax, %edi
    call    nv_exit
1:  cli
    hlt
    jmp     1b

    .text
/* Exception stubs: push a dummy error code where the processor pushes none, then the vector. */
    .macro stub vector, has_error
    .globl nv_vector_\vector
nv_vector_\vector:
    .if \has_error == 0
    pushq   $0
    .endif
    pushq   $\vector
    jmp     nv_exception_common
    .endm

    stub 0,0;  stub 1,0;  stub 2,0;  stub 3,0;  stub 4,0;  stub 5,0;  stub 6,0;  stub 7,0
    stub 8,1;  stub 9,0;  stub 10,1; stub 11,1; stub 12,1; stub 13,1; stub 14,1; stub 15,0
    stub 16,0; stub 17,1; stub 18,0; stub 19,0; stub 20,0; stub 21,1; stub 22,0; stub 23,0
    stub 24,0; stub 25,0; stub 26,0; stub 27,0; stub 28,0; stub 29,1; stub 30,1; stub 31,0

nv_exception_common:
    /* Frame: vector, error code, RIP, CS, RFLAGS, RSP, SS. Probes set nv_recover_rip: resume there. */
    cmpq    $0, nv_recover_rip(%rip)
    je      2f
    mov     (%rsp), %rax
    mov     %eax, nv_fault_vector(%rip)
    mov     nv_recover_rip(%rip), %rax
    mov     %rax, 16(%rsp)
    movq    $0, nv_recover_rip(%rip)
    add     $16, %rsp
    iretq
2:  mov     %rsp, %rdi
    and     $-16, %rsp
    call    nv_unexpected_exception
3:  cli
    hlt
    jmp     3b

    .globl nv_vector_table
    .section .rodata
nv_vector_table:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad nv_vector_\v
    .endr

    .text
/* Probes: each returns -1 when the instruction completed, else the exception vector. */
    .macro probe_begin
    lea     9f(%rip), %rax
    mov     %rax, nv_recover_rip(%rip)
    .endm
    .macro probe_end
    movq    $0, nv_recover_rip(%rip)
    mov     $-1, %eax
    ret
9:  mov     nv_fault_vector(%rip), %eax
    ret
    .endm

/* int nv_try_rdmsr(uint32_t msr, uint64_t *value) */
    .globl nv_try_rdmsr
nv_try_rdmsr:
    mov     %rsi, %r8
    probe_begin
    mov     %edi, %ecx
    rdmsr
    shl     $32, %rdx
    or      %rdx, %rax
    mov     %rax, (%r8)
    probe_end

/* int nv_try_wrmsr(uint32_t msr, uint64_t value) */
    .globl nv_try_wrmsr
nv_try_wrmsr:
    probe_begin
    mov     %edi, %ecx
    mov     %esi, %eax
    mov     %rsi, %rdx
    shr     $32, %rdx
    wrmsr
    probe_end

/* int nv_try_write_cr4(uint64_t value) */
    .globl nv_try_write_cr4
nv_try_write_cr4:
    probe_begin
    mov     %rdi, %cr4
    probe_end

/* int nv_try_vmxon(const uint64_t *region_pointer, uint64_t *rflags) */
    .globl nv_try_vmxon
nv_try_vmxon:
    mov     %rsi, %r8
    probe_begin
    vmxon   (%rdi)
    pushfq
    popq    (%r8)
    probe_end

/* int nv_try_vmxoff(uint64_t *rflags) */
    .globl nv_try_vmxoff
nv_try_vmxoff:
    mov     %rdi, %r8
    probe_begin
    vmxoff
    pushfq
    popq    (%r8)
    probe_end

/* uint64_t nv_vmx_run(struct nv_guest_registers *registers, int launch, void *fx_areas): VMLAUNCH (launch != 0)
   or VMRESUME of the current VMCS with the guest's general registers loaded from `registers` (RSP and RIP come
   from the VMCS). Returns 0 after the guest's next VM exit, with its registers stored back; or, when the
   instruction failed, the RFLAGS it left (CF: VMfailInvalid, ZF: VMfailValid). Sets HOST_RSP and HOST_RIP
   itself. With `fx_areas` (two 512-byte FXSAVE areas, 16-byte aligned: the host's, then the guest's) the x87
   and SSE state is switched too: the caller's saved and the guest's restored before the entry, the other way
   round after the exit — a VM exit leaves that state alone (SDM vol. 3, "Loading Host State"). */
    .globl nv_vmx_run
nv_vmx_run:
    push    %rbp
    push    %rbx
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    push    %rdx                    /* the FXSAVE areas, or 0 */
    push    %rdi
    test    %rdx, %rdx
    jz      1f
    fxsave64 (%rdx)
    fxrstor64 512(%rdx)
1:  mov     $0x6C14, %eax           /* HOST_RSP: here, with the registers' address on top */
    vmwrite %rsp, %rax
    lea     4f(%rip), %rdx
    mov     $0x6C16, %eax           /* HOST_RIP */
    vmwrite %rdx, %rax
    cmp     $0, %esi                /* MOVs leave the flags alone */
    mov     0(%rdi), %rax
    mov     8(%rdi), %rcx
    mov     16(%rdi), %rdx
    mov     24(%rdi), %rbx
    mov     40(%rdi), %rbp
    mov     48(%rdi), %rsi
    mov     64(%rdi), %r8
    mov     72(%rdi), %r9
    mov     80(%rdi), %r10
    mov     88(%rdi), %r11
    mov     96(%rdi), %r12
    mov     104(%rdi), %r13
    mov     112(%rdi), %r14
    mov     120(%rdi), %r15
    mov     56(%rdi), %rdi
    jne     2f
    vmresume
    jmp     3f
2:  vmlaunch
3:  pushfq                          /* the entry failed: the guest's x87 and SSE state is as it was loaded */
    pop     %rax
    add     $8, %rsp
    pop     %rdx
    test    %rdx, %rdx
    jz      5f
    fxrstor64 (%rdx)
    jmp     5f
4:  push    %rdi                    /* VM exit: RSP = HOST_RSP */
    mov     8(%rsp), %rdi
    mov     %rax, 0(%rdi)
    mov     %rcx, 8(%rdi)
    mov     %rdx, 16(%rdi)
    mov     %rbx, 24(%rdi)
    mov     %rbp, 40(%rdi)
    mov     %rsi, 48(%rdi)
    pop     %rax
    mov     %rax, 56(%rdi)
    mov     %r8, 64(%rdi)
    mov     %r9, 72(%rdi)
    mov     %r10, 80(%rdi)
    mov     %r11, 88(%rdi)
    mov     %r12, 96(%rdi)
    mov     %r13, 104(%rdi)
    mov     %r14, 112(%rdi)
    mov     %r15, 120(%rdi)
    add     $8, %rsp
    pop     %rdx
    test    %rdx, %rdx
    jz      6f
    fxsave64 512(%rdx)
    fxrstor64 (%rdx)
6:  xor     %eax, %eax
5:  pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbx
    pop     %rbp
    ret

    .section .note.GNU-stack, "", @progbits
