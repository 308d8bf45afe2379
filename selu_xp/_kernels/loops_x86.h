/*
 * The contiguous loops at the x86-64 levels: float32 at SSE2, AVX2 and
 * AVX-512, float64 at AVX2 and AVX-512.  lanes_x86.h writes them once over
 * the vector: the operations of sx_family_fast, sx_derivative_fast,
 * sx_family_f64 and sx_derivative_f64 in elu_family.h, in the same order
 * and without FMA, so that every lane computes the same bits as the scalar
 * source.  This file gives each level its primitives in intrinsics: the
 * table lookup is two loads (SSE2), a gather (AVX2) or two in-register
 * permutes (AVX-512, the 32 entries in four zmm registers), which compilers
 * do not choose by themselves for this loop, and AVX-512 compares into its
 * mask registers.
 *
 * A group of lanes whose rounding test fails (about one element in 2^19) is
 * finished one element at a time through the per-element functions.  The
 * inputs come through a block on the stack (SX_BLOCKED), which the outputs
 * never overwrite, so the loops also work in place.
 */
#ifndef SELU_XP_LOOPS_X86_H
#define SELU_XP_LOOPS_X86_H

#include <immintrin.h>

#include "elu_family.h"

#define SX_AVX2 __attribute__((target("avx2")))
#define SX_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw")))

/* The loops read their input through a block on the stack, SX_IN_BLOCK
 * elements at a time: an input and an output at the same offset in their
 * pages (np.empty_like of a large array, or in place) otherwise make the
 * loads wait on the stores before them (the addresses agree in their low 12
 * bits), at 2.5 times the time per element on large arrays.  Arrays apart
 * in their page offsets, and apart in memory, are read directly.  The block
 * loops (sx_block32_*, sx_block64_*) are called only through it: their rare per-element
 * pass reads x after writing y, which the stack copy, or arrays that do not
 * overlap, make safe. */
#define SX_IN_BLOCK 1024
/* Whether n elements of `size` bytes can be read from x and written to y
 * directly: they do not overlap, and their offsets in a page are 256 bytes
 * or more apart. */
static inline int
sx_direct(const void *x, const void *y, npy_intp n, size_t size)
{
    size_t a = (size_t)x, b = (size_t)y, bytes = (size_t)n * size;
    size_t d = (a - b) & 4095;
    return (a >= b + bytes || b >= a + bytes) && d >= 256 && d <= 4096 - 256;
}
#define SX_BLOCKED(T, LOOP, ...)                                              \
    T in[SX_IN_BLOCK];                                                        \
    npy_intp s, m;                                                            \
    if (sx_direct(x, y, n, sizeof(T))) {                                      \
        LOOP(x, y, n, derivative, __VA_ARGS__);                               \
        return;                                                               \
    }                                                                         \
    for (s = 0; s < n; s += SX_IN_BLOCK) {                                    \
        m = n - s < SX_IN_BLOCK ? n - s : SX_IN_BLOCK;                        \
        memcpy(in, x + s, (size_t)m * sizeof(T));                             \
        LOOP(in, y + s, m, derivative, __VA_ARGS__);                          \
    }

/* Elements the contiguous loops sent to the exact evaluation, for the
 * hard-case rate that benchmarks/rounding.py records. */
static long sx_hard_count = 0;

/* The lanes of `hard` (a bit mask) again, through the per-element
 * function: rare, so kept out of line. */
__attribute__((noinline)) static void
sx_fix32(const float *in, float *out, unsigned hard, int derivative,
         const sx_coef *c)
{
    __atomic_fetch_add(&sx_hard_count, __builtin_popcount(hard), __ATOMIC_RELAXED);
    for (; hard; hard &= hard - 1) {
        int lane = __builtin_ctz(hard);
        out[lane] = derivative ? sx_derivative_f32(in[lane], c)
                               : sx_family_f32(in[lane], c);
    }
}

/* ---- the levels' primitives, for lanes_x86.h ---------------------------
 *
 * sx_table: a 32-entry table of doubles as the level reads it, and
 * sx_lookup its entries (index: the low five bits of each lane of ti);
 * sx_clamp: x, or `lowest` below it (NaN stays x); sx_left: the same, with
 * any NaN for NaN (the callers replace it); sx_where(mask, a, b): a in the
 * lanes of the mask, b in the others; sx_differ: the lanes where a and b
 * round to different float32 (or are NaN), as bits; sx_load2 and
 * sx_store2: 2 SX_W float32 as two vectors. */

/* ---- baseline (SSE2): two doubles per vector ---------------------------- */

typedef sx_u64 sx_vu_sse2 __attribute__((vector_size(16)));
typedef struct {
    const double *p;
} sx_table_sse2;

SX_FN sx_table_sse2 sx_table_load_sse2(const double *p)
{
    sx_table_sse2 t = {p};
    return t;
}

SX_FN __m128d sx_lookup_sse2(const sx_table_sse2 *t, sx_vu_sse2 ti)
{
    __m128i i = (__m128i)ti;
    sx_u64 lo = (sx_u64)_mm_cvtsi128_si64(i) & 31;
    sx_u64 hi = (sx_u64)_mm_cvtsi128_si64(_mm_unpackhi_epi64(i, i)) & 31;
    return _mm_set_pd(t->p[hi], t->p[lo]);
}

SX_FN __m128d sx_clamp_sse2(__m128d x, double lowest)
{
    return _mm_max_pd(_mm_set1_pd(lowest), x);
}

SX_FN __m128d sx_where_sse2(sx_vu_sse2 mask, __m128d a, __m128d b)
{
    __m128d m = (__m128d)mask;
    return _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b));
}

SX_FN unsigned sx_differ_sse2(__m128d a, __m128d b)
{
    __m128 differ = _mm_cmpneq_ps(_mm_cvtpd_ps(a), _mm_cvtpd_ps(b));
    return (unsigned)_mm_movemask_ps(differ) & 3u;
}

SX_FN void sx_load2_sse2(const float *p, __m128d *a, __m128d *b)
{
    __m128 in = _mm_loadu_ps(p);
    *a = _mm_cvtps_pd(in);
    *b = _mm_cvtps_pd(_mm_movehl_ps(in, in));
}

SX_FN void sx_store2_sse2(float *p, __m128d a, __m128d b)
{
    _mm_storeu_ps(p, _mm_movelh_ps(_mm_cvtpd_ps(a), _mm_cvtpd_ps(b)));
}

#define SX_V __m128d
#define SX_VU sx_vu_sse2
#define SX_W 2
#define SX_ATTR
#define SX_F64 0
#define SX_KMASK 0
#define SX_L(name) name##_sse2
#include "lanes_x86.h"

/* ---- AVX2: four doubles per vector -------------------------------------- */

typedef sx_u64 sx_vu_avx2 __attribute__((vector_size(32)));
typedef struct {
    const double *p;
} sx_table_avx2;

SX_AVX2 static inline sx_table_avx2
sx_table_load_avx2(const double *p)
{
    sx_table_avx2 t = {p};
    return t;
}

SX_AVX2 static inline __m256d
sx_lookup_avx2(const sx_table_avx2 *t, sx_vu_avx2 ti)
{
    return _mm256_i64gather_pd(t->p, (__m256i)(ti & 31), 8);
}

SX_AVX2 static inline __m256d
sx_clamp_avx2(__m256d x, double lowest)
{
    return _mm256_max_pd(_mm256_set1_pd(lowest), x);
}

SX_AVX2 static inline __m256d
sx_left_avx2(__m256d x, double lowest)
{
    return _mm256_max_pd(x, _mm256_set1_pd(lowest));
}

SX_AVX2 static inline __m256d
sx_where_avx2(sx_vu_avx2 mask, __m256d a, __m256d b)
{
    return _mm256_blendv_pd(b, a, (__m256d)mask);
}

SX_AVX2 static inline unsigned
sx_differ_avx2(__m256d a, __m256d b)
{
    __m128 differ = _mm_cmp_ps(_mm256_cvtpd_ps(a), _mm256_cvtpd_ps(b), _CMP_NEQ_UQ);
    return (unsigned)_mm_movemask_ps(differ);
}

SX_AVX2 static inline void
sx_load2_avx2(const float *p, __m256d *a, __m256d *b)
{
    __m256 in = _mm256_loadu_ps(p);
    *a = _mm256_cvtps_pd(_mm256_castps256_ps128(in));
    *b = _mm256_cvtps_pd(_mm256_extractf128_ps(in, 1));
}

SX_AVX2 static inline void
sx_store2_avx2(float *p, __m256d a, __m256d b)
{
    _mm256_storeu_ps(p, _mm256_set_m128(_mm256_cvtpd_ps(b), _mm256_cvtpd_ps(a)));
}

#define SX_V __m256d
#define SX_VU sx_vu_avx2
#define SX_W 4
#define SX_ATTR SX_AVX2
#define SX_F64 1
#define SX_KMASK 0
#define SX_L(name) name##_avx2
#include "lanes_x86.h"

/* ---- AVX-512: eight doubles per vector ---------------------------------- */

/* A table in four zmm registers, looked up by two in-register permutes and
 * a blend on bit 4 of the index; the comparisons give mask registers. */
typedef sx_u64 sx_vu_avx512 __attribute__((vector_size(64)));
typedef struct {
    __m512d r[4];
} sx_table_avx512;

SX_AVX512 static inline sx_table_avx512
sx_table_load_avx512(const double *p)
{
    sx_table_avx512 t;
    int k;
    for (k = 0; k < 4; k++) {
        t.r[k] = _mm512_loadu_pd(p + 8 * k);
    }
    return t;
}

SX_AVX512 static inline __m512d
sx_lookup_avx512(const sx_table_avx512 *t, sx_vu_avx512 ti)
{
    __m512i i = (__m512i)ti;
    __mmask8 upper = _mm512_test_epi64_mask(i, _mm512_set1_epi64(16));
    return _mm512_mask_blend_pd(upper, _mm512_permutex2var_pd(t->r[0], i, t->r[1]),
                                _mm512_permutex2var_pd(t->r[2], i, t->r[3]));
}

SX_AVX512 static inline __m512d
sx_clamp_avx512(__m512d x, double lowest)
{
    return _mm512_max_pd(_mm512_set1_pd(lowest), x);
}

/* sx_left itself: the smaller of the bits. */
SX_AVX512 static inline __m512d
sx_left_avx512(__m512d x, double lowest)
{
    return _mm512_castsi512_pd(_mm512_min_epu64(
        _mm512_castpd_si512(x), _mm512_set1_epi64((long long)sx_bits(lowest))));
}

SX_AVX512 static inline __mmask8
sx_positive_avx512(__m512d x)
{
    return _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ);
}

SX_AVX512 static inline __mmask8
sx_zero_avx512(__m512d x)
{
    return _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_EQ_OQ);
}

SX_AVX512 static inline __mmask8
sx_nan_avx512(__m512d x)
{
    return _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q);
}

SX_AVX512 static inline __m512d
sx_where_avx512(__mmask8 mask, __m512d a, __m512d b)
{
    return _mm512_mask_blend_pd(mask, b, a);
}

SX_AVX512 static inline unsigned
sx_differ_avx512(__m512d a, __m512d b)
{
    return _mm256_cmp_ps_mask(_mm512_cvtpd_ps(a), _mm512_cvtpd_ps(b), _CMP_NEQ_UQ);
}

SX_AVX512 static inline void
sx_load2_avx512(const float *p, __m512d *a, __m512d *b)
{
    __m512 in = _mm512_loadu_ps(p);
    *a = _mm512_cvtps_pd(_mm512_castps512_ps256(in));
    *b = _mm512_cvtps_pd(
        _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(in), 1)));
}

SX_AVX512 static inline void
sx_store2_avx512(float *p, __m512d a, __m512d b)
{
    _mm256_storeu_ps(p, _mm512_cvtpd_ps(a));
    _mm256_storeu_ps(p + 8, _mm512_cvtpd_ps(b));
}

#define SX_V __m512d
#define SX_VU sx_vu_avx512
#define SX_W 8
#define SX_ATTR SX_AVX512
#define SX_F64 1
#define SX_KMASK 1
#define SX_L(name) name##_avx512
#include "lanes_x86.h"

#endif /* SELU_XP_LOOPS_X86_H */
