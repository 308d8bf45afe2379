/*
 * What the kernel's XLA FFI handler (sx_xla_handler in _ufunc.c) reads of
 * XLA's FFI, for JAX arrays on the CPU.
 *
 * XLA's FFI is a C binary interface, versioned and stable (XLA keeps old
 * versions working for at least a year).  The few of its structures that
 * the handler reads are declared here as the interface lays them out
 * (xla/ffi/api/c_api.h, API version 0.3), under names of their own;
 * tests/test_jax_kernel.py compiles these declarations beside jaxlib's
 * header and checks every size and offset, so the build needs no jaxlib.
 */
#ifndef SELU_XP_XLA_FFI_H
#define SELU_XP_XLA_FFI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The interface version the handler reports: the oldest whose structures
 * it reads (0.1, jaxlib 0.8), so that every later XLA accepts it too. */
#define SX_XLA_API_MAJOR 0
#define SX_XLA_API_MINOR 1
#define SX_XLA_EXTENSION_METADATA 1
#define SX_XLA_EXECUTE 3
#define SX_XLA_F16 10
#define SX_XLA_F32 11
#define SX_XLA_F64 12
#define SX_XLA_BF16 16

typedef struct sx_xla_extension {
    size_t struct_size;
    int type;
    struct sx_xla_extension *next;
} sx_xla_extension;

typedef struct {
    size_t struct_size;
    sx_xla_extension *extension_start;
    int major, minor;
} sx_xla_version;

typedef struct {
    size_t struct_size;
    sx_xla_version version;
    uint32_t traits;
    int64_t state_type_id;
} sx_xla_metadata;

typedef struct {
    sx_xla_extension base;
    sx_xla_metadata *metadata;
} sx_xla_metadata_extension;

typedef struct {
    size_t struct_size;
    sx_xla_extension *extension_start;
    int dtype;
    void *data;
    int64_t rank;
    int64_t *dims;
} sx_xla_buffer;

typedef struct {
    size_t struct_size;
    sx_xla_extension *extension_start;
    int64_t size;
    int *types;
    void **items;
} sx_xla_list; /* the arguments and the results */

typedef struct {
    const char *ptr;
    size_t len;
} sx_xla_name;

typedef struct {
    int dtype;
    void *value;
} sx_xla_scalar;

typedef struct {
    size_t struct_size;
    sx_xla_extension *extension_start;
    int64_t size;
    int *types;
    sx_xla_name **names;
    void **values;
} sx_xla_attrs;

typedef struct {
    size_t struct_size;
    sx_xla_extension *extension_start;
    const void *api;
    void *ctx;
    int stage;
    sx_xla_list args;
    sx_xla_list rets;
    sx_xla_attrs attrs;
    void *future;
} sx_xla_call_frame;

/* The scalar attribute `name`, or NULL. */
static const void *
sx_xla_attribute(const sx_xla_attrs *attrs, const char *name)
{
    int64_t i;
    size_t n = strlen(name);
    for (i = 0; i < attrs->size; i++) {
        const sx_xla_name *s = attrs->names[i];
        if (s->len == n && memcmp(s->ptr, name, n) == 0) {
            return ((const sx_xla_scalar *)attrs->values[i])->value;
        }
    }
    return NULL;
}

static double
sx_xla_double(const sx_xla_attrs *attrs, const char *name)
{
    const void *v = sx_xla_attribute(attrs, name);
    double d = 0.0;
    if (v != NULL) {
        memcpy(&d, v, sizeof d);
    }
    return d;
}

#endif /* SELU_XP_XLA_FFI_H */
