/*
 * The vector loops of loops_x86.h, written once over the vector: that file
 * includes this one once per x86-64 level, after defining
 *
 *   SX_V       the level's vector of doubles (__m128d, __m256d, __m512d)
 *   SX_VU      a vector of as many sx_u64, for the bits
 *   SX_W       how many doubles SX_V holds
 *   SX_ATTR    the level's target attribute
 *   SX_F64     whether the level has float64 loops
 *   SX_KMASK   whether the level compares into mask registers (AVX-512):
 *              then it writes sx_positive, sx_zero and sx_nan itself
 *   SX_L(name) `name` with the level's suffix: this file's functions, and
 *              the level's primitives, which loops_x86.h writes in its
 *              intrinsics: sx_table (a 32-entry table as the level reads
 *              it), sx_table_load, sx_lookup, sx_clamp, sx_left, sx_where
 *              (over this file's masks, or the level's), sx_differ, sx_load2
 *              and sx_store2.
 *
 * The arithmetic is GCC's vector operators, which are the intrinsics' own
 * (_mm256_mul_pd is a * b): each lane computes the scalar source's
 * operations in its order, so its bits (contraction is off).  This file
 * has no include guard, and undefines its parameters at its end.
 */

/* `s` in every lane. */
SX_ATTR static inline SX_V
SX_L(sx_splat)(double s)
{
    const SX_V zero = {0};
    return s - zero; /* s exactly, -0.0 included: the scalar in each lane */
}

#if !SX_KMASK
/* The lanes where x > 0, x == 0 and x is NaN, as masks of all ones. */
SX_ATTR static inline SX_VU SX_L(sx_positive)(SX_V x) { return (SX_VU)(x > 0.0); }
SX_ATTR static inline SX_VU SX_L(sx_zero)(SX_V x) { return (SX_VU)(x == 0.0); }
SX_ATTR static inline SX_VU SX_L(sx_nan)(SX_V x) { return (SX_VU)(x != x); }
#endif

/* x = k ln2/32 + r as in sx_exp_table: k as a double in *kd, and the bits
 * of t, whose low five bits are j and the ones above them m. */
SX_ATTR static inline SX_VU
SX_L(sx_steps)(SX_V x, SX_V *kd)
{
    SX_V t = x * SX_INV_STEP + SX_SHIFTER;
    *kd = t - SX_SHIFTER;
    return (SX_VU)t;
}

/* ---- float32: the fast evaluation and its rounding test ---------------- */

/* sx_family_fast or sx_derivative_fast for SX_W float32 inputs as doubles,
 * and the lanes whose rounding test fails as bits of *hard. */
SX_ATTR static inline SX_V
SX_L(sx_fast)(SX_V x, int derivative, const sx_coef *c, const SX_L(sx_table) *tab,
              unsigned *hard)
{
    SX_V m = SX_L(sx_clamp)(x, derivative ? -130.0 : -110.0), kd;
    SX_VU ti = SX_L(sx_steps)(m, &kd);
    SX_V r = (m - kd * SX_STEP_HI) - kd * SX_STEP_LO;
    SX_V q = SX_FAST_C4 + r * SX_FAST_C5, p, s, y;
    q = SX_FAST_C3 + r * q;
    q = SX_FAST_C2 + r * q;
    p = r * (1.0 + r * q);
    s = (SX_V)((SX_VU)SX_L(sx_lookup)(tab, ti) + ((ti & ~(sx_u64)31) << 47));
    if (derivative) {
        y = SX_L(sx_where)(SX_L(sx_positive)(x), SX_L(sx_splat)(c->pos_hi),
                           c->neg_hi * (s + s * p));
    }
    else {
        y = SX_L(sx_where)(SX_L(sx_positive)(x), c->pos_hi * x,
                           c->neg_hi * (s * p - (1.0 - s)));
    }
    *hard = SX_L(sx_differ)(y * (1.0 + SX_NEAR), y * (1.0 - SX_NEAR));
    return y;
}

SX_ATTR static inline void
SX_L(sx_block32)(const float *x, float *y, npy_intp n, int derivative,
                 const sx_coef *cp)
{
    const sx_coef cc = *cp, *c = &cc;
    const SX_L(sx_table) tab = SX_L(sx_table_load)(sx_exp2_table);
    npy_intp i = 0;
    for (; i + 2 * SX_W <= n; i += 2 * SX_W) {
        unsigned h0, h1;
        SX_V a, b;
        SX_L(sx_load2)(x + i, &a, &b);
        a = SX_L(sx_fast)(a, derivative, c, &tab, &h0);
        b = SX_L(sx_fast)(b, derivative, c, &tab, &h1);
        SX_L(sx_store2)(y + i, a, b);
        if (h0 | h1) {
            sx_fix32(x + i, y + i, h0 | h1 << SX_W, derivative, c);
        }
    }
    for (; i < n; i++) {
        y[i] = derivative ? sx_derivative_f32(x[i], c) : sx_family_f32(x[i], c);
    }
}

SX_ATTR static void
SX_L(sx_loop32)(const float *x, float *y, npy_intp n, int derivative,
                const sx_coef *c)
{
    SX_BLOCKED(float, SX_L(sx_block32), c);
}

#if SX_F64
/* ---- float64: the careful evaluation ----------------------------------- */

/* The folded table of the float64 path as the level reads it. */
typedef struct {
    SX_L(sx_table) hi, lo;
    SX_V n1, n2;
} SX_L(sx_foldv);

/* sx_careful_rest */
SX_ATTR static inline SX_V
SX_L(sx_rest)(SX_V r)
{
    SX_V r2 = r * r;
    return SX_CAREFUL_REST(r, r2);
}

/* sx_family_f64, operation for operation. */
SX_ATTR static inline SX_V
SX_L(sx_family64)(SX_V x, const sx_coef *c, const SX_L(sx_foldv) *v)
{
    SX_V xs = SX_L(sx_left)(x, -60.0), kd;
    /* sx_neg_expm1_careful */
    SX_VU ti = SX_L(sx_steps)(xs, &kd);
    SX_V a = xs - kd * SX_STEP_HI, b = kd * SX_STEP_LO;
    SX_V rest = SX_L(sx_rest)(a), p = a + rest;
    SX_V pl = (rest - (p - a)) - b * (1.0 + p);
    SX_V scale = (SX_V)(((ti & ~(sx_u64)31) << 47) + sx_bits(1.0));
    SX_V hi = SX_L(sx_lookup)(&v->hi, ti) * scale;
    SX_V lo = SX_L(sx_lookup)(&v->lo, ti) * scale;
    SX_V ah = hi - v->n1, al = hi - (ah + v->n1);
    SX_V cs = SX_SPLITTER * p, ph = cs - (cs - p);
    SX_V bh = hi * ph, ch = hi * (p - ph);
    SX_V fh = ah + bh, fl = bh - (fh - ah);
    SX_V y = fh + (((fl + ch) + (al + (lo - v->n2))) + (hi * pl + lo * p));
    y = y * SX_DOWN;
    /* sx_family_select */
    y = SX_L(sx_where)(SX_L(sx_positive)(x), c->pos_hi * x, y);
    y = SX_L(sx_where)(SX_L(sx_zero)(x), c->neg_hi * x, y);
    return SX_L(sx_where)(SX_L(sx_nan)(x), x + x, y);
}

/* sx_derivative_f64, operation for operation. */
SX_ATTR static inline SX_V
SX_L(sx_derivative64)(SX_V x, const sx_coef *c, const SX_L(sx_foldv) *v)
{
    SX_V m = SX_L(sx_left)(x, -760.0), kd;
    SX_VU ti = SX_L(sx_steps)(m, &kd);
    SX_V r = (m - kd * SX_STEP64_HI) - kd * SX_STEP64_LO;
    SX_V p = r + SX_L(sx_rest)(r);
    SX_V hi = SX_L(sx_lookup)(&v->hi, ti), lo = SX_L(sx_lookup)(&v->lo, ti);
    /* m2 = k/64 rounded to nearest, by the shifter; m1 = m - m2. */
    SX_VU half = ((SX_VU)(kd * (1.0 / 64.0) + SX_SHIFTER) - sx_bits(SX_SHIFTER)) << 52;
    SX_V e1 = (SX_V)((((ti & ~(sx_u64)31) << 47) - half) + sx_bits(1.0));
    SX_V e2 = (SX_V)(half + sx_bits(SX_DOWN));
    SX_V y = ((hi + (hi * p + lo * (1.0 + p))) * e1) * e2;
    y = SX_L(sx_where)(SX_L(sx_positive)(x), SX_L(sx_splat)(c->pos_hi), y);
    return SX_L(sx_where)(SX_L(sx_nan)(x), x + x, y);
}

SX_ATTR static inline void
SX_L(sx_block64)(const double *x, double *y, npy_intp n, int derivative,
                 const sx_coef *cp, const sx_fold *f)
{
    const sx_coef cc = *cp, *c = &cc;
    SX_L(sx_foldv) v;
    SX_V in, out;
    npy_intp i = 0;
    v.hi = SX_L(sx_table_load)(f->hi);
    v.lo = SX_L(sx_table_load)(f->lo);
    v.n1 = SX_L(sx_splat)(f->n1);
    v.n2 = SX_L(sx_splat)(f->n2);
    for (; i + SX_W <= n; i += SX_W) {
        memcpy(&in, x + i, sizeof in);
        out = derivative ? SX_L(sx_derivative64)(in, c, &v) : SX_L(sx_family64)(in, c, &v);
        memcpy(y + i, &out, sizeof out);
    }
    for (; i < n; i++) {
        y[i] = derivative ? sx_derivative_f64(x[i], f, c) : sx_family_f64(x[i], f, c);
    }
}

SX_ATTR static void
SX_L(sx_loop64)(const double *x, double *y, npy_intp n, int derivative,
                const sx_coef *c, const sx_fold *f)
{
    SX_BLOCKED(double, SX_L(sx_block64), c, f);
}
#endif

#undef SX_V
#undef SX_VU
#undef SX_W
#undef SX_ATTR
#undef SX_F64
#undef SX_KMASK
#undef SX_L
