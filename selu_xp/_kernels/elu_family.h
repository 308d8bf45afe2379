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
 * Three evaluations of exp and expm1 share one argument reduction
 * x = k ln2 + r, |r| <= ln2/2, and Taylor polynomials of e^r - 1:
 *
 *   fast      double arithmetic, relative error below 2^-44.  The float32
 *             and float16 results round this double once, and a rounding
 *             test sends every result that may lie within 2^-41 of a
 *             rounding boundary to `exact` (about one in 2^16).
 *   careful   the float64 path: r^2/2, the reduction and the products with
 *             the coefficients are error-free transformations, so the
 *             result before its last rounding is within 2^-56 (at most about
 *             0.6 ulp in all).
 *   exact     double-double throughout, relative error about 2^-100, rounded
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

/* ln2 = SX_LN2_HI + SX_LN2_LO + SX_LN2_LO2; SX_LN2_HI has 32 significant
 * bits, so k * SX_LN2_HI is exact for |k| < 2^21. */
#define SX_LN2_HI 0.6931471803691238
#define SX_LN2_LO 1.9082149292705877e-10
#define SX_LN2_LO2 1.1612227229362532e-26
#define SX_INV_LN2 1.4426950408889634
/* 1.5 * 2^52: adding it rounds to an integer held in the low bits. */
#define SX_SHIFTER 6755399441055744.0
#define SX_SPLITTER 134217729.0 /* 2^27 + 1 */
#define SX_SIGN 0x8000000000000000ULL

/* 1/n!, correctly rounded, n = 3 .. 14. */
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

/* ---- fast: double arithmetic -------------------------------------------- */

/* (e^r - 1 - r - r^2/2) / r^3 = 1/3! + r/4! + ..., from 1/11! down to 1/3!
 * when `q` starts as SX_C11: e^r - 1 within 2^-45 relative. */
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

SX_FN double sx_tail_fast(double r) { return sx_tail_from(r, SX_C11); }

/* The same from 1/14!: to 2^-60 for |r| <= ln2/2. */
SX_FN double sx_tail(double r)
{
    double q = SX_C14;
    q = SX_C13 + r * q;
    q = SX_C12 + r * q;
    return sx_tail_from(r, SX_C11 + r * q);
}

/* e^r - 1 for the reduced argument of x, in double; sets *t = 2^k. */
SX_FN double sx_expm1_reduced_fast(double x, double *t)
{
    double kd;
    sx_i64 k = sx_reduce(x, &kd);
    double r = (x - kd * SX_LN2_HI) - kd * SX_LN2_LO;
    double r2 = r * r;
    *t = sx_pow2(k);
    return r + (0.5 * r2 + r2 * r * sx_tail_fast(r));
}

/* expm1(x) and exp(x) for -190 <= x <= 0 (or NaN), relative error < 2^-44. */
SX_FN double sx_expm1_fast(double x)
{
    double t, p = sx_expm1_reduced_fast(x, &t);
    return t * p + (t - 1.0);
}

SX_FN double sx_exp_fast(double x)
{
    double t, p = sx_expm1_reduced_fast(x, &t);
    return t + t * p;
}

/* The argument of the left branch: x for x <= 0 (NaN too), 0 for x > 0,
 * and `lowest` below it (the result there is the same for every allowed
 * coefficient). */
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

/* The double that float32 and float16 results round: f(x) within 2^-43. */
SX_FN double sx_family_fast(double x, const sx_coef *c)
{
    return sx_family_select(x, c->neg_hi * sx_expm1_fast(sx_left(x, -110.0)), c);
}

SX_FN double sx_derivative_fast(double x, const sx_coef *c)
{
    double y = c->neg_hi * sx_exp_fast(sx_left(x, -130.0));
    return x > 0.0 ? c->pos_hi : y;
}

/* The rounding test: whether every value within a relative 2^-41 of `y`
 * (twenty times the fast evaluation's error) rounds to the same float32 as
 * y does.  If not, a rounding boundary is near and the exact evaluation
 * decides.  Floating-point only, so every vector unit runs it; subnormal
 * results and the overflow threshold need no special case; NaN goes to the
 * exact evaluation, which returns it. */
#define SX_NEAR 4.547473508864641e-13 /* 2^-41 */
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
