/* perfkit.bench._scan: benchstat's reader of repeated Go result lines, in C.
 *
 * A Go benchmark file repeats a few kinds of result line: the same name and units, only the
 * numbers change. Python (perfkit.bench.feeder) meets each kind once, checks it, routes it and
 * registers it here as a *shape*. This module then takes every later line of a registered
 * shape whose numbers are plain, converting them with CPython's own float parser, so the
 * values are bit-for-bit those of float(). Anything else (a new name, other units, a config
 * or unit line, a number that is not a plain finite decimal, a zero where the unit is scaled,
 * a byte outside ASCII) stops the scan at that line, and Python reads the line itself. The C
 * path is only ever a subset of the Python one: same lines taken, same values.
 *
 * scan(buf, pos, shapes) -> (pos, results, values, slots)
 *   buf: bytes of whole lines; pos: where to start; shapes: {name token: (units, slots,
 *   factors)} with units a tuple of bytes, slots the shape's value slots as C ints (bytes),
 *   factors the units' scale factors as C doubles (bytes) or None when every factor is 1.
 *   Returns where it stopped, the lines it took (each a result), and their values (C
 *   doubles) and slots (C ints) as bytes, in order, for array.frombytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define SCAN_VERSION 1
#define MAX_FIELDS 64
#define LARGEST 1e300 /* bigger numbers go to Python, whose sum of a line's numbers may overflow */

typedef struct {
    char *data;
    Py_ssize_t used, size;
} Buffer;

static int buffer_put(Buffer *b, const void *src, Py_ssize_t n) {
    if (b->used + n > b->size) {
        Py_ssize_t size = b->size ? b->size : 4096;
        while (size < b->used + n)
            size *= 2;
        char *grown = PyMem_Realloc(b->data, (size_t)size);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->data = grown;
        b->size = size;
    }
    memcpy(b->data + b->used, src, (size_t)n);
    b->used += n;
    return 0;
}

/* bytes.split()'s whitespace */
static const unsigned char space[256] = {['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1};
#define is_space(c) (space[(unsigned char)(c)])

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* [+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)? : a decimal float() and Go read alike */
static int plain_decimal(const unsigned char *s, Py_ssize_t n) {
    Py_ssize_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && is_digit(s[i]))
        i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i]))
            i++, digits++;
    }
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        Py_ssize_t exponent = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < n && is_digit(s[i]))
            i++, exponent++;
        if (exponent == 0)
            return 0;
    }
    return i == n;
}

/* Clinger's fast path: a decimal whose digits make an integer below 2^53, scaled by at most
 * 10^22, is one exactly rounded IEEE operation on two exact doubles, so it equals the correctly
 * rounded value CPython's float() computes. Returns 0 for anything else (CPython's parser then
 * reads it). Needs doubles evaluated as doubles (SSE2, not the x87's extended precision). */
static const double powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int exact_decimal(const unsigned char *s, Py_ssize_t n, double *out) {
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
    return 0;
#else
    Py_ssize_t i = 0;
    int negative = 0, digits = 0;
    long scale = 0;
    uint64_t mantissa = 0;
    if (s[i] == '+' || s[i] == '-')
        negative = s[i++] == '-';
    for (; i < n && is_digit(s[i]); i++) {
        if (mantissa == 0 && s[i] == '0')
            continue; /* leading zeros */
        if (++digits > 18)
            return 0;
        mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++) {
            scale--;
            if (mantissa == 0 && s[i] == '0')
                continue;
            if (++digits > 18)
                return 0;
            mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
        }
    }
    if (i < n) { /* e or E, then a signed exponent */
        int minus = 0;
        long exponent = 0;
        i++;
        if (s[i] == '+' || s[i] == '-')
            minus = s[i++] == '-';
        for (; i < n; i++) {
            if (exponent > 100000)
                return 0;
            exponent = exponent * 10 + (s[i] - '0');
        }
        scale += minus ? -exponent : exponent;
    }
    if (mantissa > ((uint64_t)1 << 53))
        return 0;
    double value = (double)mantissa;
    if (mantissa != 0) {
        if (scale > 0 && scale <= 22)
            value *= powers_of_ten[scale];
        else if (scale < 0 && scale >= -22)
            value /= powers_of_ten[-scale];
        else if (scale != 0)
            return 0;
    }
    *out = negative ? -value : value;
    return 1;
#endif
}

static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *buf, *shapes;
    Py_ssize_t pos;
    if (!PyArg_ParseTuple(args, "O!nO!:scan", &PyBytes_Type, &buf, &pos, &PyDict_Type, &shapes))
        return NULL;
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(buf);
    Py_ssize_t end = PyBytes_GET_SIZE(buf);
    if (pos < 0 || pos > end) {
        PyErr_SetString(PyExc_ValueError, "scan: pos out of range");
        return NULL;
    }
    Buffer values = {NULL, 0, 0}, slots = {NULL, 0, 0};
    Py_ssize_t results = 0;
    const unsigned char *last_name = NULL; /* the previous line's name and shape: runs repeat */
    Py_ssize_t last_len = 0;
    PyObject *shape = NULL; /* borrowed from the dict, which this call does not change */
    Py_ssize_t starts[MAX_FIELDS], lengths[MAX_FIELDS];
    double numbers[MAX_FIELDS];

    while (pos < end) {
        const unsigned char *line = data + pos;
        const unsigned char *newline = memchr(line, '\n', (size_t)(end - pos));
        Py_ssize_t length = newline ? (newline - line) + 1 : end - pos;
        if (length < 9 || memcmp(line, "Benchmark", 9) != 0)
            break;
        /* fields, as bytes.split() makes them; any byte outside ASCII goes to Python */
        Py_ssize_t count = 0, i = 0;
        int unusual = 0;
        while (i < length) {
            while (i < length && is_space(line[i]))
                i++;
            if (i >= length)
                break;
            if (count == MAX_FIELDS) {
                unusual = 1;
                break;
            }
            Py_ssize_t start = i;
            while (i < length && !is_space(line[i])) {
                if (line[i] >= 0x80)
                    unusual = 1;
                i++;
            }
            starts[count] = start;
            lengths[count] = i - start;
            count++;
        }
        if (unusual || count < 4 || (count & 1))
            break;
        if (shape == NULL || lengths[0] != last_len || memcmp(line, last_name, (size_t)last_len) != 0) {
            PyObject *name = PyBytes_FromStringAndSize((const char *)line, lengths[0]);
            if (name == NULL)
                goto fail;
            shape = PyDict_GetItemWithError(shapes, name);
            Py_DECREF(name);
            if (shape == NULL) {
                if (PyErr_Occurred())
                    goto fail;
                break;
            }
            if (!PyTuple_Check(shape) || PyTuple_GET_SIZE(shape) != 3 || !PyTuple_Check(PyTuple_GET_ITEM(shape, 0)) ||
                !PyBytes_Check(PyTuple_GET_ITEM(shape, 1))) {
                PyErr_SetString(PyExc_TypeError, "scan: a shape is (units, slots, factors)");
                goto fail;
            }
            last_name = line;
            last_len = lengths[0];
        }
        PyObject *units = PyTuple_GET_ITEM(shape, 0);
        PyObject *shape_slots = PyTuple_GET_ITEM(shape, 1);
        PyObject *factors = PyTuple_GET_ITEM(shape, 2);
        Py_ssize_t width = PyTuple_GET_SIZE(units);
        if (count != 2 + 2 * width || PyBytes_GET_SIZE(shape_slots) != width * (Py_ssize_t)sizeof(int))
            break;
        if (factors != Py_None && (!PyBytes_Check(factors) || PyBytes_GET_SIZE(factors) != width * (Py_ssize_t)sizeof(double)))
            break;
        /* the iteration count: 1 to 18 digits */
        if (lengths[1] >= 19)
            break;
        int ok = 1;
        for (Py_ssize_t k = 0; k < lengths[1]; k++)
            if (!is_digit(line[starts[1] + k]))
                ok = 0;
        for (Py_ssize_t u = 0; ok && u < width; u++) {
            PyObject *unit = PyTuple_GET_ITEM(units, u);
            Py_ssize_t f = 3 + 2 * u;
            if (!PyBytes_Check(unit) || PyBytes_GET_SIZE(unit) != lengths[f] ||
                memcmp(PyBytes_AS_STRING(unit), line + starts[f], (size_t)lengths[f]) != 0)
                ok = 0;
        }
        const double *scale = factors == Py_None ? NULL : (const double *)PyBytes_AS_STRING(factors);
        for (Py_ssize_t u = 0; ok && u < width; u++) {
            Py_ssize_t f = 2 + 2 * u;
            const char *token = (const char *)line + starts[f];
            if (!plain_decimal((const unsigned char *)token, lengths[f])) {
                ok = 0;
                break;
            }
            double value;
            if (!exact_decimal((const unsigned char *)token, lengths[f], &value)) {
                char *stop = NULL;
                /* the token ends at whitespace or the bytes object's closing NUL */
                value = PyOS_string_to_double(token, &stop, NULL);
                if (value == -1.0 && PyErr_Occurred())
                    goto fail;
                if (stop != token + lengths[f])
                    value = NAN;
            }
            if (!isfinite(value) || fabs(value) >= LARGEST) {
                ok = 0;
                break;
            }
            if (scale != NULL && scale[u] != 1.0) {
                if (value == 0.0) { /* 0 keeps the unit as written: Python's exact path */
                    ok = 0;
                    break;
                }
                value *= scale[u];
            }
            numbers[u] = value;
        }
        if (!ok)
            break;
        if (buffer_put(&values, numbers, width * (Py_ssize_t)sizeof(double)) < 0 ||
            buffer_put(&slots, PyBytes_AS_STRING(shape_slots), width * (Py_ssize_t)sizeof(int)) < 0)
            goto fail;
        results++;
        pos += length;
    }
    PyObject *out = Py_BuildValue("nny#y#", pos, results, values.data ? values.data : "", values.used,
                                  slots.data ? slots.data : "", slots.used);
    PyMem_Free(values.data);
    PyMem_Free(slots.data);
    return out;
fail:
    PyMem_Free(values.data);
    PyMem_Free(slots.data);
    return NULL;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, "Take the registered result lines of buf from pos (see the module comment)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_scan", "benchstat's reader of repeated Go result lines, in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__scan(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "SCAN_VERSION", SCAN_VERSION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
