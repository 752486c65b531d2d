/* Indirect control flow: a bytecode interpreter whose switch compiles to a jump table, with its machine state in
 * globals beside the code, and calls through a table of function pointers (as event handlers and vtables do). */
#include "suite.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, AND, XOR, SHR, DUP, SWAP, JNZ, JMP, CALLF, HALT };

static int64_t stack[64], vars[8];
static int sp;
static uint64_t dispatched, called;

typedef int64_t (*operation)(int64_t, int64_t);
static int64_t op_add(int64_t a, int64_t b) { return a + b; }
static int64_t op_sub(int64_t a, int64_t b) { return a - b; }
static int64_t op_xor(int64_t a, int64_t b) { return a ^ (b << 3); }
static int64_t op_rot(int64_t a, int64_t b) { return (int64_t)((uint64_t)a << (b & 31) | (uint64_t)a >> (-b & 31)); }
static int64_t op_max(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t op_mix(int64_t a, int64_t b) { return a * 31 + b; }
static operation const table[8] = {op_add, op_sub, op_xor, op_rot, op_max, op_mix, op_add, op_xor};

static int64_t run(const int32_t *code) {
    sp = 0;
    for (int pc = 0;;) {
        dispatched++;
        int32_t op = code[pc++];
        switch (op) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case LOAD: stack[sp++] = vars[code[pc++]]; break;
        case STORE: vars[code[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case SHR: stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> code[pc++]); break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case SWAP: { int64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case JNZ: { int32_t target = code[pc++]; if (stack[--sp] != 0) pc = target; break; }
        case JMP: pc = code[pc]; break;
        case CALLF: sp--; called++; stack[sp - 1] = table[code[pc++] & 7](stack[sp - 1], stack[sp]); break;
        case HALT: return stack[sp - 1];
        }
    }
}

int program_main(void) {
    /* v0 = n; v1 = acc; do { acc = f(acc, n * n) …; } while (--n); */
    static const int32_t program[] = {
        PUSH, 400, STORE, 0, PUSH, 7, STORE, 1,
        /* 8 */ LOAD, 1, LOAD, 0, DUP, MUL, CALLF, 5, LOAD, 0, CALLF, 3, PUSH, 0xFFFFFF, AND,
        LOAD, 0, CALLF, 4, LOAD, 0, XOR, SHR, 1, LOAD, 0, CALLF, 2, STORE, 1,
        LOAD, 0, PUSH, 1, SUB, DUP, STORE, 0, JNZ, 8,
        LOAD, 1, HALT};
    uint64_t total = 0;
    for (int round = 0; round < ROUNDS; round++) {
        vars[2] = round;
        total = total * 7 + (uint64_t)run(program);
        for (int i = 0; i < 64; i++) total += (uint64_t)table[(next_random() >> 5) & 7]((int64_t)total, i);
    }
    put_hex("result", total);
    put_hex("dispatched", dispatched);
    put_hex("called", called);
    return 0;
}
