/*
 * The contiguous float32 loops at the x86-64 levels (SSE2, AVX2, AVX-512),
 * written with intrinsics: the same operations as sx_family_fast and
 * sx_derivative_fast in elu_family.h, in the same order and without FMA, so
 * that every lane computes the same bits as the scalar source.  Written out
 * because the table lookup is two loads (SSE2), a gather (AVX2) or two
 * in-register permutes (AVX-512, the 32 entries in four zmm registers),
 * which compilers do not choose by themselves for this loop.
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
 * loops (sx_block32_*) are called only from here: their rare per-element
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

/* ---- baseline (SSE2): two doubles per vector ---------------------------- */

SX_FN __m128d sx_blend_sse2(__m128d a, __m128d b, __m128d mask)
{
    return _mm_or_pd(_mm_and_pd(mask, b), _mm_andnot_pd(mask, a));
}

/* f(x) for two float32 inputs as doubles, and the rounding test's lanes. */
SX_FN __m128d sx_fast_sse2(__m128d x, int derivative, const sx_coef *c,
                           unsigned *hard)
{
    const __m128d shifter = _mm_set1_pd(SX_SHIFTER), one = _mm_set1_pd(1.0);
    __m128d m = _mm_max_pd(_mm_set1_pd(derivative ? -130.0 : -110.0), x);
    __m128d t = _mm_add_pd(_mm_mul_pd(m, _mm_set1_pd(SX_INV_STEP)), shifter);
    __m128d kd = _mm_sub_pd(t, shifter);
    __m128i ti = _mm_castpd_si128(t);
    __m128d r = _mm_sub_pd(_mm_sub_pd(m, _mm_mul_pd(kd, _mm_set1_pd(SX_STEP_HI))),
                           _mm_mul_pd(kd, _mm_set1_pd(SX_STEP_LO)));
    __m128d q = _mm_add_pd(_mm_set1_pd(SX_FAST_C4),
                           _mm_mul_pd(r, _mm_set1_pd(SX_FAST_C5)));
    __m128d p, s, y, gt;
    __m128i e = _mm_slli_epi64(_mm_andnot_si128(_mm_set1_epi64x(31), ti), 47);
    sx_u64 lo = (sx_u64)_mm_cvtsi128_si64(ti) & 31;
    sx_u64 hi = (sx_u64)_mm_cvtsi128_si64(_mm_unpackhi_epi64(ti, ti)) & 31;
    q = _mm_add_pd(_mm_set1_pd(SX_FAST_C3), _mm_mul_pd(r, q));
    q = _mm_add_pd(_mm_set1_pd(SX_FAST_C2), _mm_mul_pd(r, q));
    p = _mm_mul_pd(r, _mm_add_pd(one, _mm_mul_pd(r, q)));
    s = _mm_castsi128_pd(_mm_add_epi64(
        _mm_castpd_si128(_mm_set_pd(sx_exp2_table[hi], sx_exp2_table[lo])), e));
    gt = _mm_cmpgt_pd(x, _mm_setzero_pd());
    if (derivative) {
        y = _mm_mul_pd(_mm_set1_pd(c->neg_hi), _mm_add_pd(s, _mm_mul_pd(s, p)));
        y = sx_blend_sse2(y, _mm_set1_pd(c->pos_hi), gt);
    }
    else {
        y = _mm_mul_pd(_mm_set1_pd(c->neg_hi),
                       _mm_sub_pd(_mm_mul_pd(s, p), _mm_sub_pd(one, s)));
        y = sx_blend_sse2(y, _mm_mul_pd(_mm_set1_pd(c->pos_hi), x), gt);
    }
    *hard = (unsigned)_mm_movemask_ps(
                _mm_cmpneq_ps(_mm_cvtpd_ps(_mm_mul_pd(y, _mm_set1_pd(1.0 + SX_NEAR))),
                              _mm_cvtpd_ps(_mm_mul_pd(y, _mm_set1_pd(1.0 - SX_NEAR))))) &
            3u;
    return y;
}

SX_FN void sx_block32_sse2(const float *x, float *y, npy_intp n, int derivative,
                          const sx_coef *cp)
{
    const sx_coef cc = *cp, *c = &cc;
    npy_intp i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128 in = _mm_loadu_ps(x + i);
        unsigned h0, h1;
        __m128d a = sx_fast_sse2(_mm_cvtps_pd(in), derivative, c, &h0);
        __m128d b = sx_fast_sse2(_mm_cvtps_pd(_mm_movehl_ps(in, in)), derivative, c, &h1);
        _mm_storeu_ps(y + i, _mm_movelh_ps(_mm_cvtpd_ps(a), _mm_cvtpd_ps(b)));
        if (h0 | h1) {
            sx_fix32(x + i, y + i, h0 | h1 << 2, derivative, c);
        }
    }
    for (; i < n; i++) {
        y[i] = derivative ? sx_derivative_f32(x[i], c) : sx_family_f32(x[i], c);
    }
}

static void
sx_loop32_sse2(const float *x, float *y, npy_intp n, int derivative,
               const sx_coef *c)
{
    SX_BLOCKED(float, sx_block32_sse2, c);
}

/* ---- AVX2: four doubles per vector -------------------------------------- */

/* f(x) for four float32 inputs as doubles, and the rounding test's lanes. */
SX_AVX2 static inline __m256d
sx_fast_avx2(__m256d x, int derivative, const sx_coef *c, unsigned *hard)
{
    const __m256d shifter = _mm256_set1_pd(SX_SHIFTER), one = _mm256_set1_pd(1.0);
    __m256d m = _mm256_max_pd(_mm256_set1_pd(derivative ? -130.0 : -110.0), x);
    __m256d t = _mm256_add_pd(_mm256_mul_pd(m, _mm256_set1_pd(SX_INV_STEP)), shifter);
    __m256d kd = _mm256_sub_pd(t, shifter);
    __m256i ti = _mm256_castpd_si256(t);
    __m256d r = _mm256_sub_pd(
        _mm256_sub_pd(m, _mm256_mul_pd(kd, _mm256_set1_pd(SX_STEP_HI))),
        _mm256_mul_pd(kd, _mm256_set1_pd(SX_STEP_LO)));
    __m256d q = _mm256_add_pd(_mm256_set1_pd(SX_FAST_C4),
                              _mm256_mul_pd(r, _mm256_set1_pd(SX_FAST_C5)));
    __m256d p, s, y, gt, up, down;
    __m256i j = _mm256_and_si256(ti, _mm256_set1_epi64x(31));
    __m256i e = _mm256_slli_epi64(_mm256_andnot_si256(j, ti), 47);
    q = _mm256_add_pd(_mm256_set1_pd(SX_FAST_C3), _mm256_mul_pd(r, q));
    q = _mm256_add_pd(_mm256_set1_pd(SX_FAST_C2), _mm256_mul_pd(r, q));
    p = _mm256_mul_pd(r, _mm256_add_pd(one, _mm256_mul_pd(r, q)));
    s = _mm256_castsi256_pd(_mm256_add_epi64(
        _mm256_castpd_si256(_mm256_i64gather_pd(sx_exp2_table, j, 8)), e));
    gt = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GT_OQ);
    if (derivative) {
        y = _mm256_mul_pd(_mm256_set1_pd(c->neg_hi),
                          _mm256_add_pd(s, _mm256_mul_pd(s, p)));
        y = _mm256_blendv_pd(y, _mm256_set1_pd(c->pos_hi), gt);
    }
    else {
        y = _mm256_mul_pd(_mm256_set1_pd(c->neg_hi),
                          _mm256_sub_pd(_mm256_mul_pd(s, p), _mm256_sub_pd(one, s)));
        y = _mm256_blendv_pd(y, _mm256_mul_pd(_mm256_set1_pd(c->pos_hi), x), gt);
    }
    up = _mm256_mul_pd(y, _mm256_set1_pd(1.0 + SX_NEAR));
    down = _mm256_mul_pd(y, _mm256_set1_pd(1.0 - SX_NEAR));
    *hard = (unsigned)_mm_movemask_ps(
        _mm_cmp_ps(_mm256_cvtpd_ps(up), _mm256_cvtpd_ps(down), _CMP_NEQ_UQ));
    return y;
}

SX_AVX2 static inline void
sx_block32_avx2(const float *x, float *y, npy_intp n, int derivative,
               const sx_coef *cp)
{
    const sx_coef cc = *cp, *c = &cc;
    npy_intp i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 in = _mm256_loadu_ps(x + i);
        unsigned h0, h1;
        __m256d a = sx_fast_avx2(_mm256_cvtps_pd(_mm256_castps256_ps128(in)),
                                 derivative, c, &h0);
        __m256d b = sx_fast_avx2(_mm256_cvtps_pd(_mm256_extractf128_ps(in, 1)),
                                 derivative, c, &h1);
        _mm256_storeu_ps(y + i, _mm256_set_m128(_mm256_cvtpd_ps(b), _mm256_cvtpd_ps(a)));
        if (h0 | h1) {
            sx_fix32(x + i, y + i, h0 | h1 << 4, derivative, c);
        }
    }
    for (; i < n; i++) {
        y[i] = derivative ? sx_derivative_f32(x[i], c) : sx_family_f32(x[i], c);
    }
}

SX_AVX2 static void
sx_loop32_avx2(const float *x, float *y, npy_intp n, int derivative,
               const sx_coef *c)
{
    SX_BLOCKED(float, sx_block32_avx2, c);
}

/* ---- AVX-512: eight doubles per vector ---------------------------------- */

SX_AVX512 static inline __m512d
sx_fast_avx512(__m512d x, int derivative, const sx_coef *c, const __m512d *tab,
               __mmask8 *hard)
{
    const __m512d shifter = _mm512_set1_pd(SX_SHIFTER), one = _mm512_set1_pd(1.0);
    __m512d m = _mm512_max_pd(_mm512_set1_pd(derivative ? -130.0 : -110.0), x);
    __m512d t = _mm512_add_pd(_mm512_mul_pd(m, _mm512_set1_pd(SX_INV_STEP)), shifter);
    __m512d kd = _mm512_sub_pd(t, shifter);
    __m512i ti = _mm512_castpd_si512(t);
    __m512d r = _mm512_sub_pd(
        _mm512_sub_pd(m, _mm512_mul_pd(kd, _mm512_set1_pd(SX_STEP_HI))),
        _mm512_mul_pd(kd, _mm512_set1_pd(SX_STEP_LO)));
    __m512d q = _mm512_add_pd(_mm512_set1_pd(SX_FAST_C4),
                              _mm512_mul_pd(r, _mm512_set1_pd(SX_FAST_C5)));
    __m512d p, s, y, low, high;
    __mmask8 upper = _mm512_test_epi64_mask(ti, _mm512_set1_epi64(16));
    __mmask8 gt = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ);
    __m512i e = _mm512_slli_epi64(_mm512_andnot_si512(_mm512_set1_epi64(31), ti), 47);
    q = _mm512_add_pd(_mm512_set1_pd(SX_FAST_C3), _mm512_mul_pd(r, q));
    q = _mm512_add_pd(_mm512_set1_pd(SX_FAST_C2), _mm512_mul_pd(r, q));
    p = _mm512_mul_pd(r, _mm512_add_pd(one, _mm512_mul_pd(r, q)));
    /* Entries 0-15 or 16-31 by bit 4 of the index, each from two registers
     * by bits 0-3. */
    low = _mm512_permutex2var_pd(tab[0], ti, tab[1]);
    high = _mm512_permutex2var_pd(tab[2], ti, tab[3]);
    s = _mm512_castsi512_pd(_mm512_add_epi64(
        _mm512_castpd_si512(_mm512_mask_blend_pd(upper, low, high)), e));
    if (derivative) {
        y = _mm512_mul_pd(_mm512_set1_pd(c->neg_hi),
                          _mm512_add_pd(s, _mm512_mul_pd(s, p)));
        y = _mm512_mask_blend_pd(gt, y, _mm512_set1_pd(c->pos_hi));
    }
    else {
        y = _mm512_mul_pd(_mm512_set1_pd(c->neg_hi),
                          _mm512_sub_pd(_mm512_mul_pd(s, p), _mm512_sub_pd(one, s)));
        y = _mm512_mask_mul_pd(y, gt, _mm512_set1_pd(c->pos_hi), x);
    }
    *hard = _mm256_cmp_ps_mask(
        _mm512_cvtpd_ps(_mm512_mul_pd(y, _mm512_set1_pd(1.0 + SX_NEAR))),
        _mm512_cvtpd_ps(_mm512_mul_pd(y, _mm512_set1_pd(1.0 - SX_NEAR))),
        _CMP_NEQ_UQ);
    return y;
}

SX_AVX512 static inline void
sx_block32_avx512(const float *x, float *y, npy_intp n, int derivative,
                 const sx_coef *cp)
{
    const sx_coef cc = *cp, *c = &cc;
    __m512d tab[4];
    npy_intp i = 0;
    int k;
    for (k = 0; k < 4; k++) {
        tab[k] = _mm512_loadu_pd(sx_exp2_table + 8 * k);
    }
    for (; i + 16 <= n; i += 16) {
        __m512 in = _mm512_loadu_ps(x + i);
        __mmask8 h0, h1;
        __m512d a = sx_fast_avx512(_mm512_cvtps_pd(_mm512_castps512_ps256(in)),
                                   derivative, c, tab, &h0);
        __m512d b = sx_fast_avx512(
            _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(
                _mm512_castps_pd(in), 1))),
            derivative, c, tab, &h1);
        _mm256_storeu_ps(y + i, _mm512_cvtpd_ps(a));
        _mm256_storeu_ps(y + i + 8, _mm512_cvtpd_ps(b));
        if (h0 | h1) {
            sx_fix32(x + i, y + i, (unsigned)h0 | (unsigned)h1 << 8, derivative, c);
        }
    }
    for (; i < n; i++) {
        y[i] = derivative ? sx_derivative_f32(x[i], c) : sx_family_f32(x[i], c);
    }
}

SX_AVX512 static void
sx_loop32_avx512(const float *x, float *y, npy_intp n, int derivative,
                 const sx_coef *c)
{
    SX_BLOCKED(float, sx_block32_avx512, c);
}

/* ---- AVX-512 float64: eight doubles per vector --------------------------- */

/* The folded table of the float64 path in registers: 32 entries of hi and of
 * lo in four zmm registers each, looked up by two in-register permutes and
 * a blend on bit 4 of the index (as for float32). */
typedef struct {
    __m512d hi[4], lo[4];
    __m512d n1, n2;
} sx_fold512;

SX_AVX512 static inline void
sx_fold512_load(const sx_fold *f, sx_fold512 *v)
{
    int k;
    for (k = 0; k < 4; k++) {
        v->hi[k] = _mm512_loadu_pd(f->hi + 8 * k);
        v->lo[k] = _mm512_loadu_pd(f->lo + 8 * k);
    }
    v->n1 = _mm512_set1_pd(f->n1);
    v->n2 = _mm512_set1_pd(f->n2);
}

SX_AVX512 static inline __m512d
sx_lookup512(const __m512d *tab, __m512i ti)
{
    __mmask8 upper = _mm512_test_epi64_mask(ti, _mm512_set1_epi64(16));
    return _mm512_mask_blend_pd(upper, _mm512_permutex2var_pd(tab[0], ti, tab[1]),
                                _mm512_permutex2var_pd(tab[2], ti, tab[3]));
}

/* sx_left: the smaller of the bits. */
SX_AVX512 static inline __m512d
sx_left512(__m512d x, double lowest)
{
    return _mm512_castsi512_pd(_mm512_min_epu64(
        _mm512_castpd_si512(x), _mm512_set1_epi64((long long)sx_bits(lowest))));
}

/* sx_careful_rest */
SX_AVX512 static inline __m512d
sx_rest512(__m512d r)
{
    __m512d r2 = _mm512_mul_pd(r, r);
    __m512d q = _mm512_add_pd(_mm512_set1_pd(SX_D6),
                              _mm512_mul_pd(r, _mm512_set1_pd(SX_D7)));
    q = _mm512_add_pd(_mm512_set1_pd(SX_D5), _mm512_mul_pd(r, q));
    q = _mm512_add_pd(_mm512_set1_pd(SX_D4), _mm512_mul_pd(r, q));
    q = _mm512_add_pd(_mm512_set1_pd(SX_D3), _mm512_mul_pd(r, q));
    return _mm512_add_pd(_mm512_mul_pd(r2, _mm512_set1_pd(0.5)),
                         _mm512_mul_pd(_mm512_mul_pd(r2, r), q));
}

/* sx_family_f64, operation for operation. */
SX_AVX512 static inline __m512d
sx_family64_avx512(__m512d x, const sx_coef *c, const sx_fold512 *v)
{
    const __m512d shifter = _mm512_set1_pd(SX_SHIFTER), one = _mm512_set1_pd(1.0);
    const __m512i one_bits = _mm512_castpd_si512(one);
    __m512d xs = sx_left512(x, -60.0);
    /* sx_neg_expm1_careful */
    __m512d t = _mm512_add_pd(_mm512_mul_pd(xs, _mm512_set1_pd(SX_INV_STEP)), shifter);
    __m512d kd = _mm512_sub_pd(t, shifter);
    __m512i ti = _mm512_castpd_si512(t);
    __m512d a = _mm512_sub_pd(xs, _mm512_mul_pd(kd, _mm512_set1_pd(SX_STEP_HI)));
    __m512d b = _mm512_mul_pd(kd, _mm512_set1_pd(SX_STEP_LO));
    __m512d rest = sx_rest512(a), p = _mm512_add_pd(a, rest);
    __m512d pl = _mm512_sub_pd(_mm512_sub_pd(rest, _mm512_sub_pd(p, a)),
                               _mm512_mul_pd(b, _mm512_add_pd(one, p)));
    __m512d scale = _mm512_castsi512_pd(_mm512_add_epi64(
        _mm512_slli_epi64(_mm512_andnot_si512(_mm512_set1_epi64(31), ti), 47),
        one_bits));
    __m512d hi = _mm512_mul_pd(sx_lookup512(v->hi, ti), scale);
    __m512d lo = _mm512_mul_pd(sx_lookup512(v->lo, ti), scale);
    __m512d ah = _mm512_sub_pd(hi, v->n1);
    __m512d al = _mm512_sub_pd(hi, _mm512_add_pd(ah, v->n1));
    __m512d cs = _mm512_mul_pd(_mm512_set1_pd(SX_SPLITTER), p);
    __m512d ph = _mm512_sub_pd(cs, _mm512_sub_pd(cs, p));
    __m512d bh = _mm512_mul_pd(hi, ph);
    __m512d ch = _mm512_mul_pd(hi, _mm512_sub_pd(p, ph));
    __m512d fh = _mm512_add_pd(ah, bh);
    __m512d fl = _mm512_sub_pd(bh, _mm512_sub_pd(fh, ah));
    __m512d y = _mm512_add_pd(
        fh, _mm512_add_pd(
                _mm512_add_pd(_mm512_add_pd(fl, ch),
                              _mm512_add_pd(al, _mm512_sub_pd(lo, v->n2))),
                _mm512_add_pd(_mm512_mul_pd(hi, pl), _mm512_mul_pd(lo, p))));
    y = _mm512_mul_pd(y, _mm512_set1_pd(SX_DOWN));
    /* sx_family_select */
    y = _mm512_mask_mul_pd(y, _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ),
                           _mm512_set1_pd(c->pos_hi), x);
    y = _mm512_mask_mul_pd(y, _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_EQ_OQ),
                           _mm512_set1_pd(c->neg_hi), x);
    return _mm512_mask_add_pd(y, _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), x, x);
}

/* sx_derivative_f64, operation for operation. */
SX_AVX512 static inline __m512d
sx_derivative64_avx512(__m512d x, const sx_coef *c, const sx_fold512 *v)
{
    const __m512d shifter = _mm512_set1_pd(SX_SHIFTER), one = _mm512_set1_pd(1.0);
    const __m512i one_bits = _mm512_castpd_si512(one);
    __m512d m = sx_left512(x, -760.0);
    __m512d t = _mm512_add_pd(_mm512_mul_pd(m, _mm512_set1_pd(SX_INV_STEP)), shifter);
    __m512d kd = _mm512_sub_pd(t, shifter);
    __m512i ti = _mm512_castpd_si512(t);
    __m512d r = _mm512_sub_pd(
        _mm512_sub_pd(m, _mm512_mul_pd(kd, _mm512_set1_pd(SX_STEP64_HI))),
        _mm512_mul_pd(kd, _mm512_set1_pd(SX_STEP64_LO)));
    __m512d p = _mm512_add_pd(r, sx_rest512(r));
    __m512d hi = sx_lookup512(v->hi, ti), lo = sx_lookup512(v->lo, ti), y;
    __m512i half = _mm512_slli_epi64(
        _mm512_sub_epi64(_mm512_castpd_si512(_mm512_add_pd(
                             _mm512_mul_pd(kd, _mm512_set1_pd(1.0 / 64.0)), shifter)),
                         _mm512_castpd_si512(shifter)),
        52);
    __m512d e1 = _mm512_castsi512_pd(_mm512_add_epi64(
        _mm512_sub_epi64(
            _mm512_slli_epi64(_mm512_andnot_si512(_mm512_set1_epi64(31), ti), 47),
            half),
        one_bits));
    __m512d e2 = _mm512_castsi512_pd(
        _mm512_add_epi64(half, _mm512_set1_epi64((long long)sx_bits(SX_DOWN))));
    y = _mm512_add_pd(hi, _mm512_add_pd(_mm512_mul_pd(hi, p),
                                        _mm512_mul_pd(lo, _mm512_add_pd(one, p))));
    y = _mm512_mul_pd(_mm512_mul_pd(y, e1), e2);
    y = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ),
                             y, _mm512_set1_pd(c->pos_hi));
    return _mm512_mask_add_pd(y, _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), x, x);
}

SX_AVX512 static inline void
sx_block64_avx512(const double *x, double *y, npy_intp n, int derivative,
                  const sx_coef *cp, const sx_fold *f)
{
    const sx_coef cc = *cp, *c = &cc;
    sx_fold512 v;
    npy_intp i = 0;
    sx_fold512_load(f, &v);
    if (derivative) {
        for (; i + 8 <= n; i += 8) {
            _mm512_storeu_pd(y + i, sx_derivative64_avx512(_mm512_loadu_pd(x + i), c, &v));
        }
    }
    else {
        for (; i + 8 <= n; i += 8) {
            _mm512_storeu_pd(y + i, sx_family64_avx512(_mm512_loadu_pd(x + i), c, &v));
        }
    }
    for (; i < n; i++) {
        y[i] = derivative ? sx_derivative_f64(x[i], f, c) : sx_family_f64(x[i], f, c);
    }
}

SX_AVX512 static void
sx_loop64_avx512(const double *x, double *y, npy_intp n, int derivative,
                 const sx_coef *c, const sx_fold *f)
{
    SX_BLOCKED(double, sx_block64_avx512, c, f);
}

/* ---- AVX2 float64: four doubles per vector ------------------------------- */

SX_AVX2 static inline __m256d
sx_lookup256(const double *tab, __m256i ti)
{
    return _mm256_i64gather_pd(tab, _mm256_and_si256(ti, _mm256_set1_epi64x(31)), 8);
}

/* sx_left for every x but NaN, which the callers replace: x itself, or
 * `lowest` below it. */
SX_AVX2 static inline __m256d
sx_left256(__m256d x, double lowest)
{
    return _mm256_max_pd(x, _mm256_set1_pd(lowest));
}

SX_AVX2 static inline __m256d
sx_rest256(__m256d r)
{
    __m256d r2 = _mm256_mul_pd(r, r);
    __m256d q = _mm256_add_pd(_mm256_set1_pd(SX_D6),
                              _mm256_mul_pd(r, _mm256_set1_pd(SX_D7)));
    q = _mm256_add_pd(_mm256_set1_pd(SX_D5), _mm256_mul_pd(r, q));
    q = _mm256_add_pd(_mm256_set1_pd(SX_D4), _mm256_mul_pd(r, q));
    q = _mm256_add_pd(_mm256_set1_pd(SX_D3), _mm256_mul_pd(r, q));
    return _mm256_add_pd(_mm256_mul_pd(r2, _mm256_set1_pd(0.5)),
                         _mm256_mul_pd(_mm256_mul_pd(r2, r), q));
}

/* pos * x for x > 0, neg * x at 0, x + x for NaN, else y. */
SX_AVX2 static inline __m256d
sx_select256(__m256d x, __m256d y, const sx_coef *c)
{
    const __m256d zero = _mm256_setzero_pd();
    y = _mm256_blendv_pd(y, _mm256_mul_pd(_mm256_set1_pd(c->pos_hi), x),
                         _mm256_cmp_pd(x, zero, _CMP_GT_OQ));
    y = _mm256_blendv_pd(y, _mm256_mul_pd(_mm256_set1_pd(c->neg_hi), x),
                         _mm256_cmp_pd(x, zero, _CMP_EQ_OQ));
    return _mm256_blendv_pd(y, _mm256_add_pd(x, x), _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

SX_AVX2 static inline __m256d
sx_family64_avx2(__m256d x, const sx_coef *c, const sx_fold *f)
{
    const __m256d shifter = _mm256_set1_pd(SX_SHIFTER), one = _mm256_set1_pd(1.0);
    const __m256i one_bits = _mm256_castpd_si256(one);
    const __m256d n1 = _mm256_set1_pd(f->n1);
    __m256d xs = sx_left256(x, -60.0);
    __m256d t = _mm256_add_pd(_mm256_mul_pd(xs, _mm256_set1_pd(SX_INV_STEP)), shifter);
    __m256d kd = _mm256_sub_pd(t, shifter);
    __m256i ti = _mm256_castpd_si256(t);
    __m256d a = _mm256_sub_pd(xs, _mm256_mul_pd(kd, _mm256_set1_pd(SX_STEP_HI)));
    __m256d b = _mm256_mul_pd(kd, _mm256_set1_pd(SX_STEP_LO));
    __m256d rest = sx_rest256(a), p = _mm256_add_pd(a, rest);
    __m256d pl = _mm256_sub_pd(_mm256_sub_pd(rest, _mm256_sub_pd(p, a)),
                               _mm256_mul_pd(b, _mm256_add_pd(one, p)));
    __m256d scale = _mm256_castsi256_pd(_mm256_add_epi64(
        _mm256_slli_epi64(_mm256_andnot_si256(_mm256_set1_epi64x(31), ti), 47),
        one_bits));
    __m256d hi = _mm256_mul_pd(sx_lookup256(f->hi, ti), scale);
    __m256d lo = _mm256_mul_pd(sx_lookup256(f->lo, ti), scale);
    __m256d ah = _mm256_sub_pd(hi, n1);
    __m256d al = _mm256_sub_pd(hi, _mm256_add_pd(ah, n1));
    __m256d cs = _mm256_mul_pd(_mm256_set1_pd(SX_SPLITTER), p);
    __m256d ph = _mm256_sub_pd(cs, _mm256_sub_pd(cs, p));
    __m256d bh = _mm256_mul_pd(hi, ph);
    __m256d ch = _mm256_mul_pd(hi, _mm256_sub_pd(p, ph));
    __m256d fh = _mm256_add_pd(ah, bh);
    __m256d fl = _mm256_sub_pd(bh, _mm256_sub_pd(fh, ah));
    __m256d y = _mm256_add_pd(
        fh, _mm256_add_pd(
                _mm256_add_pd(_mm256_add_pd(fl, ch),
                              _mm256_add_pd(al, _mm256_sub_pd(lo, _mm256_set1_pd(f->n2)))),
                _mm256_add_pd(_mm256_mul_pd(hi, pl), _mm256_mul_pd(lo, p))));
    y = _mm256_mul_pd(y, _mm256_set1_pd(SX_DOWN));
    return sx_select256(x, y, c);
}

SX_AVX2 static inline __m256d
sx_derivative64_avx2(__m256d x, const sx_coef *c, const sx_fold *f)
{
    const __m256d shifter = _mm256_set1_pd(SX_SHIFTER), one = _mm256_set1_pd(1.0);
    const __m256i one_bits = _mm256_castpd_si256(one);
    __m256d m = sx_left256(x, -760.0);
    __m256d t = _mm256_add_pd(_mm256_mul_pd(m, _mm256_set1_pd(SX_INV_STEP)), shifter);
    __m256d kd = _mm256_sub_pd(t, shifter);
    __m256i ti = _mm256_castpd_si256(t);
    __m256d r = _mm256_sub_pd(
        _mm256_sub_pd(m, _mm256_mul_pd(kd, _mm256_set1_pd(SX_STEP64_HI))),
        _mm256_mul_pd(kd, _mm256_set1_pd(SX_STEP64_LO)));
    __m256d p = _mm256_add_pd(r, sx_rest256(r));
    __m256d hi = sx_lookup256(f->hi, ti), lo = sx_lookup256(f->lo, ti), y;
    __m256i half = _mm256_slli_epi64(
        _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(
                             _mm256_mul_pd(kd, _mm256_set1_pd(1.0 / 64.0)), shifter)),
                         _mm256_castpd_si256(shifter)),
        52);
    __m256d e1 = _mm256_castsi256_pd(_mm256_add_epi64(
        _mm256_sub_epi64(
            _mm256_slli_epi64(_mm256_andnot_si256(_mm256_set1_epi64x(31), ti), 47),
            half),
        one_bits));
    __m256d e2 = _mm256_castsi256_pd(
        _mm256_add_epi64(half, _mm256_set1_epi64x((long long)sx_bits(SX_DOWN))));
    y = _mm256_add_pd(hi, _mm256_add_pd(_mm256_mul_pd(hi, p),
                                        _mm256_mul_pd(lo, _mm256_add_pd(one, p))));
    y = _mm256_mul_pd(_mm256_mul_pd(y, e1), e2);
    y = _mm256_blendv_pd(y, _mm256_set1_pd(c->pos_hi),
                         _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GT_OQ));
    return _mm256_blendv_pd(y, _mm256_add_pd(x, x), _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

SX_AVX2 static inline void
sx_block64_avx2(const double *x, double *y, npy_intp n, int derivative,
                const sx_coef *cp, const sx_fold *fp)
{
    const sx_coef cc = *cp, *c = &cc;
    const sx_fold ff = *fp, *f = &ff;
    npy_intp i = 0;
    if (derivative) {
        for (; i + 4 <= n; i += 4) {
            _mm256_storeu_pd(y + i, sx_derivative64_avx2(_mm256_loadu_pd(x + i), c, f));
        }
    }
    else {
        for (; i + 4 <= n; i += 4) {
            _mm256_storeu_pd(y + i, sx_family64_avx2(_mm256_loadu_pd(x + i), c, f));
        }
    }
    for (; i < n; i++) {
        y[i] = derivative ? sx_derivative_f64(x[i], f, c) : sx_family_f64(x[i], f, c);
    }
}

SX_AVX2 static void
sx_loop64_avx2(const double *x, double *y, npy_intp n, int derivative,
               const sx_coef *c, const sx_fold *f)
{
    SX_BLOCKED(double, sx_block64_avx2, c, f);
}

#endif /* SELU_XP_LOOPS_X86_H */
