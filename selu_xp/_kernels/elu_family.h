/*
 * The ELU family, one scalar source for every compiled target.
 *
 *     f(x)  = pos * x          for x > 0      f'(x) = pos          for x > 0
 *             neg * expm1(x)   for x <= 0             neg * exp(x)  for x <= 0
 *
 * selu is pos = scale, neg = scale * alpha; elu is pos = 1, neg = alpha.  The
 * coefficients come as double-doubles (hi + lo), so that the default SELU
 * computes with the paper's constants, not with their rounded doubles.
 *
 * The same text is compiled into NumPy's ufunc loops (C, at every x86-64
 * dispatch level) and into CuPy's elementwise kernels (CUDA C++), so it uses
 * plain arithmetic only: no libm call, no global state, no FMA (every target
 * builds with contraction off), IEEE double in round-to-nearest.  Every target
 * therefore gives the same bits.
 *
 * Three evaluations of exp and expm1:
 *
 *   fast      x = k ln2/32 + r, a table of 2^(j/32) and a degree-5 minimax
 *             polynomial in double, relative error below 2^-45.2 (proved
 *             at sx_family_fast).  The float32 and float16 results round
 *             this double once, and a rounding test sends every result that
 *             may lie within 2^-44 of a rounding boundary to `exact`.
 *   careful   the float64 path, x = k ln2 + r, |r| <= ln2/2, and a Taylor
 *             polynomial: r^2/2, the reduction and the products with
 *             the coefficients are error-free transformations, so the
 *             result before its last rounding is within 2^-56 (at most about
 *             0.6 ulp in all).
 *   exact     the same reduction, double-double throughout, relative error about 2^-100, rounded
 *             to odd in double and then to float32 or float16: correctly
 *             rounded unless the true value lies within 2^-100 of a midpoint.
 *
 * Special values: f(-0.0) = -0.0 (for neg > 0), f(+inf) = +inf (pos > 0),
 * f(-inf) = -neg, NaN stays NaN.  Inputs below the clamps (-110, -130, -60,
 * -760) give the same result as the clamp, which is the correctly rounded
 * value for every coefficient the callers allow (2^-20 <= |neg| <= 2^20).
 */
#ifndef SELU_XP_ELU_FAMILY_H
#define SELU_XP_ELU_FAMILY_H

#if defined(__CUDACC__) || defined(__CUDACC_RTC__) || defined(__HIPCC__)
#define SX_FN __device__ static inline
typedef unsigned long long sx_u64;
typedef long long sx_i64;
SX_FN sx_u64 sx_bits(double d) { return (sx_u64)__double_as_longlong(d); }
SX_FN double sx_double(sx_u64 u) { return __longlong_as_double((sx_i64)u); }
#else
#include <stdint.h>
#include <string.h>
#define SX_FN static inline
typedef uint64_t sx_u64;
typedef int64_t sx_i64;
SX_FN sx_u64 sx_bits(double d) { sx_u64 u; memcpy(&u, &d, sizeof u); return u; }
SX_FN double sx_double(sx_u64 u) { double d; memcpy(&d, &u, sizeof d); return d; }
#endif

/* 1.5 * 2^52: adding it rounds to an integer held in the low bits. */
#define SX_SHIFTER 6755399441055744.0
#define SX_SPLITTER 134217729.0 /* 2^27 + 1 */
#define SX_SIGN 0x8000000000000000ULL

/* The numeric constants, each derived by derive.py beside this file: ln2 =
 * SX_LN2_HI + SX_LN2_LO + SX_LN2_LO2 (SX_LN2_HI has 32 significant bits, so
 * k * SX_LN2_HI is exact for |k| < 2^21); ln2/32 = SX_STEP_HI + SX_STEP_LO
 * (SX_STEP_HI has 40 bits, so k * SX_STEP_HI is exact for |k| < 2^13); the
 * fast polynomial; 1/n!; the table 2^(j/32); and the rounding test's width,
 * twice the fast evaluation's error bound (proved below) rounded up to a
 * power of two. */
#if defined(__CUDACC__) || defined(__CUDACC_RTC__) || defined(__HIPCC__)
#define SX_TABLE __device__ static const
#else
#define SX_TABLE static const
#endif
/* ---- BEGIN DERIVED CONSTANTS (python -m selu_xp._kernels.derive) ---- */
#define SX_LN2_HI 0.6931471803691238
#define SX_LN2_LO 1.9082149292705877e-10
#define SX_LN2_LO2 1.1612227229362532e-26
#define SX_INV_LN2 1.4426950408889634
#define SX_STEP_HI 0.021660849392475257
#define SX_STEP_LO 2.303438301614937e-14
#define SX_INV_STEP 46.16624130844683
/* e^r - 1 = r (1 + r (C2 + r (C3 + r (C4 + r C5)))) on |r| <= 0.0108305: relative
 * error of the rounded coefficients (exact arithmetic) 1.3e-14 = 2^-46.13. */
#define SX_FAST_C2 0.49999999999400957
#define SX_FAST_C3 0.1666666666640997
#define SX_FAST_C4 0.041666870628070035
#define SX_FAST_C5 0.008333391602685411
/* The fast evaluation's relative error is below 2.44e-14 = 2^-45.22. */
#define SX_NEAR 5.684341886080802e-14
/* 1/n!, correctly rounded. */
#define SX_C3 0.16666666666666666
#define SX_C4 0.041666666666666664
#define SX_C5 0.008333333333333333
#define SX_C6 0.001388888888888889
#define SX_C7 0.0001984126984126984
#define SX_C8 2.48015873015873e-05
#define SX_C9 2.7557319223985893e-06
#define SX_C10 2.755731922398589e-07
#define SX_C11 2.505210838544172e-08
#define SX_C12 2.08767569878681e-09
#define SX_C13 1.6059043836821613e-10
#define SX_C14 1.1470745597729725e-11
/* 2^(j/32), rounded to nearest. */
SX_TABLE double sx_exp2_table[32] = {
    1.0, 1.0218971486541166, 1.0442737824274138,
    1.0671404006768237, 1.0905077326652577, 1.1143867425958924,
    1.1387886347566916, 1.1637248587775775, 1.189207115002721,
    1.215247359980469, 1.241857812073484, 1.2690509571917332,
    1.2968395546510096, 1.3252366431597413, 1.3542555469368927,
    1.383909881963832, 1.4142135623730951, 1.4451808069770467,
    1.4768261459394993, 1.5091644275934228, 1.5422108254079407,
    1.5759808451078865, 1.6104903319492543, 1.645755478153965,
    1.681792830507429, 1.718619298122478, 1.7562521603732995,
    1.7947090750031072, 1.8340080864093424, 1.8741676341103,
    1.9152065613971474, 1.9571441241754002,
};
/* ---- END DERIVED CONSTANTS ---- */

typedef struct {
    double pos_hi, pos_lo, neg_hi, neg_lo;
} sx_coef;

typedef struct {
    double hi, lo;
} sx_dd;

/* ---- error-free transformations (no FMA) -------------------------------- */

SX_FN sx_dd sx_fast_two_sum(double a, double b) /* |a| >= |b| or a == 0 */
{
    sx_dd r;
    r.hi = a + b;
    r.lo = b - (r.hi - a);
    return r;
}

SX_FN sx_dd sx_two_sum(double a, double b)
{
    sx_dd r;
    double bb;
    r.hi = a + b;
    bb = r.hi - a;
    r.lo = (a - (r.hi - bb)) + (b - bb);
    return r;
}

SX_FN sx_dd sx_split(double a) /* a = hi + lo, 26 bits each (|a| < 2^995) */
{
    sx_dd r;
    double c = SX_SPLITTER * a;
    r.hi = c - (c - a);
    r.lo = a - r.hi;
    return r;
}

SX_FN sx_dd sx_two_prod(double a, double b) /* Dekker's product */
{
    sx_dd r, sa = sx_split(a), sb = sx_split(b);
    r.hi = a * b;
    r.lo = ((sa.hi * sb.hi - r.hi) + sa.hi * sb.lo + sa.lo * sb.hi) + sa.lo * sb.lo;
    return r;
}

SX_FN sx_dd sx_dd_mul(sx_dd a, sx_dd b)
{
    sx_dd p = sx_two_prod(a.hi, b.hi);
    return sx_fast_two_sum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

SX_FN sx_dd sx_dd_add(sx_dd a, sx_dd b)
{
    sx_dd s = sx_two_sum(a.hi, b.hi);
    return sx_fast_two_sum(s.hi, s.lo + (a.lo + b.lo));
}

SX_FN sx_dd sx_dd_div_int(sx_dd a, double n) /* n a small integer */
{
    double q = a.hi / n;
    sx_dd p = sx_two_prod(q, n);
    return sx_fast_two_sum(q, (((a.hi - p.hi) - p.lo) + a.lo) / n);
}

/* 2^k for -1022 <= k <= 1023. */
SX_FN double sx_pow2(sx_i64 k) { return sx_double((sx_u64)(k + 1023) << 52); }

/* ---- argument reduction ------------------------------------------------- */

/* x = k ln2 + r with |r| <= ln2/2 (a little more near the half-way points);
 * returns k and sets *kd to k as a double.  NaN gives a meaningless k and
 * leaves the NaN to the polynomial. */
SX_FN sx_i64 sx_reduce(double x, double *kd)
{
    double t = x * SX_INV_LN2 + SX_SHIFTER;
    *kd = t - SX_SHIFTER;
    return (sx_i64)(sx_bits(t) - sx_bits(SX_SHIFTER));
}

/* ---- fast: double arithmetic, one table -------------------------------- */

/* The Taylor tail of the careful and exact evaluations:
 * (e^r - 1 - r - r^2/2) / r^3 = 1/3! + r/4! + ..., from `q` (1/11!, or the
 * higher terms already summed) down to 1/3!. */
SX_FN double sx_tail_from(double r, double q)
{
    q = SX_C10 + r * q;
    q = SX_C9 + r * q;
    q = SX_C8 + r * q;
    q = SX_C7 + r * q;
    q = SX_C6 + r * q;
    q = SX_C5 + r * q;
    q = SX_C4 + r * q;
    return SX_C3 + r * q;
}

/* e^x = s (1 + p) for -190 <= x <= 0 (or NaN): returns p and sets *s.
 *
 * x = k ln2/32 + r with k the integer nearest x 32/ln2 (the shifter adds it
 * to the low bits of t), k = 32 m + j, s = 2^m 2^(j/32) and p = e^r - 1 from
 * the polynomial.  Nothing is converted between integers and doubles: j is
 * the low five bits of t, and the bits of t above them, shifted into the
 * exponent field, add m to the table entry's exponent (|m| < 2^11; the
 * result stays normal for x >= -190).  Every step is an operation that every
 * vector unit has; a large positive x gives a meaningless p and s, which the
 * callers never select. */
SX_FN double sx_exp_table(double x, double *s)
{
    double t = x * SX_INV_STEP + SX_SHIFTER;
    double kd = t - SX_SHIFTER;
    sx_u64 ti = sx_bits(t);
    double r = (x - kd * SX_STEP_HI) - kd * SX_STEP_LO;
    double q = SX_FAST_C4 + r * SX_FAST_C5;
    q = SX_FAST_C3 + r * q;
    q = SX_FAST_C2 + r * q;
    *s = sx_double(sx_bits(sx_exp2_table[ti & 31]) + ((ti & ~31ULL) << 47));
    return r * (1.0 + r * q);
}

/* The double that float32 and float16 results round: f(x) within
 * 2^-45.2 relative (the proof below).
 *
 * expm1(x) = s p - (1 - s): for x = -0 this is -0 (r = -0, p = -0, s = 1),
 * so the product with neg is the signed zero neg * x with no select.
 *
 * The error bound, for -110 <= x <= 0 (u = 2^-53, h = 0.0108305 >= |r|):
 *  - the reduction: k |ln2/32| < 2^-4 ... 130, so k * SX_STEP_HI is exact
 *    (|k| < 2^13, 40-bit SX_STEP_HI) and x - k SX_STEP_HI is exact (Sterbenz:
 *    the two are within a factor of 2, or k = 0); subtracting k SX_STEP_LO
 *    rounds once, so r = r* (1 + d), |d| <= u, plus below 2^-85 from the
 *    product and the tail of ln2/32.  That moves e^r by h u relative.
 *  - the table: the entry is 2^(j/32) (1 + d), |d| <= u; scaling by 2^m is
 *    exact.
 *  - the polynomial: relative error 2^-46.13 (derive.py measures the
 *    rounded coefficients), and the evaluation rounds 1 + r q and r (1 + r q)
 *    once each, with the rest damped by |r q| < h: below 3u more.
 *  - s p rounds once (|s p| <= h (1 + h)); 1 - s is exact for s >= 1/2 and
 *    within u/2 below, where |e^x - 1| > 1/2 hides it.
 *  So the computed s p - (1 - s) is within u + 2 h u (1 + h) + h (1 + h)
 *  (2^-46.13 + 3u) of e^x - 1 absolute.  For k = 0 the result is p alone,
 *  relative error 2^-46.13 + 3u; for k != 0, |e^x - 1| >= 0.010772, so
 *  relative error at most that sum divided by 0.010772, plus u for the
 *  subtraction's rounding.  The product with neg_hi (within u of neg) rounds
 *  once more.  derive.py adds the terms: below 2^-45.22 in all.  The
 *  derivative's s + s p has no cancellation and a smaller bound. */
SX_FN double sx_family_fast(double x, const sx_coef *c)
{
    double s, p = sx_exp_table(x < -110.0 ? -110.0 : x, &s);
    double left = c->neg_hi * (s * p - (1.0 - s));
    return x > 0.0 ? c->pos_hi * x : left;
}

SX_FN double sx_derivative_fast(double x, const sx_coef *c)
{
    double s, p = sx_exp_table(x < -130.0 ? -130.0 : x, &s);
    double y = c->neg_hi * (s + s * p);
    return x > 0.0 ? c->pos_hi : y;
}

/* The argument of the careful evaluations: x for x <= 0 (NaN too), 0 for
 * x > 0, and `lowest` below it (the result there is the same for every
 * allowed coefficient). */
SX_FN double sx_left(double x, double lowest)
{
    double m = x > 0.0 ? 0.0 : x;
    return m < lowest ? lowest : m;
}

/* pos * x for x > 0, the signed zero neg * x at 0, else `left`. */
SX_FN double sx_family_select(double x, double left, const sx_coef *c)
{
    double y = x > 0.0 ? c->pos_hi * x : left;
    return x == 0.0 ? c->neg_hi * x : y;
}

/* The rounding test: whether every value within a relative SX_NEAR of `y`
 * (twice the fast evaluation's error bound) rounds to the same float32 as
 * y does.  If not, a rounding boundary is near and the exact evaluation
 * decides.  Floating-point only, so every vector unit runs it; subnormal
 * results and the overflow threshold need no special case; NaN goes to the
 * exact evaluation, which returns it. */
SX_FN int sx_hard_f32(double y)
{
    return (float)(y * (1.0 + SX_NEAR)) != (float)(y * (1.0 - SX_NEAR));
}

/* The same for float16, on the bits: 42 below its last place, and any
 * subnormal result (below 2^-14). */
SX_FN int sx_hard_f16(double y)
{
    sx_u64 a = sx_bits(y) & ~SX_SIGN;
    sx_u64 low = a & 0x3ffffffffffULL;
    int near = (low - (0x20000000000ULL - (1ULL << 14))) <= (1ULL << 15);
    int tiny = (a - 1) < (0x3f10000000000000ULL - 1);
    return near | tiny;
}

/* ---- careful: the float64 path ------------------------------------------ */

/* The Taylor tail from 1/14!: to 2^-60 for |r| <= ln2/2. */
SX_FN double sx_tail(double r)
{
    double q = SX_C14;
    q = SX_C13 + r * q;
    q = SX_C12 + r * q;
    return sx_tail_from(r, SX_C11 + r * q);
}

/* e^r - 1 for the reduced argument of x, as hi + lo within 2^-56 of it
 * relative (and 2^-58 absolute); sets *k and *kd. */
SX_FN sx_dd sx_expm1_reduced(double x, sx_i64 *k, double *kd)
{
    double r3;
    sx_dd r, s, p;
    *k = sx_reduce(x, kd);
    r = sx_two_sum(x - *kd * SX_LN2_HI, -(*kd * SX_LN2_LO));
    s = sx_two_prod(r.hi, r.hi);
    r3 = s.hi * r.hi;
    p = sx_fast_two_sum(r.hi, 0.5 * s.hi);
    p.lo += 0.5 * s.lo + (r3 * sx_tail(r.hi) + r.lo * (1.0 + r.hi));
    return p;
}

/* neg * expm1(x), -60 <= x <= 0 (or NaN), within 0.5 ulp + 2^-56. */
SX_FN double sx_neg_expm1_careful(double x, const sx_coef *c)
{
    sx_i64 k;
    double kd;
    sx_dd p = sx_expm1_reduced(x, &k, &kd), s, prod;
    double t = sx_pow2(k);
    /* 2^k (1 + p) - 1 = (2^k - 1) + 2^k p; 2^k - 1 is exact for k >= -53
     * and within 2^-60 of -1 below. */
    s = sx_fast_two_sum(t - 1.0, t * p.hi);
    s.lo += t * p.lo;
    prod = sx_two_prod(c->neg_hi, s.hi);
    return prod.hi + (prod.lo + (c->neg_hi * s.lo + c->neg_lo * s.hi));
}

/* neg * exp(x), -760 <= x <= 0 (or NaN). */
SX_FN double sx_neg_exp_careful(double x, const sx_coef *c)
{
    sx_i64 k, k2;
    double kd, t1;
    sx_dd p = sx_expm1_reduced(x, &k, &kd), e, prod;
    /* 2^k in two factors, both normal: k2 = k/2 rounded to nearest (with
     * the shifter, which every vector unit has), so the first factor makes
     * |e| <= 1 and the product with neg can neither overflow nor round. */
    k2 = (sx_i64)(sx_bits(kd * 0.5 + SX_SHIFTER) - sx_bits(SX_SHIFTER));
    t1 = sx_pow2(k - k2);
    e = sx_fast_two_sum(1.0, p.hi);
    e.hi *= t1;
    e.lo = (e.lo + p.lo) * t1;
    prod = sx_two_prod(c->neg_hi, e.hi);
    return (prod.hi + (prod.lo + (c->neg_hi * e.lo + c->neg_lo * e.hi))) *
           sx_pow2(k2);
}

SX_FN double sx_family_f64(double x, const sx_coef *c)
{
    return sx_family_select(x, sx_neg_expm1_careful(sx_left(x, -60.0), c), c);
}

SX_FN double sx_derivative_f64(double x, const sx_coef *c)
{
    double y = sx_neg_exp_careful(sx_left(x, -760.0), c);
    return x > 0.0 ? c->pos_hi : y;
}

/* ---- exact: double-double, for results close to a rounding boundary ----- */

/* e^r - 1 with r = x - k ln2 as a double-double, for x in [-190, 0]. */
SX_FN sx_dd sx_expm1_reduced_dd(double x, sx_i64 *k)
{
    double kd;
    sx_dd r, b, q, one = {1.0, 0.0};
    int n;
    *k = sx_reduce(x, &kd);
    b = sx_two_prod(kd, SX_LN2_LO);
    r = sx_two_sum(x - kd * SX_LN2_HI, -b.hi);
    r = sx_fast_two_sum(r.hi, r.lo - (b.lo + kd * SX_LN2_LO2));
    /* e^r - 1 = r (1 + r/2 (1 + r/3 (1 + ...))), 24 terms: 2^-110. */
    q = one;
    for (n = 24; n >= 2; n--) {
        q = sx_dd_add(one, sx_dd_div_int(sx_dd_mul(r, q), (double)n));
    }
    return sx_dd_mul(r, q);
}

SX_FN sx_dd sx_coef_dd(double hi, double lo)
{
    sx_dd r;
    r.hi = hi;
    r.lo = lo;
    return r;
}

/* The double that rounds, in any narrower format, as hi + lo does: hi + lo
 * rounded to odd (hi + lo normalized, and 2 or more bits narrower). */
SX_FN double sx_round_to_odd(sx_dd v)
{
    sx_u64 u = sx_bits(v.hi);
    if (v.lo != 0.0) {
        if ((v.lo > 0.0) != (v.hi > 0.0)) {
            u -= 1; /* one step toward zero */
        }
        u |= 1;
    }
    return sx_double(u);
}

/* f(x) as a double-double within 2^-100, x a float32 or float16 value. */
SX_FN double sx_family_exact(double x, const sx_coef *c)
{
    sx_i64 k;
    sx_dd p, t, e;
    double m;
    if (x > 0.0) {
        p = sx_two_prod(c->pos_hi, x);
        return sx_round_to_odd(sx_fast_two_sum(p.hi, p.lo + c->pos_lo * x));
    }
    if (!(x < 0.0)) {
        return x == 0.0 ? c->neg_hi * x : x + x; /* zeros and NaN */
    }
    m = x < -110.0 ? -110.0 : x;
    p = sx_expm1_reduced_dd(m, &k);
    /* (2^k - 1) + 2^k p, each part exact. */
    t = sx_two_sum(-1.0, sx_pow2(k));
    e = sx_dd_add(t, sx_coef_dd(sx_pow2(k) * p.hi, sx_pow2(k) * p.lo));
    return sx_round_to_odd(sx_dd_mul(sx_coef_dd(c->neg_hi, c->neg_lo), e));
}

SX_FN double sx_derivative_exact(double x, const sx_coef *c)
{
    sx_i64 k;
    sx_dd p, e;
    double t;
    if (x > 0.0) {
        return sx_round_to_odd(sx_coef_dd(c->pos_hi, c->pos_lo));
    }
    if (x != x) {
        return x + x;
    }
    p = sx_expm1_reduced_dd(x < -130.0 ? -130.0 : x, &k);
    t = sx_pow2(k);
    e = sx_fast_two_sum(1.0, p.hi);
    e.lo += p.lo;
    e = sx_fast_two_sum(e.hi * t, e.lo * t);
    return sx_round_to_odd(sx_dd_mul(sx_coef_dd(c->neg_hi, c->neg_lo), e));
}

/* ---- per-element results ------------------------------------------------ */

SX_FN float sx_family_f32(float x, const sx_coef *c)
{
    double y = sx_family_fast((double)x, c);
    return sx_hard_f32(y) ? (float)sx_family_exact((double)x, c) : (float)y;
}

SX_FN float sx_derivative_f32(float x, const sx_coef *c)
{
    double y = sx_derivative_fast((double)x, c);
    return sx_hard_f32(y) ? (float)sx_derivative_exact((double)x, c) : (float)y;
}

#endif /* SELU_XP_ELU_FAMILY_H */
