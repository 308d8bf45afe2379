/*
 * The ELU family, one scalar source for every compiled target.
 *
 *     f(x)  = pos * x          for x > 0      f'(x) = pos          for x > 0
 *             neg * expm1(x)   for x <= 0             neg * exp(x)  for x <= 0
 *
 * selu is pos = scale, neg = scale * alpha; elu is pos = 1, neg = alpha.  The
 * coefficients come as double-doubles (hi + lo), so that the default SELU
 * computes with the paper's constants, not with their rounded doubles
 * (selu_xp/_kernels/coefficients.py makes them).
 *
 * The same text is compiled into NumPy's ufunc loops (C, at every x86-64
 * dispatch level) and into CuPy's elementwise kernels (CUDA C++), so it uses
 * plain arithmetic only: no libm call, no global state, no FMA (every target
 * builds with contraction off), IEEE double in round-to-nearest.  Every target
 * therefore gives the same bits.  Each element type's function is here:
 * sx_family_f64 and sx_derivative_f64 (the careful path), sx_family_f32
 * and sx_derivative_f32, and sx_narrow for float16 and bfloat16, which
 * travel as their bits (sx_family_f16 and sx_derivative_f16).
 *
 * Three evaluations of exp and expm1:
 *
 *   fast      x = k ln2/32 + r, a table of 2^(j/32) and a degree-5 minimax
 *             polynomial in double, relative error below 2^-45.2 (proved
 *             at sx_family_fast).  The float32 and float16 results round
 *             this double once, and a rounding test sends every result that
 *             may lie within 2^-44 of a rounding boundary to `exact`.
 *   careful   the float64 path, the same reduction and table, a degree-7
 *             minimax polynomial, and the coefficient folded into the
 *             table (neg 2^(j/32) in 26 + 53 bits), so that the products
 *             and sums that can cancel are exact: within 2^-57.9 before
 *             the last rounding (at most 0.54 ulp in all; proved at
 *             sx_neg_expm1_careful).
 *   exact     x = k ln2 + r, double-double throughout, relative error about 2^-100, rounded
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
#define SX_DEVICE 1
typedef unsigned long long sx_u64;
typedef long long sx_i64;
typedef unsigned int sx_u32;
typedef unsigned short sx_u16;
SX_FN sx_u64 sx_bits(double d) { return (sx_u64)__double_as_longlong(d); }
SX_FN double sx_double(sx_u64 u) { return __longlong_as_double((sx_i64)u); }
SX_FN float sx_float(sx_u32 u) { return __uint_as_float(u); }
#else
#include <stdint.h>
#include <string.h>
#define SX_FN static inline
#define SX_DEVICE 0
typedef uint64_t sx_u64;
typedef int64_t sx_i64;
typedef uint32_t sx_u32;
typedef uint16_t sx_u16;
SX_FN sx_u64 sx_bits(double d) { sx_u64 u; memcpy(&u, &d, sizeof u); return u; }
SX_FN double sx_double(sx_u64 u) { double d; memcpy(&d, &u, sizeof d); return d; }
SX_FN float sx_float(sx_u32 u) { float f; memcpy(&f, &u, sizeof f); return f; }
#endif

/* 1.5 * 2^52: adding it rounds to an integer held in the low bits. */
#define SX_SHIFTER 6755399441055744.0
#define SX_SPLITTER 134217729.0 /* 2^27 + 1 */
#define SX_SIGN 0x8000000000000000ULL
#define SX_UP 0x1p200 /* the float64 path's scale (sx_fold) */
#define SX_DOWN 0x1p-200

/* The numeric constants, each derived by derive.py beside this file: ln2 =
 * SX_LN2_HI + SX_LN2_LO + SX_LN2_LO2 (SX_LN2_HI has 32 significant bits, so
 * k * SX_LN2_HI is exact for |k| < 2^21); ln2/32 = SX_STEP_HI + SX_STEP_LO
 * (SX_STEP_HI has 40 bits, so k * SX_STEP_HI is exact for |k| < 2^13) and
 * SX_STEP64_HI + SX_STEP64_LO (37 bits, |k| < 2^16); the fast and the
 * careful polynomials; the table 2^(j/32) with its low parts; the rounding
 * test's width, twice the fast evaluation's error bound (proved below)
 * rounded up to a power of two; and the careful evaluations' bounds. */
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
#define SX_STEP64_HI 0.021660849392446835
#define SX_STEP64_LO 5.145609244655338e-14
/* e^r - 1 = r (1 + r (C2 + r (C3 + r (C4 + r C5)))) on |r| <= 0.0108305: relative
 * error of the rounded coefficients (exact arithmetic) 1.3e-14 = 2^-46.13. */
#define SX_FAST_C2 0.49999999999400957
#define SX_FAST_C3 0.1666666666640997
#define SX_FAST_C4 0.041666870628070035
#define SX_FAST_C5 0.008333391602685411
/* The fast evaluation's relative error is below 2.44e-14 = 2^-45.22. */
#define SX_NEAR 5.684341886080802e-14
/* e^r - 1 = r + r^2/2 + r^3 (D3 + r (D4 + r (D5 + r (D6 + r D7)))) on |r| <= 0.0108305:
 * relative error of the rounded coefficients 1.2e-20 = 2^-66.17. */
#define SX_D3 0.16666666666666666
#define SX_D4 0.04166666666649098
#define SX_D5 0.008333333333415894
#define SX_D6 0.0013888932198560544
#define SX_D7 0.00019841252946250934
/* The float64 family's relative error before its last rounding is below
 * 8.59e-19 = 2^-60.01 (at most 0.508 ulp in all), the derivative's below 3.63e-18
 * = 2^-57.94 (0.533 ulp). */
/* 2^(j/32), rounded to nearest, and what that leaves. */
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
SX_TABLE double sx_exp2_table_lo[32] = {
    0.0, 5.109225028973444e-17, 8.551889705537965e-17,
    -7.899853966841582e-17, -3.046782079812471e-17, 1.0410278456845571e-16,
    8.912812676025408e-17, 3.8292048369240935e-17, 3.982015231465646e-17,
    -7.712630692681488e-17, 4.658027591836937e-17, 2.667932131342186e-18,
    2.5382502794888315e-17, -2.8587312100388614e-17, 7.70094837980299e-17,
    -6.770511658794786e-17, -9.667293313452913e-17, -3.0237581349939873e-17,
    -3.483994556892796e-17, -1.016455327754295e-16, 7.949834809697621e-17,
    -1.0136916471278304e-17, 2.4707192569797888e-17, -1.0125679913674773e-16,
    8.199010020581497e-17, -1.851380418263111e-17, 2.960140695448873e-17,
    1.8227458427912087e-17, 3.283107224245627e-17, -6.122763413004143e-17,
    -1.0619946056195963e-16, 8.960767791036668e-17,
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

/* The argument of the careful evaluations: x, or `lowest` below it (-inf
 * and negative NaNs included), as the smaller of the two as unsigned bits:
 * a negative double below `lowest` has larger bits, a positive one smaller.
 * So a positive x passes as it is: the callers select its result away, and
 * handle NaN themselves.  (With a comparison of doubles, compilers
 * specialize the whole evaluation for each constant outcome.) */
SX_FN double sx_left(double x, double lowest)
{
    sx_u64 a = sx_bits(x), b = sx_bits(lowest);
    return sx_double(a < b ? a : b);
}

/* pos * x for x > 0, the signed zero neg * x at 0, NaN for NaN, else
 * `left`. */
SX_FN double sx_family_select(double x, double left, const sx_coef *c)
{
    double y = x > 0.0 ? c->pos_hi * x : left;
    y = x == 0.0 ? c->neg_hi * x : y;
    return x != x ? x + x : y;
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

/* The same for a 16-bit format with `man` stored significand bits and
 * largest exponent `emax` (float16 (10, 15): 42 bits below its last place;
 * bfloat16 (7, 127): 45), on the bits: whether those bits lie within 2^14
 * of the midpoint, or the result is subnormal in the format (below
 * 2^(1 - emax)). */
SX_FN int sx_hard_narrow(double y, int man, int emax)
{
    int below = 52 - man;
    sx_u64 a = sx_bits(y) & ~SX_SIGN;
    sx_u64 low = a & ((1ULL << below) - 1);
    int near = (low - ((1ULL << (below - 1)) - (1ULL << 14))) <= (1ULL << 15);
    int tiny = (a - 1) < (((sx_u64)(1024 - emax) << 52) - 1);
    return near | tiny;
}

/* ---- careful: the float64 path ------------------------------------------ */

/* The float64 path multiplies by the coefficient through a table of
 * neg' 2^(j/32), built once per coefficient (make_ufunc) on the CPU and
 * entry by entry on a GPU, with the same operations, so the same bits.
 * Everything in it is scaled by SX_UP = 2^200, and the results back, so
 * that no product in the sums underflows, even for subnormal x (scaling
 * by a power of two commutes with every rounding in the normal range).
 *
 * neg' = n1 + n2: n1 is neg_hi cut to 26 bits, n2 the rest with neg_lo,
 * rounded once, so |neg' - neg| <= 2^-80 |neg|.  Entry j is hi + lo: hi is
 * neg' 2^(j/32) rounded to 26 bits (by the splitter), lo what is left,
 * within 2^-78 relative.  Entry 0 is (n1, n2) itself, so that s neg' - neg'
 * vanishes for k = 0; hi has 26 bits, so that its products with the 26-bit
 * halves of p are exact. */
typedef struct {
    double n1, n2, hi[32], lo[32];
} sx_fold;

typedef struct {
    double n1, n2, hi, lo;
} sx_entry;

SX_FN void sx_fold_coefficient(const sx_coef *c, double *n1, double *n2)
{
    sx_dd s = sx_split(c->neg_hi * SX_UP);
    *n1 = s.hi;
    *n2 = s.lo + c->neg_lo * SX_UP;
}

SX_FN void sx_fold_entry(double n1, double n2, sx_u64 j, double *hi, double *lo)
{
    double t = sx_exp2_table[j], tl = sx_exp2_table_lo[j];
    sx_dd p = sx_two_prod(n1, t), s = sx_split(p.hi);
    *hi = s.hi;
    *lo = (s.lo + p.lo) + ((n1 * tl + n2 * t) + n2 * tl);
}

#if !SX_DEVICE
/* The whole table, once per coefficient (a GPU computes its entries). */
SX_FN void sx_fold_init(const sx_coef *c, sx_fold *f)
{
    sx_u64 j;
    sx_fold_coefficient(c, &f->n1, &f->n2);
    for (j = 0; j < 32; j++) {
        sx_fold_entry(f->n1, f->n2, j, &f->hi[j], &f->lo[j]);
    }
}
#endif

/* Entry j: read from `f` on the CPU, computed on the spot on a GPU (where
 * f is NULL). */
SX_FN sx_entry sx_fold_get(const sx_fold *f, const sx_coef *c, sx_u64 j)
{
    sx_entry e;
#if SX_DEVICE
    (void)f;
    sx_fold_coefficient(c, &e.n1, &e.n2);
    sx_fold_entry(e.n1, e.n2, j, &e.hi, &e.lo);
#else
    (void)c;
    e.n1 = f->n1;
    e.n2 = f->n2;
    e.hi = f->hi[j];
    e.lo = f->lo[j];
#endif
    return e;
}

/* e^r - 1 - r for the careful polynomial: r^2/2 + r^3 (D3 + ... + D7 r^4). */
SX_FN double sx_careful_rest(double r)
{
    double r2 = r * r;
    double q = SX_D6 + r * SX_D7;
    q = SX_D5 + r * q;
    q = SX_D4 + r * q;
    q = SX_D3 + r * q;
    return r2 * 0.5 + (r2 * r) * q;
}

/* 2^200 neg * expm1(x) for -60 <= x <= 0 (or NaN):
 * neg' (s (1 + p) - 1) with s = 2^m 2^(j/32) and p = e^r - 1, summed so
 * that every product and sum that can cancel is exact.
 *
 * The terms (u = 2^-53, h = 0.0108305 >= |r|; derive.py adds them):
 *  - the reduction: k |STEP_HI| is exact (|k| < 2^12, 40 bits) and
 *    a = x - k STEP_HI is exact (Sterbenz, or k = 0); b = k STEP_LO
 *    (|b| < 2^-33.9) rounds once and is applied as p - b (1 + p), which
 *    leaves b^2/2 out: below 2^-68 absolute.
 *  - the polynomial: relative error 2^-66.2 (derive.py measures the
 *    rounded coefficients); rounding a^2, a^3 q and their sum moves it
 *    by at most about u h relative; p = a + rest is a fast two-sum (|rest|
 *    < h |a|), so p + pl holds it exactly.
 *  - the table: hi + lo within 2^-78 of neg' 2^(j/32), neg' within 2^-80
 *    of neg.  Scaling by 2^m (m >= -87) is exact.
 *  - the sum: hi - n1 is a fast two-sum (|hi| <= |n1| since k <= 0), its
 *    products hi ph and hi pl with the splitter's halves of p are exact,
 *    and (hi - n1) + hi ph is a fast two-sum, since |hi - n1| >= 0.0214
 *    |neg| > |hi ph| for k != 0 and hi - n1 = 0 for k = 0.  What is left,
 *    below 2^-24 |neg| in all, rounds at most six times.
 *  For k != 0, |e^x - 1| >= 0.010772, which turns the absolute terms
 *  relative; for k = 0 the result is neg' p with every term proportional
 *  to p.  In all, 2^-60 relative before the last rounding: 0.51 ulp.
 *  The result is 2^200 times neg * expm1(x); the products hi ph and hi pl
 *  stay above 2^-894, so they are exact even for subnormal x. */
SX_FN double sx_neg_expm1_careful(double x, const sx_fold *f, const sx_coef *c)
{
    double t = x * SX_INV_STEP + SX_SHIFTER;
    double kd = t - SX_SHIFTER;
    sx_u64 ti = sx_bits(t);
    double a = x - kd * SX_STEP_HI, b = kd * SX_STEP_LO;
    double rest = sx_careful_rest(a), p = a + rest;
    double pl = (rest - (p - a)) - b * (1.0 + p);
    double scale = sx_double(((ti & ~31ULL) << 47) + sx_bits(1.0));
    sx_entry e = sx_fold_get(f, c, ti & 31);
    double hi = e.hi * scale, lo = e.lo * scale;
    double ah = hi - e.n1, al = hi - (ah + e.n1);
    sx_dd ps = sx_split(p);
    double bh = hi * ps.hi, ch = hi * ps.lo;
    double fh = ah + bh, fl = bh - (fh - ah);
    return fh + (((fl + ch) + (al + (lo - e.n2))) + (hi * pl + lo * p));
}

/* neg * exp(x) for -760 <= x <= 0 (or NaN): 2^m1 2^(m2-200) (hi + lo)(1 +
 * p), m1 + m2 = m, both factors normal, so that only the last product
 * rounds where the result is subnormal.  No cancellation: r rounds once (u h
 * relative on e^r), the polynomial and its roundings as above, hi p and
 * lo (1 + p) round once each and their sum with hi once: 2^-57.9
 * relative before the last rounding (derive.py), 0.54 ulp. */
SX_FN double sx_neg_exp_careful(double x, const sx_fold *f, const sx_coef *c)
{
    double t = x * SX_INV_STEP + SX_SHIFTER;
    double kd = t - SX_SHIFTER;
    sx_u64 ti = sx_bits(t), half;
    double r = (x - kd * SX_STEP64_HI) - kd * SX_STEP64_LO;
    double p = r + sx_careful_rest(r), e1, e2;
    sx_entry e = sx_fold_get(f, c, ti & 31);
    /* m2 = k/64 rounded to nearest, by the shifter; m1 = m - m2. */
    half = (sx_bits(kd * (1.0 / 64.0) + SX_SHIFTER) - sx_bits(SX_SHIFTER)) << 52;
    e1 = sx_double(((ti & ~31ULL) << 47) - half + sx_bits(1.0));
    e2 = sx_double(half + sx_bits(SX_DOWN));
    return ((e.hi + (e.hi * p + e.lo * (1.0 + p))) * e1) * e2;
}

/* pos * x for x > 0, the signed zero neg * x at 0, NaN for NaN, else
 * neg * expm1(x) (-60 below -60). */
SX_FN double sx_family_f64(double x, const sx_fold *f, const sx_coef *c)
{
    double y = sx_neg_expm1_careful(sx_left(x, -60.0), f, c);
    return sx_family_select(x, y * SX_DOWN, c);
}

SX_FN double sx_derivative_f64(double x, const sx_fold *f, const sx_coef *c)
{
    double y = sx_neg_exp_careful(sx_left(x, -760.0), f, c);
    y = x > 0.0 ? c->pos_hi : y;
    return x != x ? x + x : y;
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

/* float16 and bfloat16 elements travel as their bits (sx_u16), so that
 * every target reads and writes them with the same integer operations. */

/* A float16 as a double (exact; a NaN keeps its payload). */
SX_FN double sx_f16_to_double(sx_u16 h)
{
    sx_u64 sign = (sx_u64)(h & 0x8000u) << 48;
    sx_u32 e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    double v;
    if (e == 0x1f) {
        return sx_double(sign | 0x7ff0000000000000ULL | ((sx_u64)m << 42));
    }
    v = e == 0 ? (double)m * 0x1p-24 : sx_double((sx_u64)(e + 1008) << 52 |
                                                 (sx_u64)m << 42);
    return sign ? -v : v;
}

/* A bfloat16 as a double: it is the top half of a float32. */
SX_FN double sx_bf16_to_double(sx_u16 h)
{
    return (double)sx_float((sx_u32)h << 16);
}

/* Round a double to a 16-bit binary format with `man` stored significand
 * bits and largest exponent `emax` (the bias), to nearest even: float16 is
 * (10, 15), bfloat16 (7, 127).  A NaN (quiet: the evaluations compute
 * x + x) keeps the top bits of its payload, as NumPy's casts do. */
SX_FN sx_u16 sx_double_to_narrow(double d, int man, int emax)
{
    sx_u64 b = sx_bits(d), a = b & ~SX_SIGN, m, rest, halfway;
    sx_u16 sign = (sx_u16)((b >> 48) & 0x8000u), h;
    sx_u16 inf = (sx_u16)(((2 * emax + 1) << man));
    int e = (int)(a >> 52) - 1023, emin = 1 - emax, shift;
    if (a >= 0x7ff0000000000000ULL) { /* inf, or NaN */
        return sign | inf | (sx_u16)((a & 0xfffffffffffffULL) >> (52 - man));
    }
    if (e > emax) {
        return sign | inf;
    }
    if (e < emin - man - 1) { /* below half the smallest subnormal */
        return sign;
    }
    m = (a & 0xfffffffffffffULL) | 0x10000000000000ULL;
    shift = 52 - man + (e < emin ? emin - e : 0);
    h = (sx_u16)(m >> shift);
    rest = m & ((1ULL << shift) - 1);
    halfway = 1ULL << (shift - 1);
    if (e >= emin) {
        h = (sx_u16)(((e + emax) << man) | (h & ((1u << man) - 1)));
    }
    if (rest > halfway || (rest == halfway && (h & 1u))) {
        h++; /* a carry moves into the exponent (up to inf), as it should */
    }
    return sign | h;
}

/* f(x) or f'(x) for a float16 or bfloat16 x: the fast evaluation and its
 * rounding test, the exact evaluation where the test fails, rounded once.
 * The callers pass constant flags, which the compiler folds. */
SX_FN sx_u16 sx_narrow(sx_u16 h, int bfloat16, int derivative, const sx_coef *c)
{
    int man = bfloat16 ? 7 : 10, emax = bfloat16 ? 127 : 15;
    double x = bfloat16 ? sx_bf16_to_double(h) : sx_f16_to_double(h);
    double v = derivative ? sx_derivative_fast(x, c) : sx_family_fast(x, c);
    if (sx_hard_narrow(v, man, emax)) {
        v = derivative ? sx_derivative_exact(x, c) : sx_family_exact(x, c);
    }
    return sx_double_to_narrow(v, man, emax);
}

SX_FN sx_u16 sx_family_f16(sx_u16 x, const sx_coef *c) { return sx_narrow(x, 0, 0, c); }
SX_FN sx_u16 sx_derivative_f16(sx_u16 x, const sx_coef *c) { return sx_narrow(x, 0, 1, c); }

#endif /* SELU_XP_ELU_FAMILY_H */
