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
 * scan(buf, pos, shapes, template=None, new_slots=None) -> (pos, results, values, slots, made)
 *   buf: bytes of whole lines; pos: where to start; shapes: {name token: (units, slots,
 *   factors)} with units a tuple of bytes, slots the shape's value slots as C ints (bytes),
 *   factors the units' scale factors as C doubles (bytes) or None when every factor is 1.
 *   template: (units, factors) of the last shape Python made: a plain line of a name not in
 *   shapes with exactly these units makes a new shape here, its slots from new_slots(width)
 *   (the sink's own call, so slots are numbered as if Python had made it), registered in
 *   shapes and listed in made as (name token, iterations, slots), in order.
 *   Returns where it stopped, the lines it took (each a result), and their values (C
 *   doubles) and slots (C ints) as bytes, in order, for array.frombytes, and made.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define SCAN_VERSION 2
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

/* A line's numbers if it is a plain line of these units and factors: 1, else 0 (or -1 on error). */
static int plain_line(const unsigned char *line, const Py_ssize_t *starts, const Py_ssize_t *lengths, Py_ssize_t count,
                      PyObject *units, PyObject *factors, double *numbers) {
    Py_ssize_t width = PyTuple_GET_SIZE(units);
    if (count != 2 + 2 * width)
        return 0;
    if (factors != Py_None && PyBytes_GET_SIZE(factors) != width * (Py_ssize_t)sizeof(double))
        return 0;
    if (lengths[1] >= 19) /* the iteration count: 1 to 18 digits */
        return 0;
    for (Py_ssize_t k = 0; k < lengths[1]; k++)
        if (!is_digit(line[starts[1] + k]))
            return 0;
    for (Py_ssize_t u = 0; u < width; u++) {
        PyObject *unit = PyTuple_GET_ITEM(units, u);
        Py_ssize_t f = 3 + 2 * u;
        if (PyBytes_GET_SIZE(unit) != lengths[f] || memcmp(PyBytes_AS_STRING(unit), line + starts[f], (size_t)lengths[f]) != 0)
            return 0;
    }
    const double *scale = factors == Py_None ? NULL : (const double *)PyBytes_AS_STRING(factors);
    for (Py_ssize_t u = 0; u < width; u++) {
        Py_ssize_t f = 2 + 2 * u;
        const char *token = (const char *)line + starts[f];
        if (!plain_decimal((const unsigned char *)token, lengths[f]))
            return 0;
        double value;
        if (!exact_decimal((const unsigned char *)token, lengths[f], &value)) {
            char *stop = NULL;
            /* the token ends at whitespace or the bytes object's closing NUL */
            value = PyOS_string_to_double(token, &stop, NULL);
            if (value == -1.0 && PyErr_Occurred())
                return -1;
            if (stop != token + lengths[f])
                return 0;
        }
        if (!isfinite(value) || fabs(value) >= LARGEST)
            return 0;
        if (scale != NULL && scale[u] != 1.0) {
            if (value == 0.0) /* 0 keeps the unit as written: Python's exact path */
                return 0;
            value *= scale[u];
        }
        numbers[u] = value;
    }
    return 1;
}

/* units a tuple of bytes, factors None or bytes */
static int valid_kind(PyObject *units, PyObject *factors) {
    if (!PyTuple_Check(units) || (factors != Py_None && !PyBytes_Check(factors)))
        return 0;
    for (Py_ssize_t u = 0; u < PyTuple_GET_SIZE(units); u++)
        if (!PyBytes_Check(PyTuple_GET_ITEM(units, u)))
            return 0;
    return 1;
}

/* A shape for a new name with the template's units: slots from new_slots(width), registered in
 * shapes and listed in made as (name, iterations, slots). Returns the (borrowed) entry. */
static PyObject *new_shape(PyObject *shapes, PyObject *made, PyObject *new_slots, PyObject *name, PyObject *units,
                           PyObject *factors, const unsigned char *count, Py_ssize_t count_length) {
    Py_ssize_t width = PyTuple_GET_SIZE(units);
    long long iterations = 0;
    for (Py_ssize_t k = 0; k < count_length; k++)
        iterations = iterations * 10 + (count[k] - '0');
    PyObject *slots = PyObject_CallFunction(new_slots, "n", width);
    if (slots == NULL)
        return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(slots, &view, PyBUF_SIMPLE) < 0) {
        Py_DECREF(slots);
        return NULL;
    }
    PyObject *entry = NULL, *item = NULL, *raw = NULL;
    if (view.len != width * (Py_ssize_t)sizeof(int)) {
        PyErr_SetString(PyExc_TypeError, "scan: new_slots(n) must give n C ints");
        goto done;
    }
    raw = PyBytes_FromStringAndSize(view.buf, view.len);
    if (raw == NULL)
        goto done;
    entry = PyTuple_Pack(3, units, raw, factors);
    if (entry == NULL || PyDict_SetItem(shapes, name, entry) < 0)
        goto done;
    item = Py_BuildValue("(OLO)", name, iterations, slots);
    if (item == NULL || PyList_Append(made, item) < 0) {
        Py_CLEAR(entry);
        goto done;
    }
done:
    PyBuffer_Release(&view);
    Py_DECREF(slots);
    Py_XDECREF(raw);
    Py_XDECREF(item);
    if (entry == NULL)
        return NULL;
    Py_DECREF(entry); /* the dict holds it */
    return entry;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *buf, *shapes, *template = Py_None, *new_slots = Py_None;
    Py_ssize_t pos;
    if (!PyArg_ParseTuple(args, "O!nO!|OO:scan", &PyBytes_Type, &buf, &pos, &PyDict_Type, &shapes, &template,
                          &new_slots))
        return NULL;
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(buf);
    Py_ssize_t end = PyBytes_GET_SIZE(buf);
    if (pos < 0 || pos > end) {
        PyErr_SetString(PyExc_ValueError, "scan: pos out of range");
        return NULL;
    }
    PyObject *template_units = NULL, *template_factors = NULL;
    if (template != Py_None) {
        if (!PyTuple_Check(template) || PyTuple_GET_SIZE(template) != 2 ||
            !valid_kind(PyTuple_GET_ITEM(template, 0), PyTuple_GET_ITEM(template, 1)) || !PyCallable_Check(new_slots)) {
            PyErr_SetString(PyExc_TypeError, "scan: template is (units, factors), with a new_slots callable");
            return NULL;
        }
        template_units = PyTuple_GET_ITEM(template, 0);
        template_factors = PyTuple_GET_ITEM(template, 1);
    }
    PyObject *made = PyList_New(0);
    if (made == NULL)
        return NULL;
    Buffer values = {NULL, 0, 0}, slots = {NULL, 0, 0};
    Py_ssize_t results = 0;
    const unsigned char *last_name = NULL; /* the previous line's name and shape: runs repeat */
    Py_ssize_t last_len = 0;
    PyObject *shape = NULL; /* borrowed: the dict only gains entries during a call */
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
        int plain;
        if (shape == NULL || lengths[0] != last_len || memcmp(line, last_name, (size_t)last_len) != 0) {
            PyObject *name = PyBytes_FromStringAndSize((const char *)line, lengths[0]);
            if (name == NULL)
                goto fail;
            shape = PyDict_GetItemWithError(shapes, name);
            if (shape == NULL) {
                plain = PyErr_Occurred() || template_units == NULL
                            ? 0
                            : plain_line(line, starts, lengths, count, template_units, template_factors, numbers);
                if (plain == 1)
                    shape = new_shape(shapes, made, new_slots, name, template_units, template_factors,
                                      line + starts[1], lengths[1]);
                Py_DECREF(name);
                if (PyErr_Occurred())
                    goto fail;
                if (plain != 1)
                    break;
            } else {
                Py_DECREF(name);
                if (!PyTuple_Check(shape) || PyTuple_GET_SIZE(shape) != 3 ||
                    !valid_kind(PyTuple_GET_ITEM(shape, 0), PyTuple_GET_ITEM(shape, 2)) ||
                    !PyBytes_Check(PyTuple_GET_ITEM(shape, 1))) {
                    PyErr_SetString(PyExc_TypeError, "scan: a shape is (units, slots, factors)");
                    goto fail;
                }
                plain = -2; /* not read yet */
            }
            last_name = line;
            last_len = lengths[0];
        } else {
            plain = -2;
        }
        PyObject *units = PyTuple_GET_ITEM(shape, 0);
        PyObject *shape_slots = PyTuple_GET_ITEM(shape, 1);
        Py_ssize_t width = PyTuple_GET_SIZE(units);
        if (PyBytes_GET_SIZE(shape_slots) != width * (Py_ssize_t)sizeof(int))
            break;
        if (plain == -2)
            plain = plain_line(line, starts, lengths, count, units, PyTuple_GET_ITEM(shape, 2), numbers);
        if (plain < 0)
            goto fail;
        if (plain == 0)
            break;
        if (buffer_put(&values, numbers, width * (Py_ssize_t)sizeof(double)) < 0 ||
            buffer_put(&slots, PyBytes_AS_STRING(shape_slots), width * (Py_ssize_t)sizeof(int)) < 0)
            goto fail;
        results++;
        pos += length;
    }
    PyObject *out = Py_BuildValue("nny#y#N", pos, results, values.data ? values.data : "", values.used,
                                  slots.data ? slots.data : "", slots.used, made);
    PyMem_Free(values.data);
    PyMem_Free(slots.data);
    return out;
fail:
    Py_DECREF(made);
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
