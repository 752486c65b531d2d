/* GNU readline, for the interactive console (vmrun console). */
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

/* Readline's cursor and line end, as functions (its globals are not concurrency-safe to touch from Swift). */
static inline int nestvm_rl_point(void) { return rl_point; }
static inline void nestvm_rl_set_point(int point) { rl_point = point; }
static inline int nestvm_rl_end(void) { return rl_end; }

/* Ctrl-C in the console: readline's own signal handling is off (in callback mode it would only redraw), and
   SIGINT sets a flag the console loop reads, so that the console ends cleanly with the terminal restored. */
#include <signal.h>
static volatile sig_atomic_t nestvm_interrupted = 0;
static void nestvm_on_interrupt(int signal_number) { (void)signal_number; nestvm_interrupted = 1; }
static inline void nestvm_catch_interrupt(void) {
    rl_catch_signals = 0;
    signal(SIGINT, nestvm_on_interrupt);
    /* A starting process may have left SIGINT blocked (the mask is inherited): Ctrl-C must reach the console. */
    sigset_t interrupt;
    sigemptyset(&interrupt);
    sigaddset(&interrupt, SIGINT);
    sigprocmask(SIG_UNBLOCK, &interrupt, NULL);
}
static inline int nestvm_was_interrupted(void) { return nestvm_interrupted; }
