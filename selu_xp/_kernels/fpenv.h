/*
 * The floating-point environment the loops compute in.
 *
 * The kernel's proofs assume IEEE double with round-to-nearest and
 * subnormals kept.  A caller's thread may hold another environment: XLA's
 * and TensorFlow's threads set flush-to-zero and denormals-are-zero, a
 * library built with -ffast-math sets them process-wide when it loads, and
 * fesetround changes the rounding mode (the shifter-based reductions of
 * elu_family.h depend on round-to-nearest).  So every run of a loop, on the
 * caller's thread and on each worker, sets the default environment and
 * restores the thread's own afterwards, its exception flags included: the
 * result is the same bits under any environment, and the flags the caller
 * sees are the ones it had.
 */
#ifndef SELU_XP_FPENV_H
#define SELU_XP_FPENV_H

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>

/* MXCSR: every exception masked, round to nearest, FTZ and DAZ off, no
 * flags (a few cycles to read and write, against the tens of a full
 * fegetenv/fesetenv, which also touch the x87 unit the loops do not use). */
#define SX_MXCSR_DEFAULT 0x1f80u
typedef unsigned int sx_fpenv;

static inline sx_fpenv
sx_fpenv_enter(void)
{
    sx_fpenv saved = _mm_getcsr();
    if (saved != SX_MXCSR_DEFAULT) {
        _mm_setcsr(SX_MXCSR_DEFAULT);
    }
    return saved;
}

static inline void
sx_fpenv_leave(sx_fpenv saved)
{
    _mm_setcsr(saved);
}
#else
#include <fenv.h>

typedef fenv_t sx_fpenv;

static inline sx_fpenv
sx_fpenv_enter(void)
{
    sx_fpenv saved;
    fegetenv(&saved);
    fesetenv(FE_DFL_ENV);
    return saved;
}

static inline void
sx_fpenv_leave(sx_fpenv saved)
{
    fesetenv(&saved);
}
#endif

#endif /* SELU_XP_FPENV_H */
