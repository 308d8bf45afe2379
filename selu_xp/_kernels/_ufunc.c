/*
 * NumPy ufuncs of the ELU family, built from the scalar source elu_family.h.
 *
 * make_ufunc(name, derivative, pos_hi, pos_lo, neg_hi, neg_lo) returns a
 * unary ufunc with float16, float32 and float64 loops and its coefficients
 * inside.  The contiguous float32 and float64 loops are compiled once per
 * x86-64 level (baseline, AVX2, AVX-512) and the best one the CPU has is
 * chosen at import; set_level() forces another, for the tests.  Every level
 * computes the same bits: the source has no FMA and no libm call, and the
 * build turns contraction off.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef NPY_NO_DEPRECATED_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#endif
#include <numpy/ndarraytypes.h>
#include <numpy/ufuncobject.h>

#include "elu_family.h"
#include "fpenv.h"
#include "pool.h"

/* Elements per block of the contiguous float32 loops: the block's inputs are
 * kept on the stack, so that results that need the exact evaluation can be
 * recomputed after the vector loop, in place included. */
#define SX_BLOCK 512

typedef void (*sx_loop32)(const float *, float *, npy_intp, const sx_coef *);
typedef void (*sx_loop64)(const double *, double *, npy_intp, const sx_coef *,
                          const sx_fold *);

#define SX_MIN(a, b) ((a) < (b) ? (a) : (b))

/* A contiguous float32 loop: the fast evaluation and its rounding test
 * vectorized over a block, then the block again, one element at a time
 * through the exact evaluation where needed, if any element needs it. */
#define SX_LOOP32(NAME, ATTR, FAST, ELEMENT)                                  \
    ATTR static void NAME(const float *x, float *y, npy_intp n,               \
                          const sx_coef *cp)                                  \
    {                                                                         \
        const sx_coef cc = *cp, *c = &cc;                                     \
        float in[SX_BLOCK];                                                   \
        npy_intp s, i, m;                                                     \
        for (s = 0; s < n; s += SX_BLOCK) {                                   \
            int hard = 0;                                                     \
            m = SX_MIN(SX_BLOCK, n - s);                                      \
            memcpy(in, x + s, (size_t)m * sizeof(float));                     \
            for (i = 0; i < m; i++) {                                         \
                double v = FAST((double)in[i], c);                            \
                hard |= sx_hard_f32(v);                                       \
                y[s + i] = (float)v;                                          \
            }                                                                 \
            if (hard) {                                                       \
                for (i = 0; i < m; i++) {                                     \
                    y[s + i] = ELEMENT(in[i], c);                             \
                }                                                             \
            }                                                                 \
        }                                                                     \
    }

/* A contiguous float64 loop. */
#define SX_LOOP64(NAME, ATTR, ELEMENT)                                        \
    ATTR static void NAME(const double *x, double *y, npy_intp n,             \
                          const sx_coef *cp, const sx_fold *fp)               \
    {                                                                         \
        const sx_coef cc = *cp, *c = &cc;                                     \
        const sx_fold ff = *fp, *f = &ff;                                     \
        npy_intp i;                                                           \
        for (i = 0; i < n; i++) {                                             \
            y[i] = ELEMENT(x[i], f, c);                                       \
        }                                                                     \
    }

/* One set of contiguous loops, compiled with the target attribute ATTR. */
#define SX_LOOPS(LEVEL, ATTR)                                                 \
    SX_LOOP32(family32_##LEVEL, ATTR, sx_family_fast, sx_family_f32)          \
    SX_LOOP32(derivative32_##LEVEL, ATTR, sx_derivative_fast,                 \
              sx_derivative_f32)                                              \
    SX_LOOP64(family64_##LEVEL, ATTR, sx_family_f64)                          \
    SX_LOOP64(derivative64_##LEVEL, ATTR, sx_derivative_f64)

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SX_X86 1
#include "loops_x86.h"
#define sx_loop32_baseline sx_loop32_sse2
/* The explicit float32 loops of loops_x86.h, and float64 loops compiled
 * from the scalar source with the level's target attribute. */
#define SX_LOOPS_X86(LEVEL, ATTR)                                             \
    SX_LOOPS32_X86(LEVEL, ATTR)                                               \
    SX_LOOP64(family64_##LEVEL, ATTR, sx_family_f64)                          \
    SX_LOOP64(derivative64_##LEVEL, ATTR, sx_derivative_f64)
#define SX_LOOPS32_X86(LEVEL, ATTR)                                           \
    ATTR static void family32_##LEVEL(const float *x, float *y, npy_intp n,   \
                                      const sx_coef *c)                       \
    {                                                                         \
        sx_loop32_##LEVEL(x, y, n, 0, c);                                     \
    }                                                                         \
    ATTR static void derivative32_##LEVEL(const float *x, float *y,           \
                                          npy_intp n, const sx_coef *c)       \
    {                                                                         \
        sx_loop32_##LEVEL(x, y, n, 1, c);                                     \
    }
/* The explicit float64 loops of loops_x86.h. */
#define SX_LOOPS64_X86(LEVEL, ATTR)                                           \
    ATTR static void family64_##LEVEL(const double *x, double *y, npy_intp n, \
                                      const sx_coef *c, const sx_fold *f)     \
    {                                                                         \
        sx_loop64_##LEVEL(x, y, n, 0, c, f);                                  \
    }                                                                         \
    ATTR static void derivative64_##LEVEL(const double *x, double *y,         \
                                          npy_intp n, const sx_coef *c,       \
                                          const sx_fold *f)                   \
    {                                                                         \
        sx_loop64_##LEVEL(x, y, n, 1, c, f);                                  \
    }
#endif

#ifdef SX_X86
SX_LOOPS_X86(baseline, )
SX_LOOPS32_X86(avx2, SX_AVX2)
SX_LOOPS64_X86(avx2, SX_AVX2)
SX_LOOPS32_X86(avx512, SX_AVX512)
SX_LOOPS64_X86(avx512, SX_AVX512)
#else
SX_LOOPS(baseline, )
#endif

typedef struct {
    const char *name;
    sx_loop32 family32, derivative32;
    sx_loop64 family64, derivative64;
} sx_level;

static const sx_level sx_levels[] = {
    {"baseline", family32_baseline, derivative32_baseline, family64_baseline,
     derivative64_baseline},
#ifdef SX_X86
    {"avx2", family32_avx2, derivative32_avx2, family64_avx2, derivative64_avx2},
    {"avx512", family32_avx512, derivative32_avx512, family64_avx512,
     derivative64_avx512},
#endif
};
#define SX_NLEVELS ((int)(sizeof sx_levels / sizeof sx_levels[0]))

static int sx_supported[SX_NLEVELS];
static const sx_level *sx_active = &sx_levels[0];

static void
sx_detect(void)
{
    int i;
    sx_supported[0] = 1;
#ifdef SX_X86
    __builtin_cpu_init();
    sx_supported[1] = !!__builtin_cpu_supports("avx2");
    sx_supported[2] = __builtin_cpu_supports("avx512f") &&
                      __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512bw");
#endif
    for (i = 0; i < SX_NLEVELS; i++) {
        if (sx_supported[i]) {
            sx_active = &sx_levels[i];
        }
    }
}

/* ---- the ufunc loops ---------------------------------------------------- */

typedef struct {
    void *data[3];
    sx_coef coef;
    sx_fold fold; /* the float64 path's table, built once */
    int derivative;
} sx_ufunc_data;

/* The element types, numbered as apply and the XLA handler take them. */
enum { SX_F16, SX_BF16, SX_F32, SX_F64 };
static const size_t sx_sizes[] = {2, 2, 4, 8};

/* Contiguous float16 or bfloat16 elements one at a time (sx_narrow), the
 * flags constant in each loop. */
static void
sx_narrow_run(const sx_ufunc_data *d, int bfloat16, const char *in, char *out,
              npy_intp n)
{
    const sx_u16 *x = (const sx_u16 *)in;
    sx_u16 *y = (sx_u16 *)out;
    npy_intp i;
    if (d->derivative) {
        for (i = 0; i < n; i++) {
            y[i] = sx_narrow(x[i], bfloat16, 1, &d->coef);
        }
    }
    else {
        for (i = 0; i < n; i++) {
            y[i] = sx_narrow(x[i], bfloat16, 0, &d->coef);
        }
    }
}

/* One contiguous job for the pool: the data, its element type, and the
 * level's loops. */
typedef struct {
    const sx_ufunc_data *d;
    const char *in;
    char *out;
    int code;
    sx_loop32 loop32;
    sx_loop64 loop64;
} sx_job;

/* The pool's task: the job's elements lo to hi, in the environment the
 * loops need, set on the thread that runs it (fpenv.h). */
static void
sx_task(void *arg, npy_intp lo, npy_intp hi)
{
    const sx_job *j = (const sx_job *)arg;
    const char *in = j->in + (size_t)lo * sx_sizes[j->code];
    char *out = j->out + (size_t)lo * sx_sizes[j->code];
    sx_fpenv env = sx_fpenv_enter();
    switch (j->code) {
    case SX_F16:
        sx_narrow_run(j->d, 0, in, out, hi - lo);
        break;
    case SX_BF16:
        sx_narrow_run(j->d, 1, in, out, hi - lo);
        break;
    case SX_F32:
        j->loop32((const float *)in, (float *)out, hi - lo, &j->d->coef);
        break;
    default:
        j->loop64((const double *)in, (double *)out, hi - lo, &j->d->coef,
                  &j->d->fold);
    }
    sx_fpenv_leave(env);
}

/* Whether n elements of `size` bytes at `in` and `out` overlap other than
 * exactly (NumPy passes a forward-safe overlap, such as out one element
 * behind in, to one sequential loop: it must not be split). */
static int
sx_partial_overlap(const char *in, const char *out, npy_intp n, size_t size)
{
    size_t bytes = (size_t)n * size;
    return in != out && in < out + bytes && out < in + bytes;
}

/* The ufunc data `d`'s loops over n contiguous elements of type `code` at
 * `in` and `out`, split over the pool's threads where that is safe: for
 * NumPy's arrays and for others' (apply, the XLA handler). */
static void
sx_run_typed(const sx_ufunc_data *d, int code, const void *in, void *out,
             npy_intp n)
{
    sx_job job;
    job.d = d;
    job.in = (const char *)in;
    job.out = (char *)out;
    job.code = code;
    job.loop32 = d->derivative ? sx_active->derivative32 : sx_active->family32;
    job.loop64 = d->derivative ? sx_active->derivative64 : sx_active->family64;
    if (n <= 0) {
        return;
    }
    if (sx_partial_overlap(job.in, job.out, n, sx_sizes[code])) {
        sx_task(&job, 0, n);
    }
    else {
        sx_parallel(sx_task, &job, n);
    }
}

/* The ufunc loops: contiguous elements through sx_run_typed, others one at
 * a time through the per-element functions. */
#define SX_FAMILY16(x, d) sx_family_f16(x, &(d)->coef)
#define SX_DERIVATIVE16(x, d) sx_derivative_f16(x, &(d)->coef)
#define SX_FAMILY32(x, d) sx_family_f32(x, &(d)->coef)
#define SX_DERIVATIVE32(x, d) sx_derivative_f32(x, &(d)->coef)
#define SX_FAMILY64(x, d) sx_family_f64(x, &(d)->fold, &(d)->coef)
#define SX_DERIVATIVE64(x, d) sx_derivative_f64(x, &(d)->fold, &(d)->coef)
#define SX_UFUNC_LOOP(NAME, T, BITS)                                          \
    static void NAME(char **args, npy_intp const *dimensions,                 \
                     npy_intp const *steps, void *data)                       \
    {                                                                         \
        const sx_ufunc_data *d = (const sx_ufunc_data *)data;                 \
        npy_intp i, n = dimensions[0];                                        \
        char *in = args[0], *out = args[1];                                   \
        if (steps[0] == sizeof(T) && steps[1] == sizeof(T)) {                 \
            sx_run_typed(d, SX_F##BITS, in, out, n);                          \
        }                                                                     \
        else {                                                                \
            sx_fpenv env = sx_fpenv_enter();                                  \
            for (i = 0; i < n; i++, in += steps[0], out += steps[1]) {        \
                *(T *)out = d->derivative                                     \
                                ? SX_DERIVATIVE##BITS(*(T *)in, d)            \
                                : SX_FAMILY##BITS(*(T *)in, d);               \
            }                                                                 \
            sx_fpenv_leave(env);                                              \
        }                                                                     \
    }

SX_UFUNC_LOOP(sx_loop_f16, sx_u16, 16)
SX_UFUNC_LOOP(sx_loop_f32, float, 32)
SX_UFUNC_LOOP(sx_loop_f64, double, 64)

static PyUFuncGenericFunction sx_functions[] = {sx_loop_f16, sx_loop_f32,
                                                sx_loop_f64};
static char sx_types[] = {NPY_HALF, NPY_HALF, NPY_FLOAT, NPY_FLOAT,
                          NPY_DOUBLE, NPY_DOUBLE};

/* ---- the module --------------------------------------------------------- */

static PyObject *
sx_make_ufunc(PyObject *NPY_UNUSED(self), PyObject *args)
{
    const char *name, *doc = "";
    int derivative;
    double pos_hi, pos_lo, neg_hi, neg_lo;
    PyObject *holder, *ufunc;
    sx_ufunc_data *d;
    size_t ln, ld;
    char *text;
    if (!PyArg_ParseTuple(args, "spdddd|s", &name, &derivative, &pos_hi,
                          &pos_lo, &neg_hi, &neg_lo, &doc)) {
        return NULL;
    }
    /* One buffer holds the loops' data and copies of the name and doc (the
     * ufunc keeps pointers to all three); the ufunc owns it through `obj`. */
    ln = strlen(name) + 1;
    ld = strlen(doc) + 1;
    holder = PyBytes_FromStringAndSize(
        NULL, (Py_ssize_t)(sizeof(sx_ufunc_data) + ln + ld));
    if (holder == NULL) {
        return NULL;
    }
    d = (sx_ufunc_data *)PyBytes_AS_STRING(holder);
    d->coef.pos_hi = pos_hi;
    d->coef.pos_lo = pos_lo;
    d->coef.neg_hi = neg_hi;
    d->coef.neg_lo = neg_lo;
    sx_fold_init(&d->coef, &d->fold);
    d->derivative = derivative;
    d->data[0] = d->data[1] = d->data[2] = d;
    text = (char *)(d + 1);
    memcpy(text, name, ln);
    memcpy(text + ln, doc, ld);
    ufunc = PyUFunc_FromFuncAndData(sx_functions, d->data, sx_types, 3, 1, 1,
                                    PyUFunc_None, text, text + ln, 0);
    if (ufunc == NULL) {
        Py_DECREF(holder);
        return NULL;
    }
    ((PyUFuncObject *)ufunc)->obj = holder;
    return ufunc;
}

#include "xla_ffi.h"

/* The kernel as an XLA FFI handler: one buffer in, one of the same type and
 * shape out, with the attributes pos_hi, pos_lo, neg_hi, neg_lo (float64)
 * and derivative (int32); JAX's side (selu_xp/_backends/jax.py) checks the
 * type before it calls.  A call is a metadata query (XLA's check of the
 * interface's version), another stage (nothing to do), or the computation:
 * the ufuncs' loops over the kernel's pool, from XLA's thread (whose
 * flush-to-zero the loops undo, fpenv.h). */
static void *
sx_xla_handler(sx_xla_call_frame *frame)
{
    sx_xla_extension *ext = frame->extension_start;
    const sx_xla_buffer *in, *out;
    const void *flag;
    sx_ufunc_data d;
    int64_t n = 1, i;
    int code;
    if (ext != NULL && ext->type == SX_XLA_EXTENSION_METADATA) {
        sx_xla_metadata *m = ((sx_xla_metadata_extension *)ext)->metadata;
        m->version.major = SX_XLA_API_MAJOR;
        m->version.minor = SX_XLA_API_MINOR;
        m->traits = 0;
        return NULL;
    }
    if (frame->stage != SX_XLA_EXECUTE || frame->args.size != 1 ||
        frame->rets.size != 1) {
        return NULL;
    }
    in = (const sx_xla_buffer *)frame->args.items[0];
    out = (const sx_xla_buffer *)frame->rets.items[0];
    switch (in->dtype) {
    case SX_XLA_F16: code = 0; break;
    case SX_XLA_BF16: code = 1; break;
    case SX_XLA_F32: code = 2; break;
    case SX_XLA_F64: code = 3; break;
    default: return NULL; /* refused on JAX's side before the call */
    }
    for (i = 0; i < in->rank; i++) {
        n *= in->dims[i];
    }
    d.coef.pos_hi = sx_xla_double(&frame->attrs, "pos_hi");
    d.coef.pos_lo = sx_xla_double(&frame->attrs, "pos_lo");
    d.coef.neg_hi = sx_xla_double(&frame->attrs, "neg_hi");
    d.coef.neg_lo = sx_xla_double(&frame->attrs, "neg_lo");
    flag = sx_xla_attribute(&frame->attrs, "derivative");
    d.derivative = flag != NULL && *(const int32_t *)flag != 0;
    if (code == 3) {
        sx_fold_init(&d.coef, &d.fold); /* 32 entries: a few hundred ns */
    }
    sx_run_typed(&d, code, in->data, out->data, (npy_intp)n);
    return NULL;
}


/* The XLA FFI handler (xla_ffi.h) in a capsule, for jax.ffi. */
static PyObject *
sx_xla_capsule(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    return PyCapsule_New((void *)sx_xla_handler, NULL, NULL);
}

/* apply(ufunc, code, in_address, out_address, n): the ufunc's loop over n
 * contiguous elements at raw addresses, for arrays that are not NumPy's
 * (PyTorch tensors, XLA buffers), with the GIL released.  code is 0
 * float16, 1 bfloat16, 2 float32, 3 float64.  The caller owns the memory
 * and its checks: both blocks hold n elements of that type, and they are
 * the same block or do not overlap. */
static PyObject *
sx_apply(PyObject *NPY_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    const sx_ufunc_data *d;
    PyObject *holder;
    long code;
    void *in, *out;
    Py_ssize_t n;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "apply takes 5 arguments");
        return NULL;
    }
    if (!PyObject_TypeCheck(args[0], &PyUFunc_Type) ||
        ((PyUFuncObject *)args[0])->functions != sx_functions ||
        !PyBytes_Check(holder = ((PyUFuncObject *)args[0])->obj)) {
        PyErr_SetString(PyExc_TypeError, "apply needs a ufunc of make_ufunc");
        return NULL;
    }
    code = PyLong_AsLong(args[1]);
    in = PyLong_AsVoidPtr(args[2]);
    out = PyLong_AsVoidPtr(args[3]);
    n = PyLong_AsSsize_t(args[4]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (code < 0 || code > 3 || n < 0) {
        PyErr_SetString(PyExc_ValueError, "apply: bad type code or length");
        return NULL;
    }
    d = (const sx_ufunc_data *)PyBytes_AS_STRING(holder);
    Py_BEGIN_ALLOW_THREADS
    sx_run_typed(d, (int)code, in, out, n);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *
sx_levels_available(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    int i, n = 0;
    PyObject *result;
    for (i = 0; i < SX_NLEVELS; i++) {
        n += sx_supported[i];
    }
    result = PyTuple_New(n);
    if (result == NULL) {
        return NULL;
    }
    for (i = 0, n = 0; i < SX_NLEVELS; i++) {
        if (sx_supported[i]) {
            PyObject *s = PyUnicode_FromString(sx_levels[i].name);
            if (s == NULL) {
                Py_DECREF(result);
                return NULL;
            }
            PyTuple_SET_ITEM(result, n++, s);
        }
    }
    return result;
}

static PyObject *
sx_get_level(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    return PyUnicode_FromString(sx_active->name);
}

static PyObject *
sx_set_level(PyObject *NPY_UNUSED(self), PyObject *args)
{
    const char *name;
    int i;
    if (!PyArg_ParseTuple(args, "s", &name)) {
        return NULL;
    }
    for (i = 0; i < SX_NLEVELS; i++) {
        if (strcmp(name, sx_levels[i].name) == 0) {
            if (!sx_supported[i]) {
                PyErr_Format(PyExc_ValueError,
                             "this CPU cannot run the %s kernel", name);
                return NULL;
            }
            sx_active = &sx_levels[i];
            Py_RETURN_NONE;
        }
    }
    PyErr_Format(PyExc_ValueError, "unknown kernel level '%s'", name);
    return NULL;
}

/* The thread count for threadpoolctl, which finds a library by its file
 * name and these symbols and calls them through ctypes
 * (selu_xp/_threadpoolctl.py).  Out-of-range counts are clamped. */
#ifdef _WIN32
#define SX_EXPORT __declspec(dllexport)
#else
#define SX_EXPORT __attribute__((visibility("default")))
#endif
SX_EXPORT int selu_xp_get_num_threads(void);
SX_EXPORT int selu_xp_set_num_threads(int n);

SX_EXPORT int
selu_xp_get_num_threads(void)
{
    return sx_threads;
}

SX_EXPORT int
selu_xp_set_num_threads(int n)
{
    int previous = sx_threads;
    sx_threads = n < 1 ? 1 : n > SX_MAX_THREADS ? SX_MAX_THREADS : n;
    return previous;
}

static PyObject *
sx_set_num_threads(PyObject *NPY_UNUSED(self), PyObject *args)
{
    int n;
    if (!PyArg_ParseTuple(args, "i", &n)) {
        return NULL;
    }
    if (n < 1 || n > SX_MAX_THREADS) {
        PyErr_Format(PyExc_ValueError,
                     "the thread count must be between 1 and %d, got %d",
                     SX_MAX_THREADS, n);
        return NULL;
    }
    return PyLong_FromLong(selu_xp_set_num_threads(n));
}

static PyObject *
sx_get_num_threads(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    return PyLong_FromLong(sx_threads);
}

static PyObject *
sx_set_serial(PyObject *NPY_UNUSED(self), PyObject *args)
{
    int flag, previous = sx_serial;
    if (!PyArg_ParseTuple(args, "p", &flag)) {
        return NULL;
    }
    sx_serial = flag;
    return PyBool_FromLong(previous);
}

static PyObject *
sx_parallel_min(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    return PyLong_FromLong(SX_PARALLEL_MIN);
}

static PyObject *
sx_get_pool_stats(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    int workers;
    long parts;
    sx_pool_stats(&workers, &parts);
    return Py_BuildValue("(il)", workers, parts);
}

static PyObject *
sx_hard_cases(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
#ifdef SX_X86
    return PyLong_FromLong(__atomic_load_n(&sx_hard_count, __ATOMIC_RELAXED));
#else
    Py_RETURN_NONE; /* the generic loops do not count */
#endif
}

static PyObject *
sx_get_fold(PyObject *NPY_UNUSED(self), PyObject *args)
{
    sx_coef c = {0.0, 0.0, 0.0, 0.0};
    sx_fold f;
    PyObject *hi, *lo;
    int j;
    if (!PyArg_ParseTuple(args, "dd", &c.neg_hi, &c.neg_lo)) {
        return NULL;
    }
    sx_fold_init(&c, &f);
    hi = PyTuple_New(32);
    lo = PyTuple_New(32);
    if (hi == NULL || lo == NULL) {
        Py_XDECREF(hi);
        Py_XDECREF(lo);
        return NULL;
    }
    for (j = 0; j < 32; j++) {
        PyObject *h = PyFloat_FromDouble(f.hi[j]), *l = PyFloat_FromDouble(f.lo[j]);
        if (h == NULL || l == NULL) {
            Py_XDECREF(h);
            Py_XDECREF(l);
            Py_DECREF(hi);
            Py_DECREF(lo);
            return NULL;
        }
        PyTuple_SET_ITEM(hi, j, h);
        PyTuple_SET_ITEM(lo, j, l);
    }
    return Py_BuildValue("(ddNN)", f.n1, f.n2, hi, lo);
}

static PyMethodDef sx_methods[] = {
    {"make_ufunc", sx_make_ufunc, METH_VARARGS,
     "make_ufunc(name, derivative, pos_hi, pos_lo, neg_hi, neg_lo, doc='')"},
    {"apply", (PyCFunction)(void (*)(void))sx_apply, METH_FASTCALL,
     "apply(ufunc, code, in_address, out_address, n): the ufunc over n "
     "contiguous elements at raw addresses (code 0 float16, 1 bfloat16, "
     "2 float32, 3 float64)."},
    {"xla_handler", sx_xla_capsule, METH_NOARGS,
     "The kernel as an XLA FFI handler, in a capsule for "
     "jax.ffi.register_ffi_target."},
    {"levels", sx_levels_available, METH_NOARGS,
     "The dispatch levels this CPU can run, lowest first."},
    {"get_level", sx_get_level, METH_NOARGS, "The dispatch level in use."},
    {"set_level", sx_set_level, METH_VARARGS,
     "Use the loops of another dispatch level (for tests)."},
    {"set_num_threads", sx_set_num_threads, METH_VARARGS,
     "set_num_threads(n) -> previous: threads per call, the caller's "
     "included."},
    {"get_num_threads", sx_get_num_threads, METH_NOARGS,
     "The threads per call, the caller's included."},
    {"set_serial", sx_set_serial, METH_VARARGS,
     "set_serial(flag) -> previous: whether this thread's calls stay on "
     "this thread."},
    {"parallel_min", sx_parallel_min, METH_NOARGS,
     "The smallest contiguous array that is split over threads."},
    {"hard_cases", sx_hard_cases, METH_NOARGS,
     "Float32 elements the contiguous x86 loops sent to the exact "
     "evaluation so far (None elsewhere)."},
    {"fold", sx_get_fold, METH_VARARGS,
     "fold(neg_hi, neg_lo) -> (n1, n2, hi, lo): the float64 path's table of "
     "the coefficient (for the tests)."},
    {"pool_stats", sx_get_pool_stats, METH_NOARGS,
     "(worker threads started, parts they computed): for the tests."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef sx_module = {
    PyModuleDef_HEAD_INIT, "_ufunc",
    "The compiled ELU-family kernel as NumPy ufuncs.", -1, sx_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__ufunc(void)
{
    PyObject *m;
    import_array();
    import_umath();
    sx_detect();
#ifndef _WIN32
    if (pthread_atfork(NULL, NULL, sx_pool_after_fork) != 0) {
        PyErr_SetString(PyExc_RuntimeError, "pthread_atfork failed");
        return NULL;
    }
#endif
    m = PyModule_Create(&sx_module);
#ifdef Py_GIL_DISABLED
    /* Free-threaded CPython: the loops share no mutable state but the pool,
       which has its own lock (the level switch, a pointer to constant
       tables, is set by tests between calls). */
    if (m != NULL && PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#endif
    return m;
}
