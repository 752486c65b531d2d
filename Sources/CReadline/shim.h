/* GNU readline, for the interactive console (vmrun console). */
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

/* Readline's cursor and line end, as functions (its globals are not concurrency-safe to touch from Swift). */
static inline int nestvm_rl_point(void) { return rl_point; }
static inline void nestvm_rl_set_point(int point) { rl_point = point; }
static inline int nestvm_rl_end(void) { return rl_end; }
