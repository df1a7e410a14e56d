/* perfkit.race._core: the detector's per-access fast path, compiled.
 *
 * Each helper performs the program's own access first (its exceptions are the program's), then
 * checks the location's shadow state: when the state already holds this logical thread's
 * current epoch (FastTrack's "same epoch" case) it returns at once; otherwise it calls the
 * pure-Python bookkeeping (runtime.book_*), which owns every rule. So this file holds no race
 * logic, only the lookups of the common case, and runtime.py without it behaves the same.
 *
 * merge() joins one vector clock into another in a single step under the GIL, so no lock is
 * needed around sync clocks shared by threads. outer() gives the interned id of the stack above
 * the accessing function, cached per activation (see stacks.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <structmember.h>

static PyObject *tls, *SH, *KIND, *STRUCT, *UNOBSERVED, *DEFAULTDICT;
static PyObject *book_ga, *book_sa, *book_gr, *book_gw, *book_gi, *book_si, *book_cr, *book_cw;
static PyObject *py_gr, *py_gi, *py_kind, *py_intern, *py_hidden;
static PyObject *s_cur, *s_e, *s_ne, *s_vc, *s_tid, *HIDDEN_CODES;
static PyObject *py_obj_shadow, *py_read, *py_write, *CUSTOM, *py_internal_error, *py_mc;
static PyObject *core_outer(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
static int merge_into(PyObject *dst, PyObject *src);
static long kind_of(PyObject *c);

#define SHIFT 32
#define TIDMASK ((1LL << SHIFT) - 1)
#define SITE_BITS 24
enum { ATTR = 1, GLOBAL = 2, ITEM = 3, STRUCTURE = 4, CELL = 5 };

/* An int as long long (epochs are up to 63 bits: PyLong_AsLongLong goes through a byte array
 * for them); sets an error on overflow like PyLong_AsLongLong. */
static inline long long
as_ll(PyObject *x)
{
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(x, &overflow);
    if (overflow) {
        PyErr_SetString(PyExc_OverflowError, "epoch out of range");
        return -1;
    }
    return v;
}
static int ready = 0;

enum { K_DICT = 1, K_LIST = 2, K_SET = 3, K_DEQUE = 4 };

/* ---------------------------------------------------------------- location states
 *
 * A location's state [W, R, Wsite, Rsite] (and, once an asyncio task holds a stale read, a
 * fifth item): a small sequence with its items inline. A list would be two allocations (the
 * object and its item array, two cache lines to touch per access) and a GC-tracked one: every
 * new location would count towards the next garbage collection. The items are ints, or dicts
 * and tuples of ints, so a state is never part of a cycle and needs no GC tracking. Python code
 * (runtime._read/_write) indexes it like the list the pure-Python fallback uses. */
#define LOC_MAX 5
typedef struct {
    PyObject_HEAD
    Py_ssize_t n;
    PyObject *v[LOC_MAX];
} LocObject;

static PyTypeObject LocType;
#define Loc_Check(o) Py_IS_TYPE((o), &LocType)
#define LOC_GET(o, i) (((LocObject *)(o))->v[i])

static PyObject *
loc_new4(PyObject *a, PyObject *b, PyObject *c, PyObject *d)
{
    LocObject *st = PyObject_New(LocObject, &LocType);
    if (st == NULL)
        return NULL;
    st->n = 4;
    st->v[0] = Py_NewRef(a);
    st->v[1] = Py_NewRef(b);
    st->v[2] = Py_NewRef(c);
    st->v[3] = Py_NewRef(d);
    st->v[4] = NULL;
    return (PyObject *)st;
}

/* Store into item i (< n); steals v. */
static inline void
loc_set(PyObject *o, Py_ssize_t i, PyObject *v)
{
    LocObject *st = (LocObject *)o;
    PyObject *old = st->v[i];
    st->v[i] = v;
    Py_XDECREF(old);
}

static PyObject *
loc_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *a, *b, *c, *d;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Loc() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "Loc", 4, 4, &a, &b, &c, &d))
        return NULL;
    return loc_new4(a, b, c, d);
}

static void
loc_dealloc(PyObject *o)
{
    LocObject *st = (LocObject *)o;
    for (Py_ssize_t i = 0; i < LOC_MAX; i++)
        Py_XDECREF(st->v[i]);
    Py_TYPE(o)->tp_free(o);
}

static Py_ssize_t
loc_len(PyObject *o)
{
    return ((LocObject *)o)->n;
}

static PyObject *
loc_item(PyObject *o, Py_ssize_t i)
{
    LocObject *st = (LocObject *)o;
    if (i < 0 || i >= st->n) {
        PyErr_SetString(PyExc_IndexError, "Loc index out of range");
        return NULL;
    }
    return Py_NewRef(st->v[i]);
}

static int
loc_ass_item(PyObject *o, Py_ssize_t i, PyObject *v)
{
    LocObject *st = (LocObject *)o;
    if (v == NULL) {
        PyErr_SetString(PyExc_TypeError, "Loc items cannot be deleted");
        return -1;
    }
    if (i < 0 || i >= st->n) {
        PyErr_SetString(PyExc_IndexError, "Loc assignment index out of range");
        return -1;
    }
    loc_set(o, i, Py_NewRef(v));
    return 0;
}

static PyObject *
loc_append(PyObject *o, PyObject *v)
{
    LocObject *st = (LocObject *)o;
    if (st->n >= LOC_MAX) {
        PyErr_SetString(PyExc_ValueError, "Loc is full");
        return NULL;
    }
    st->v[st->n++] = Py_NewRef(v);
    Py_RETURN_NONE;
}

static PyObject *
loc_repr(PyObject *o)
{
    LocObject *st = (LocObject *)o;
    PyObject *t = PyTuple_New(st->n);
    if (t == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < st->n; i++)
        PyTuple_SET_ITEM(t, i, Py_NewRef(st->v[i]));
    PyObject *r = PyUnicode_FromFormat("Loc%R", t);
    Py_DECREF(t);
    return r;
}

static PySequenceMethods loc_as_sequence = {
    .sq_length = loc_len,
    .sq_item = loc_item,
    .sq_ass_item = loc_ass_item,
};

static PyMethodDef loc_methods[] = {
    {"append", (PyCFunction)loc_append, METH_O, "Add the fifth item (a stale-read mark)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LocType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "perfkit.race._core.Loc",
    .tp_basicsize = sizeof(LocObject),
    .tp_dealloc = loc_dealloc,
    .tp_repr = loc_repr,
    .tp_as_sequence = &loc_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A location's shadow state [W, R, Wsite, Rsite] (see runtime.py).",
    .tp_methods = loc_methods,
    .tp_new = loc_tp_new,
};

/* ---------------------------------------------------------------- FastTrack, common cases
 *
 * The same rules as runtime._read/_write for the cases that need no report and no shared-read
 * set: the previous write (and read) are ordered before this access, or the same thread's.
 * Anything else returns 0 and runtime's Python code decides, from the unchanged state. */

typedef struct {
    PyObject *lt, *vc, *eo, *neo; /* eo/neo: lt.e and lt.ne themselves, stored into states */
    long long tid, e, ne;
} lt_t;

/* LT's __slots__, read in place (set by init_shadow) */
static PyTypeObject *LT_TYPE;
static Py_ssize_t off_vc, off_tid, off_e, off_ne;

static PyObject *
slot(PyObject *lt, Py_ssize_t off, PyObject *name)
{
    if (Py_TYPE(lt) == LT_TYPE && off > 0) {
        PyObject *v = *(PyObject **)((char *)lt + off);
        if (v != NULL)
            return Py_NewRef(v);
    }
    return PyObject_GetAttr(lt, name);
}

/* The current logical thread, cached per OS thread and checked against the thread state's
 * unique id (a new thread state on the same OS thread has its own `tls`). Python code changes
 * `tls.cur` only through state.set_current, which calls set_current() here too; a thread whose
 * cache is empty reads `tls.cur` from this thread's dict of the `tls` thread-local. The
 * references are kept, so a finished thread's objects are never reused meanwhile. */
static _Thread_local uint64_t tl_id = 0;
static _Thread_local PyObject *tl_dict = NULL;
static _Thread_local PyObject *tl_lt = NULL;
/* the logical thread's tid, and its epoch object with that epoch's value */
static _Thread_local long long tl_tid = 0;
static _Thread_local PyObject *tl_eo = NULL;
static _Thread_local long long tl_e = 0;

static PyObject *
current_lt(void)
{
    uint64_t id = PyThreadState_GetID(PyThreadState_Get());
    if (tl_lt != NULL && tl_id == id)
        return Py_NewRef(tl_lt);
    if (tl_dict == NULL || tl_id != id) {
        PyObject *d = PyObject_GetAttrString(tls, "__dict__");
        if (d == NULL || !PyDict_Check(d)) {
            Py_XDECREF(d);
            PyErr_Clear();
            return NULL;
        }
        Py_XSETREF(tl_dict, d);
        Py_CLEAR(tl_lt);
        tl_id = id;
    }
    PyObject *lt = PyDict_GetItemWithError(tl_dict, s_cur);
    if (lt == NULL) {
        PyErr_Clear();
        return NULL;
    }
    Py_XSETREF(tl_lt, Py_NewRef(lt));
    tl_tid = 0;
    return Py_NewRef(lt);
}

/* set_current(lt): `tls.cur` was just set to lt in this thread */
static PyObject *
core_set_current(PyObject *self, PyObject *lt)
{
    uint64_t id = PyThreadState_GetID(PyThreadState_Get());
    if (tl_id != id)
        Py_CLEAR(tl_dict); /* the next slow lookup reads this thread state's own */
    tl_id = id;
    Py_XSETREF(tl_lt, Py_NewRef(lt));
    tl_tid = 0;
    Py_RETURN_NONE;
}

static int
lt_load(lt_t *t)
{
    t->lt = current_lt();
    if (t->lt == NULL)
        return 0;
    PyObject *vc = slot(t->lt, off_vc, s_vc);
    PyObject *e = slot(t->lt, off_e, s_e);
    PyObject *ne = slot(t->lt, off_ne, s_ne);
    int ok = vc != NULL && e != NULL && ne != NULL && PyDict_CheckExact(vc) && PyLong_CheckExact(e) &&
             PyLong_CheckExact(ne);
    if (ok && (tl_tid == 0 || t->lt != tl_lt)) {
        PyObject *tid = slot(t->lt, off_tid, s_tid);
        t->tid = tid != NULL ? as_ll(tid) : -1;
        Py_XDECREF(tid);
        ok = !PyErr_Occurred() && t->tid > 0;
        if (ok && t->lt == tl_lt)
            tl_tid = t->tid;
    }
    else
        t->tid = tl_tid;
    if (ok) {
        if (e == tl_eo && t->lt == tl_lt)
            t->e = tl_e;
        else {
            t->e = as_ll(e);
            ok = !PyErr_Occurred();
            if (ok && t->lt == tl_lt) {
                Py_XSETREF(tl_eo, Py_NewRef(e));
                tl_e = t->e;
            }
        }
        t->ne = -t->e;
    }
    if (!ok) {
        PyErr_Clear();
        Py_XDECREF(vc);
        Py_XDECREF(e);
        Py_XDECREF(ne);
        Py_CLEAR(t->lt);
        return 0;
    }
    t->vc = vc;
    t->eo = e;
    t->neo = ne;
    return 1;
}

static void
lt_drop(lt_t *t)
{
    Py_CLEAR(t->lt);
    Py_CLEAR(t->vc);
    Py_CLEAR(t->eo);
    Py_CLEAR(t->neo);
}

/* 1 when the access stamped `epoch` happens before t's current point; -1 on error */
static int
ordered(lt_t *t, long long epoch)
{
    long long a = epoch < 0 ? -epoch : epoch;
    PyObject *k = PyLong_FromLongLong(a & TIDMASK);
    if (k == NULL)
        return -1;
    PyObject *v = PyDict_GetItemWithError(t->vc, k);
    Py_DECREF(k);
    if (v == NULL)
        return PyErr_Occurred() ? -1 : (a >> SHIFT) <= 0;
    long long c = as_ll(v);
    if (c == -1 && PyErr_Occurred())
        return -1;
    return (a >> SHIFT) <= c;
}

static long long
as_epoch(PyObject *x, int *ok)
{
    if (!PyLong_CheckExact(x)) {
        *ok = 0;
        return 0;
    }
    long long v = as_ll(x);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        *ok = 0;
    }
    return v;
}

/* site | outer() << SITE_BITS, as runtime._where */
static PyObject *
where(PyObject *site)
{
    PyObject *sid = core_outer(NULL, NULL, 0);
    if (sid == NULL)
        return NULL;
    long long s = as_ll(site), o = as_ll(sid);
    Py_DECREF(sid);
    if (PyErr_Occurred())
        return NULL;
    return PyLong_FromLongLong(s | (o << SITE_BITS));
}

static int
set_item(PyObject *st, Py_ssize_t i, PyObject *v)
{
    if (v == NULL)
        return -1;
    loc_set(st, i, v); /* steals v */
    return 0;
}

/* 1 done, 0 Python must decide, -1 error */
/* An access found ordered: its epoch goes into slot `kind` (0 write, 1 read) and its site into
 * slot kind + 2. 1 on success, -1 on error. */
static inline int
record_access(lt_t *t, PyObject *st, Py_ssize_t kind, PyObject *site, int atomic)
{
    PyObject *wh = where(site);
    if (wh == NULL)
        return -1;
    if (set_item(st, kind, Py_NewRef(atomic ? t->eo : t->neo)) < 0) {
        Py_DECREF(wh);
        return -1;
    }
    set_item(st, kind + 2, wh);
    return 1;
}

static int
fast_read(lt_t *t, PyObject *st, PyObject *site, int atomic)
{
    if (((LocObject *)st)->n != 4)
        return 0;
    int ok = 1;
    long long w = as_epoch(LOC_GET(st, 0), &ok);
    PyObject *rob = LOC_GET(st, 1);
    long long r = as_epoch(rob, &ok);
    if (!ok)
        return 0;
    if (w < 0 || (w && !atomic)) {
        int o = ordered(t, w);
        if (o <= 0)
            return o;
    }
    if (r) {
        long long ar = r < 0 ? -r : r;
        if ((ar & TIDMASK) != t->tid) {
            int o = ordered(t, r);
            if (o <= 0)
                return o;
        }
    }
    return record_access(t, st, 1, site, atomic);
}

static int
fast_write(lt_t *t, PyObject *st, PyObject *site, int atomic)
{
    if (((LocObject *)st)->n != 4)
        return 0;
    int ok = 1;
    long long w = as_epoch(LOC_GET(st, 0), &ok);
    long long r = as_epoch(LOC_GET(st, 1), &ok);
    if (!ok)
        return 0;
    if (w && (w < 0 || !atomic)) {
        int o = ordered(t, w);
        if (o <= 0)
            return o;
    }
    if (r && (r < 0 || !atomic)) {
        long long ar = r < 0 ? -r : r;
        if ((ar & TIDMASK) != t->tid) {
            int o = ordered(t, r);
            if (o <= 0)
                return o;
        }
    }
    return record_access(t, st, 0, site, atomic);
}

/* The shadow dict of obj (created by runtime's obj_shadow on first access); new ref, Py_None
 * when obj is never shared, NULL on error. */
static PyObject *FLAGS, *REF_TYPE, *DEAD, *OWNER, *s_key;

/* A plain weak-referenceable object's first access, as shadow.obj_shadow: a weak reference
 * whose callback drops the entry, keyed by the object's id. */
static PyObject *
new_shadow(PyObject *obj, PyObject *id)
{
    PyObject *flag = FLAGS != NULL ? PyDict_GetItemWithError(FLAGS, (PyObject *)Py_TYPE(obj)) : NULL;
    if (flag == NULL || !PyLong_CheckExact(flag) || PyLong_AsLong(flag) != 0) {
        PyErr_Clear();
        return PyObject_CallOneArg(py_obj_shadow, obj);
    }
    PyObject *ref = PyObject_CallFunctionObjArgs(REF_TYPE, obj, DEAD, NULL);
    if (ref == NULL)
        return NULL;
    if (PyObject_SetAttr(ref, s_key, id) < 0) {
        Py_DECREF(ref);
        return NULL;
    }
    PyObject *d = PyDict_New();
    if (d == NULL || PyDict_SetItem(d, OWNER, ref) < 0) {
        Py_XDECREF(d);
        Py_DECREF(ref);
        return NULL;
    }
    Py_DECREF(ref);
    PyObject *got = PyDict_SetDefault(SH, id, d);
    Py_DECREF(d);
    return Py_XNewRef(got);
}

/* Recently used shadow dicts of weakly referenced objects, by address: looking one up in SH
 * costs a new int, its hash and a comparison. An entry is valid while its owner reference
 * (which the strongly held dict keeps) still points at the object: SH drops a weakly owned
 * entry only when that reference dies, so a live object's entry is still the one in SH, and a
 * new object at a reused address fails the check. Objects owned strongly (containers, which a
 * sweep may drop from SH while they live) are never cached. */
#define OCACHE_SIZE 512
typedef struct {
    PyObject *obj; /* compared, never followed */
    PyObject *d;   /* strong */
    PyObject *ref; /* d's owner reference, kept by d */
} ocache_t;
static ocache_t ocache[OCACHE_SIZE];

static inline ocache_t *
ocache_slot(PyObject *obj)
{
    return &ocache[((uintptr_t)obj >> 4) % OCACHE_SIZE];
}

static void
ocache_fill(PyObject *obj, PyObject *d)
{
    if (OWNER == NULL || !PyDict_CheckExact(d))
        return;
    PyObject *ref = PyDict_GetItemWithError(d, OWNER);
    if (ref == NULL) {
        PyErr_Clear();
        return;
    }
    if (!PyWeakref_CheckRef(ref) || ((PyWeakReference *)ref)->wr_object != obj)
        return;
    ocache_t *c = ocache_slot(obj);
    Py_XSETREF(c->d, Py_NewRef(d));
    c->obj = obj;
    c->ref = ref;
}

static PyObject *
shadow_of(PyObject *obj)
{
    ocache_t *c = ocache_slot(obj);
    if (c->obj == obj && c->d != NULL && ((PyWeakReference *)c->ref)->wr_object == obj)
        return Py_NewRef(c->d);
    PyObject *id = PyLong_FromVoidPtr(obj);
    if (id == NULL)
        return NULL;
    PyObject *d = PyDict_GetItemWithError(SH, id);
    if (d != NULL)
        Py_INCREF(d);
    else if (!PyErr_Occurred())
        d = new_shadow(obj, id);
    Py_DECREF(id);
    if (d != NULL && d != Py_None)
        ocache_fill(obj, d);
    return d;
}

/* dead(ref): the weak reference callback of a shadowed object, as shadow._dead: drop the entry
 * (unless a new object at the same address already has its own). Runs at every such object's
 * death, so in C; it never raises (a callback's error would be printed into the program). */
static PyObject *
core_dead(PyObject *self, PyObject *ref)
{
    if (SH == NULL || s_key == NULL)
        Py_RETURN_NONE;
    PyObject *key = PyObject_GetAttr(ref, s_key);
    if (key == NULL) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    PyObject *d = PyDict_GetItemWithError(SH, key);
    if (d != NULL && PyDict_Check(d)) {
        PyObject *owner = PyDict_GetItemWithError(d, OWNER);
        if (owner == ref && PyDict_DelItem(SH, key) < 0)
            PyErr_Clear();
    }
    PyErr_Clear();
    Py_DECREF(key);
    Py_RETURN_NONE;
}

static Py_ssize_t
member_offset(PyObject *type, const char *name)
{
    PyObject *d = PyObject_GetAttrString(type, name);
    if (d == NULL) {
        PyErr_Clear();
        return 0;
    }
    Py_ssize_t off = 0;
    if (Py_IS_TYPE(d, &PyMemberDescr_Type))
        off = ((PyMemberDescrObject *)d)->d_member->offset;
    Py_DECREF(d);
    return off;
}

/* init_shadow(FLAGS, Ref, dead, OWNER, LT) */
static PyObject *
core_init_shadow(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5 || !PyDict_Check(args[0]) || !PyType_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError, "init_shadow(FLAGS, Ref, dead, OWNER, LT)");
        return NULL;
    }
    Py_XSETREF(FLAGS, Py_NewRef(args[0]));
    Py_XSETREF(REF_TYPE, Py_NewRef(args[1]));
    Py_XSETREF(DEAD, Py_NewRef(args[2]));
    Py_XSETREF(OWNER, Py_NewRef(args[3]));
    Py_XSETREF(LT_TYPE, (PyTypeObject *)Py_NewRef(args[4]));
    off_vc = member_offset(args[4], "vc");
    off_tid = member_offset(args[4], "tid");
    off_e = member_offset(args[4], "e");
    off_ne = member_offset(args[4], "ne");
    if (s_key == NULL && (s_key = PyUnicode_InternFromString("key")) == NULL)
        return NULL;
    Py_RETURN_NONE;
}

/* One access to location (obj, key): 1 handled, 0 runtime's Python must do it, -1 error. */
static int
shadow_access(PyObject *obj, PyObject *key, PyObject *site, int kind, int write, int atomic)
{
    lt_t t;
    if (!lt_load(&t))
        return 0;
    int res = 0;
    PyObject *st = NULL;
    PyObject *d = shadow_of(obj);
    if (d == NULL)
        goto error;
    if (d == Py_None) {
        res = 1;
        goto done;
    }
    if (!PyDict_CheckExact(d))
        goto done;
    st = PyDict_GetItemWithError(d, key);
    if (st == NULL) {
        if (PyErr_Occurred()) { /* an unhashable key: the Python code knows what to do */
            PyErr_Clear();
            goto done;
        }
        if (kind == ATTR) {
            int custom = PyDict_Contains(d, CUSTOM);
            if (custom != 0) {
                if (custom < 0)
                    goto error;
                goto done;
            }
        }
        PyObject *wh = where(site);
        if (wh == NULL)
            goto error;
        PyObject *e = Py_NewRef(atomic ? t.eo : t.neo);
        if (e == NULL) {
            Py_DECREF(wh);
            goto error;
        }
        PyObject *zero = PyLong_FromLong(0);
        PyObject *fresh = write ? loc_new4(e, zero, wh, zero) : loc_new4(zero, e, zero, wh);
        Py_DECREF(wh);
        Py_DECREF(e);
        Py_DECREF(zero);
        if (fresh == NULL)
            goto error;
        int r = PyDict_SetItem(d, key, fresh);
        Py_DECREF(fresh);
        if (r < 0)
            goto error;
        res = 1;
        goto done;
    }
    Py_INCREF(st);
    if (st == UNOBSERVED) {
        res = 1;
        goto done;
    }
    if (!Loc_Check(st))
        goto done;
    /* same epoch as the last access of this kind: nothing to do */
    PyObject *x = LOC_GET(st, write ? 0 : 1);
    if (x == (atomic ? t.eo : t.neo)) {
        res = 1;
        goto done;
    }
    if (PyLong_CheckExact(x)) {
        int ok = 1;
        long long v = as_epoch(x, &ok);
        if (ok && v == (atomic ? t.e : t.ne)) {
            res = 1;
            goto done;
        }
    }
    res = write ? fast_write(&t, st, site, atomic) : fast_read(&t, st, site, atomic);
    if (res < 0)
        goto error;
    if (res == 0) {
        PyObject *kindo = PyLong_FromLong(kind);
        if (kindo == NULL)
            goto error;
        PyObject *args[7] = {t.lt, st, site, atomic ? Py_True : Py_False, obj, key, kindo};
        PyObject *r = PyObject_Vectorcall(write ? py_write : py_read, args, 7, NULL);
        Py_DECREF(kindo);
        if (r == NULL)
            goto error;
        Py_DECREF(r);
        res = 1;
    }
    goto done;
error:
    res = -1;
done:
    Py_XDECREF(st);
    Py_XDECREF(d);
    lt_drop(&t);
    return res;
}

/* Run a Python bookkeeping function; it catches its own errors, so only a KeyboardInterrupt
 * (or similar) comes back, and that belongs to the program. */
static int
book(PyObject *fn, PyObject *const *args, Py_ssize_t n)
{
    PyObject *r = PyObject_Vectorcall(fn, args, n, NULL);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

#define CHECK_ARGS(n, name)                                                       \
    if (nargs != (n)) {                                                           \
        PyErr_SetString(PyExc_TypeError, name "() takes " #n " arguments");       \
        return NULL;                                                              \
    }                                                                             \
    if (!ready) {                                                                 \
        PyErr_SetString(PyExc_RuntimeError, "perfkit.race._core is not initialised"); \
        return NULL;                                                              \
    }

/* A detector error becomes runtime.internal_error's one line; a KeyboardInterrupt or
 * SystemExit raised while the detector ran Python code belongs to the program. */
static int
swallow(void)
{
    if (!PyErr_ExceptionMatches(PyExc_Exception))
        return -1;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL)
        PyException_SetTraceback(value, tb);
    PyObject *r = value != NULL ? PyObject_CallOneArg(py_internal_error, value) : NULL;
    Py_XDECREF(r);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
    return 0;
}

/* ---------------------------------------------------------------- scheduling perturbation
 *
 * Go's race runtime randomises which goroutine runs next when a synchronisation wakes one, so
 * racing accesses get to happen from several goroutines. Under the GIL one thread can instead
 * run alone for a whole switch interval and take all the work. The analogue here: a thread
 * that reaches a synchronisation point (a queue put/get, a lock or event release) after running
 * alone for its budget (no other thread made an observed access or synchronisation since)
 * hands the GIL on at its next observed access: it drops the GIL and sleeps a moment, long
 * enough for a thread waiting for the GIL to wake up and take it (it then runs until its own
 * switch interval ends or it blocks, as after any switch). Not at the synchronisation point
 * itself: a queue's hooks run under its mutex, and threads would convoy on it.
 *
 * A thread that took the GIL back at once (nobody was waiting: the others are blocked, or run
 * only unobserved code) doubles its budget, so a lone thread pays almost nothing. So does a
 * thread whose hand-off was taken: its peers demonstrably get to run, and threads that take
 * turns anyway (a pipeline) would otherwise pay a hand-off, and the queue wake-ups that follow
 * it, every 500 µs (with two cores each costs a wake-up on the other core: the pipeline in
 * reports/race-overhead.md made ~8x more GIL switches than without the detector). The budget
 * goes back to its base when a new thread makes its first observed access (every thread's), and
 * after DECAY_NS without a hand-off (a thread waking after a quiet spell), so every new thread
 * and every burst of work after a pause gets the short budget again; while budgets are long,
 * CPython's own switch interval still hands the GIL to a waiting thread.
 *
 * An earlier version shortened the switch interval instead of sleeping: every thread waiting for
 * the GIL then forced a switch every 100 µs until another observed access was seen. */
#include <sched.h>
#include <time.h>
#define MAX_BUDGET_NS 16000000LL
/* how long a hand-off leaves the GIL free: a waiter on another core wakes in a few µs to tens
 * of µs; on one core the waiter runs as soon as this thread sleeps */
#define HANDOFF_NS 40000L
/* taking the GIL back took this long: another thread had it (a hand-off happened) */
#define TOOK_OVER_NS 20000LL
#define DECAY_NS 50000000LL
static long long base_budget_ns = 0; /* 0: never perturb */
static uintptr_t last_runner = 0;
/* bumped when an OS thread makes its first observed access: every budget starts again */
static long long generation = 0;
static _Thread_local long long my_generation = -1; /* -1: this thread not seen yet */
static _Thread_local long long grown_at = 0;       /* ns of this thread's last budget doubling */
static _Thread_local int yield_pending = 0;
static _Thread_local long long alone_since = 0; /* ns; 0: not measured yet */
static _Thread_local long long budget_ns = 0;
/* counters for sched_stats(): hand-offs tried, hand-offs another thread took, switches seen */
static long long n_handoffs = 0, n_taken = 0, n_switches = 0;

/* this thread, as an address of its own */
#define ME ((uintptr_t)&yield_pending)

static inline long long
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The base budget again for a thread seen for the first time, and for every thread after that. */
static inline void
check_generation(void)
{
    if (my_generation != generation || my_generation < 0) {
        if (my_generation < 0)
            generation++;
        my_generation = generation;
        budget_ns = base_budget_ns;
    }
}

/* Another thread is seen running: this one starts a new turn. */
static void
switched(void)
{
    last_runner = ME;
    alone_since = 0;
    n_switches++;
    check_generation();
}

static void
grow_budget(long long t)
{
    budget_ns = budget_ns * 2 > MAX_BUDGET_NS ? MAX_BUDGET_NS : budget_ns * 2;
    grown_at = t;
}

/* Every observed access: which thread runs (one comparison in the common case). */
static inline void
ran(void)
{
    if (last_runner != ME && base_budget_ns)
        switched();
}

static void
sched_point(void)
{
    if (!base_budget_ns)
        return;
    if (last_runner != ME) {
        switched();
        return;
    }
    check_generation();
    long long t = now_ns();
    if (budget_ns == 0 || (budget_ns > base_budget_ns && t - grown_at >= DECAY_NS))
        budget_ns = base_budget_ns;
    if (alone_since == 0)
        alone_since = t;
    else if (t - alone_since >= budget_ns)
        yield_pending = 1;
}

/* At an observed access after sched_point asked for it, outside any queue mutex. */
static void
give_way(void)
{
    yield_pending = 0;
    n_handoffs++;
    struct timespec pause = {0, HANDOFF_NS};
    long long back;
    Py_BEGIN_ALLOW_THREADS
    nanosleep(&pause, NULL);
    back = now_ns();
    Py_END_ALLOW_THREADS
    long long t = now_ns();
    grow_budget(t);
    if (t - back >= TOOK_OVER_NS) {
        n_taken++; /* another thread ran meanwhile: this one starts a new turn */
        switched();
    }
    else
        alone_since = t; /* nobody was waiting */
}

/* sched_stats(): (hand-offs tried, hand-offs another thread took, switches between threads seen) */
static PyObject *
core_sched_stats(PyObject *self, PyObject *unused)
{
    return Py_BuildValue("(LLL)", n_handoffs, n_taken, n_switches);
}

/* sched_point(): a synchronisation point in Python code (a lock or event release) */
static PyObject *
core_sched_point(PyObject *self, PyObject *unused)
{
    sched_point();
    Py_RETURN_NONE;
}

/* set_perturb(budget_us): a thread that ran alone for budget_us (0: never) hands the GIL on */
static PyObject *
core_set_perturb(PyObject *self, PyObject *arg)
{
    long budget = PyLong_AsLong(arg);
    if (budget == -1 && PyErr_Occurred())
        return NULL;
    base_budget_ns = budget < 0 ? 0 : budget * 1000LL;
    Py_RETURN_NONE;
}

/* One access; what the compiled path cannot decide goes to `fallback(*fargs)` in Python. */
static int
run_access(PyObject *obj, PyObject *key, PyObject *site, int kind, int write, int atomic, PyObject *fallback,
           PyObject *const *fargs, Py_ssize_t n)
{
    if (yield_pending)
        give_way();
    ran();
    int r = shadow_access(obj, key, site, kind, write, atomic);
    if (r == 1)
        return 0;
    if (r == 0)
        return book(fallback, fargs, n) < 0 ? swallow() : 0;
    return swallow();
}

/* ga(obj, name, site): obj.name */
static PyObject *
core_ga(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(3, "ga");
    PyObject *val = PyObject_GetAttr(args[0], args[1]);
    if (val == NULL)
        return NULL;
    if (run_access(args[0], args[1], args[2], ATTR, 0, 0, book_ga, args, 3) < 0) {
        Py_DECREF(val);
        return NULL;
    }
    return val;
}

/* sa(val, obj, name, site): obj.name = val */
static PyObject *
core_sa(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(4, "sa");
    if (PyObject_SetAttr(args[1], args[2], args[0]) < 0)
        return NULL;
    if (run_access(args[1], args[2], args[3], ATTR, 1, 0, book_sa, args + 1, 3) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* gr(g, name, site): a module global */
static PyObject *
core_gr(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(3, "gr");
    if (!PyDict_CheckExact(args[0]))
        return PyObject_Vectorcall(py_gr, args, 3, NULL);
    PyObject *val = PyDict_GetItemWithError(args[0], args[1]);
    if (val == NULL) {
        if (PyErr_Occurred())
            return NULL;
        return PyObject_Vectorcall(py_gr, args, 3, NULL); /* builtins, NameError */
    }
    Py_INCREF(val);
    if (run_access(args[0], args[1], args[2], GLOBAL, 0, 0, book_gr, args, 3) < 0) {
        Py_DECREF(val);
        return NULL;
    }
    return val;
}

/* gw(val, g, name, site): record a store to a global, return val for the caller to store */
static PyObject *
core_gw(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(4, "gw");
    if (run_access(args[1], args[2], args[3], GLOBAL, 1, 0, book_gw, args + 1, 3) < 0)
        return NULL;
    return Py_NewRef(args[0]);
}

/* gwr(g, name, site): record a store or deletion of a global */
static PyObject *
core_gwr(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(3, "gwr");
    if (run_access(args[0], args[1], args[2], GLOBAL, 1, 0, book_gw, args, 3) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* cr(val, cell, name, site): a closure variable read */
static PyObject *
core_cr(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(4, "cr");
    if (run_access(args[1], args[2], args[3], CELL, 0, 0, book_cr, args + 1, 3) < 0)
        return NULL;
    return Py_NewRef(args[0]);
}

/* cw(val, cell, name, site): a closure variable store */
static PyObject *
core_cw(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(4, "cw");
    if (run_access(args[1], args[2], args[3], CELL, 1, 0, book_cw, args + 1, 3) < 0)
        return NULL;
    return Py_NewRef(args[0]);
}

/* The container kind of type(c): 0 not a container we track, -1 not classified yet. */
static long
kind_of(PyObject *c)
{
    PyObject *k = PyDict_GetItemWithError(KIND, (PyObject *)Py_TYPE(c));
    if (k == NULL) {
        if (PyErr_Occurred())
            PyErr_Clear();
        return -1;
    }
    long v = PyLong_AsLong(k);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    return v;
}

static int
plain_index(PyObject *k)
{
    if (!PyLong_CheckExact(k))
        return 0;
    int overflow = 0;
    long long i = PyLong_AsLongLongAndOverflow(k, &overflow);
    if (overflow || (i == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 0;
    }
    return i >= 0;
}

/* gi(c, k, site): c[k] */
static PyObject *
core_gi(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(3, "gi");
    PyObject *c = args[0], *k = args[1];
    if ((PyObject *)Py_TYPE(c) == DEFAULTDICT)
        return PyObject_Vectorcall(py_gi, args, 3, NULL);
    PyObject *val = PyObject_GetItem(c, k);
    if (val == NULL)
        return NULL;
    long kind = kind_of(c);
    if (kind == 0)
        return val;
    int r;
    if (kind > 0 && ((kind != K_LIST && kind != K_DEQUE) || plain_index(k)))
        r = run_access(c, k, args[2], ITEM, 0, 1, book_gi, args, 3);
    else
        r = book(book_gi, args, 3) < 0 ? swallow() : 0;
    if (r < 0) {
        Py_DECREF(val);
        return NULL;
    }
    return val;
}

static PyObject *
store(PyObject *const *args, Py_ssize_t nargs, int atomic)
{
    PyObject *val = args[0], *c = args[1], *k = args[2], *site = args[3];
    long kind = kind_of(c);
    if (kind < 0) {
        PyObject *r = PyObject_CallOneArg(py_kind, (PyObject *)Py_TYPE(c));
        if (r == NULL)
            PyErr_Clear();
        else
            Py_DECREF(r);
        kind = kind_of(c);
        if (kind < 0)
            kind = 0;
    }
    int new = 0;
    if (kind == K_DICT) {
        int has = PySequence_Contains(c, k);
        if (has < 0)
            PyErr_Clear();
        else
            new = !has;
    }
    if (PyObject_SetItem(c, k, val) < 0)
        return NULL;
    if (kind == 0)
        Py_RETURN_NONE;
    PyObject *bargs[5] = {c, k, site, atomic ? Py_True : Py_False, new ? Py_True : Py_False};
    int list = kind == K_LIST || kind == K_DEQUE;
    if (list && !plain_index(k)) {
        if (book(book_si, bargs, 5) < 0 && swallow() < 0)
            return NULL;
        Py_RETURN_NONE;
    }
    /* a new dict key, or any list item, also writes the container's structure (atomically) */
    int r = (new || list) ? shadow_access(c, STRUCT, site, STRUCTURE, 1, 1) : 1;
    if (r != 1) {
        if (r < 0 ? swallow() < 0 : book(book_si, bargs, 5) < 0 && swallow() < 0)
            return NULL;
        Py_RETURN_NONE;
    }
    if (run_access(c, k, site, ITEM, 1, atomic, book_si, bargs, 5) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* si(val, c, k, site): c[k] = val, one atomic store */
static PyObject *
core_si(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(4, "si");
    return store(args, nargs, 1);
}

/* si_rmw(val, c, k, site): c[k] = f(c[k]), a read-modify-write */
static PyObject *
core_si_rmw(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(4, "si_rmw");
    return store(args, nargs, 0);
}
/* merge(dst, src): dst[k] = max(dst.get(k, 0), v) for every k, v of src, in one step */
static PyObject *
core_merge(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyDict_Check(args[0]) || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "merge(dst: dict, src: dict)");
        return NULL;
    }
    if (merge_into(args[0], args[1]) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static int
merge_into(PyObject *dst, PyObject *src)
{
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(src, &pos, &k, &v)) {
        PyObject *cur = PyDict_GetItemWithError(dst, k);
        if (cur == NULL) {
            if (PyErr_Occurred())
                return -1;
        }
        else if (PyLong_CheckExact(cur) && PyLong_CheckExact(v)) {
            long long a = as_ll(cur), b = as_ll(v);
            if (PyErr_Occurred())
                return -1;
            if (a >= b)
                continue;
        }
        else {
            int lt = PyObject_RichCompareBool(cur, v, Py_LT);
            if (lt < 0)
                return -1;
            if (!lt)
                continue;
        }
        if (PyDict_SetItem(dst, k, v) < 0)
            return -1;
    }
    return 0;
}

/* Store into one of LT's slots in place (as `slot` reads them); a borrowed value. */
static int
set_slot(PyObject *lt, Py_ssize_t off, PyObject *name, PyObject *v)
{
    if (Py_TYPE(lt) == LT_TYPE && off > 0) {
        PyObject **p = (PyObject **)((char *)lt + off);
        PyObject *old = *p;
        *p = Py_NewRef(v);
        Py_XDECREF(old);
        return 0;
    }
    return PyObject_SetAttr(lt, name, v);
}

/* tick(lt): a new epoch (after a release or a fork), as LT.tick */
static int
tick_lt(PyObject *lt)
{
    PyObject *vc = slot(lt, off_vc, s_vc), *tid = slot(lt, off_tid, s_tid);
    int res = -1;
    if (vc == NULL || tid == NULL || !PyDict_Check(vc))
        goto out;
    PyObject *c = PyDict_GetItemWithError(vc, tid);
    long long n = c != NULL ? as_ll(c) : 0;
    long long t = as_ll(tid);
    if (PyErr_Occurred())
        goto out;
    PyObject *no = PyLong_FromLongLong(n + 1);
    if (no == NULL)
        goto out;
    int r = PyDict_SetItem(vc, tid, no);
    Py_DECREF(no);
    if (r < 0)
        goto out;
    long long e = ((n + 1) << SHIFT) | t;
    PyObject *eo = PyLong_FromLongLong(e), *neo = PyLong_FromLongLong(-e);
    if (eo != NULL && neo != NULL && set_slot(lt, off_e, s_e, eo) == 0 && set_slot(lt, off_ne, s_ne, neo) == 0)
        res = 0;
    Py_XDECREF(eo);
    Py_XDECREF(neo);
out:
    Py_XDECREF(vc);
    Py_XDECREF(tid);
    return res;
}

static PyObject *
core_tick(PyObject *self, PyObject *lt)
{
    if (tick_lt(lt) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* release(lt, sc): publish lt's clock into a sync object's clock, then a new epoch */
static PyObject *
core_release(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "release(lt, sc: dict)");
        return NULL;
    }
    PyObject *vc = PyObject_GetAttr(args[0], s_vc);
    if (vc == NULL)
        return NULL;
    int r = PyDict_Check(vc) ? merge_into(args[1], vc) : -1;
    Py_DECREF(vc);
    if (r < 0 || tick_lt(args[0]) < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "lt.vc is not a dict");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* acquire(lt, sc): receive a sync object's clock (sc may be None or empty) */
static PyObject *
core_acquire(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "acquire(lt, sc)");
        return NULL;
    }
    if (!PyDict_Check(args[1]) || PyDict_GET_SIZE(args[1]) == 0)
        Py_RETURN_NONE;
    PyObject *vc = PyObject_GetAttr(args[0], s_vc);
    if (vc == NULL)
        return NULL;
    int r = PyDict_Check(vc) ? merge_into(vc, args[1]) : 0;
    Py_DECREF(vc);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* mc(c, meth, site, *args, **kwargs): a container method Python runs atomically. Objects that
 * are not tracked containers (a queue's get, a ContextVar's get) just get the call. */
static PyObject *
core_mc(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs < 3) {
        PyErr_SetString(PyExc_TypeError, "mc(c, meth, site, *args)");
        return NULL;
    }
    long kind = kind_of(args[0]);
    if (kind != 0 || !ready)
        return PyObject_Vectorcall(py_mc, args, nargsf, kwnames);
    PyObject *f = PyObject_GetAttr(args[0], args[1]);
    if (f == NULL)
        return NULL;
    PyObject *r = PyObject_Vectorcall(f, args + 3, nargs - 3, kwnames);
    Py_DECREF(f);
    return r;
}

/* ---------------------------------------------------------------- locks
 *
 * `with lock:` on a user's threading.Lock (sync.RaceLock) in one C call each way: the common
 * case only. Whatever needs the deadlock detector (another lock already held, an acquire that
 * has to block) or a reentrant lock goes to RaceLock's own Python methods, which bind_lock()
 * receives; the bookkeeping is theirs (acquire: receive the lock's clock, push its serial on the
 * thread's held list; exit: publish the clock, a synchronisation point, pop the serial). */

static PyObject *lock_cls, *lock_py_acquire, *lock_py_exit;
static PyObject *s_inner, *s_sc, *s_serial, *s_held, *s_acquire, *s_release, *s_locked;

/* bind_lock(RaceLock, acquire, __exit__): the class the fast path serves, and its slow paths */
static PyObject *
core_bind_lock(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyType_Check(args[0]) || !PyCallable_Check(args[1]) || !PyCallable_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "bind_lock(cls, acquire, exit)");
        return NULL;
    }
    Py_XSETREF(lock_cls, Py_NewRef(args[0]));
    Py_XSETREF(lock_py_acquire, Py_NewRef(args[1]));
    Py_XSETREF(lock_py_exit, Py_NewRef(args[2]));
    Py_RETURN_NONE;
}

static PyObject *core_lock_enter(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
static PyObject *core_lock_exit(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

/* lock_methods(): (__enter__, __exit__) for the class: lock_enter and lock_exit wrapped so that
 * they bind the instance as a method does (a builtin function in a class would not) */
static PyObject *
core_lock_methods(PyObject *self, PyObject *unused)
{
    PyObject *enter = PyObject_GetAttrString(self, "lock_enter"), *exit_ = PyObject_GetAttrString(self, "lock_exit");
    PyObject *r = NULL;
    if (enter != NULL && exit_ != NULL) {
        PyObject *a = PyInstanceMethod_New(enter), *b = PyInstanceMethod_New(exit_);
        if (a != NULL && b != NULL)
            r = PyTuple_Pack(2, a, b);
        Py_XDECREF(a);
        Py_XDECREF(b);
    }
    Py_XDECREF(enter);
    Py_XDECREF(exit_);
    return r;
}

/* lock_enter(lock): RaceLock.__enter__ */
static PyObject *
core_lock_enter(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (lock_cls == NULL || nargs != 1 || (PyObject *)Py_TYPE(args[0]) != lock_cls)
        goto slow;
    PyObject *lock = args[0];
    PyObject *lt = current_lt();
    if (lt == NULL) {
        PyErr_Clear();
        goto slow;
    }
    PyObject *held = PyObject_GetAttr(lt, s_held);
    if (held == NULL || !PyList_CheckExact(held) || PyList_GET_SIZE(held) != 0) {
        /* another lock held: the lock-order graph (deadlock.py) wants to see this one */
        Py_XDECREF(held);
        Py_DECREF(lt);
        PyErr_Clear();
        goto slow;
    }
    PyObject *inner = PyObject_GetAttr(lock, s_inner);
    PyObject *got = inner != NULL ? PyObject_CallMethodOneArg(inner, s_acquire, Py_False) : NULL;
    Py_XDECREF(inner);
    if (got != Py_True) {
        /* taken (or not a lock we know): the Python path blocks, announced to the watchdog */
        Py_XDECREF(got);
        Py_DECREF(held);
        Py_DECREF(lt);
        PyErr_Clear();
        goto slow;
    }
    Py_DECREF(got);
    /* the lock is ours now: a failure in the bookkeeping is the detector's, never the program's */
    PyObject *sc = PyObject_GetAttr(lock, s_sc), *serial = NULL, *vc = NULL;
    if (sc == NULL)
        goto error;
    if (PyDict_Check(sc) && PyDict_GET_SIZE(sc)) {
        vc = slot(lt, off_vc, s_vc);
        if (vc == NULL || !PyDict_Check(vc) || merge_into(vc, sc) < 0)
            goto error;
    }
    serial = PyObject_GetAttr(lock, s_serial);
    if (serial == NULL || PyList_Append(held, serial) < 0)
        goto error;
    goto done;
error:
    if (swallow() < 0) {
        Py_XDECREF(sc);
        Py_XDECREF(vc);
        Py_XDECREF(serial);
        Py_DECREF(held);
        Py_DECREF(lt);
        return NULL;
    }
done:
    Py_XDECREF(sc);
    Py_XDECREF(vc);
    Py_XDECREF(serial);
    Py_DECREF(held);
    Py_DECREF(lt);
    Py_RETURN_TRUE;
slow:
    if (lock_py_acquire == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "bind_lock() was not called");
        return NULL;
    }
    return PyObject_Vectorcall(lock_py_acquire, args, nargs, NULL);
}

/* Publish `lt`'s clock into the lock's, start a new epoch, drop the lock's serial from `held`. */
static int
lock_publish(PyObject *lock, PyObject *lt)
{
    PyObject *sc = PyObject_GetAttr(lock, s_sc), *vc = slot(lt, off_vc, s_vc);
    PyObject *held = PyObject_GetAttr(lt, s_held), *serial = PyObject_GetAttr(lock, s_serial);
    int r = -1;
    if (sc == NULL || vc == NULL || held == NULL || serial == NULL)
        goto out;
    if (!PyDict_Check(sc) || !PyDict_Check(vc) || !PyList_Check(held)) {
        PyErr_SetString(PyExc_TypeError, "a lock's clock, a thread's clock or held list of the wrong type");
        goto out;
    }
    if (merge_into(sc, vc) < 0 || tick_lt(lt) < 0)
        goto out;
    sched_point();
    /* the last occurrence of the serial (locks are usually released in reverse order) */
    for (Py_ssize_t i = PyList_GET_SIZE(held) - 1; i >= 0; i--) {
        int eq = PyObject_RichCompareBool(PyList_GET_ITEM(held, i), serial, Py_EQ);
        if (eq < 0)
            goto out;
        if (eq) {
            if (PyList_SetSlice(held, i, i + 1, NULL) < 0)
                goto out;
            break;
        }
    }
    r = 0;
out:
    Py_XDECREF(sc);
    Py_XDECREF(vc);
    Py_XDECREF(held);
    Py_XDECREF(serial);
    return r;
}

/* lock_exit(lock, *exc): RaceLock.__exit__ */
static PyObject *
core_lock_exit(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (lock_cls == NULL || nargs < 1 || (PyObject *)Py_TYPE(args[0]) != lock_cls) {
        if (lock_py_exit == NULL) {
            PyErr_SetString(PyExc_RuntimeError, "bind_lock() was not called");
            return NULL;
        }
        return PyObject_Vectorcall(lock_py_exit, args, nargs, NULL);
    }
    PyObject *lock = args[0];
    PyObject *lt = current_lt();
    if (lt == NULL) {
        /* a thread without a logical thread yet: the Python path attaches one */
        PyErr_Clear();
        return PyObject_Vectorcall(lock_py_exit, args, nargs, NULL);
    }
    PyObject *inner = PyObject_GetAttr(lock, s_inner);
    if (inner == NULL) {
        Py_DECREF(lt);
        return NULL;
    }
    PyObject *locked = PyObject_CallMethodNoArgs(inner, s_locked);
    if (locked == NULL) {
        Py_DECREF(inner);
        Py_DECREF(lt);
        return NULL;
    }
    if (locked == Py_True && lock_publish(lock, lt) < 0 && swallow() < 0) {
        Py_DECREF(locked);
        Py_DECREF(inner);
        Py_DECREF(lt);
        return NULL;
    }
    Py_DECREF(locked);
    Py_DECREF(lt);
    /* releasing a lock that is not held raises the program's own RuntimeError, as without us */
    PyObject *r = PyObject_CallMethodNoArgs(inner, s_release);
    Py_DECREF(inner);
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------- queues
 *
 * A user queue's _put/_get, as sync._queue_edges builds them in Python, in one C call each:
 * state = (inner_put, inner_get, per_item, size, sc, clocks, counts, append, take, fallback)
 * where counts is a 2-item list [receives, sends], append/take the bound methods of a deque of
 * per-item clocks, and fallback(lt-less) the Python hook to use when this thread has no
 * logical thread yet. */

enum { Q_PUT, Q_GET, Q_PER_ITEM, Q_SIZE, Q_SC, Q_CLOCKS, Q_COUNTS, Q_APPEND, Q_TAKE, Q_LEN, Q_N };

static int
bump_count(PyObject *counts, Py_ssize_t i, long long *n)
{
    long long v = as_ll(PyList_GET_ITEM(counts, i)) + 1;
    if (PyErr_Occurred())
        return -1;
    PyObject *o = PyLong_FromLongLong(v);
    if (o == NULL)
        return -1;
    PyList_SetItem(counts, i, o);
    *n = v;
    return 0;
}

static int
queue_state_ok(PyObject *st)
{
    return PyTuple_CheckExact(st) && PyTuple_GET_SIZE(st) == Q_N && PyList_CheckExact(PyTuple_GET_ITEM(st, Q_COUNTS)) &&
           PyList_GET_SIZE(PyTuple_GET_ITEM(st, Q_COUNTS)) == 2 && PyDict_Check(PyTuple_GET_ITEM(st, Q_CLOCKS)) &&
           PyDict_Check(PyTuple_GET_ITEM(st, Q_SC));
}

/* qput(state, item) */
static PyObject *
core_qput(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !queue_state_ok(args[0])) {
        PyErr_SetString(PyExc_TypeError, "qput(state, item)");
        return NULL;
    }
    PyObject *st = args[0];
    sched_point();
    PyObject *lt = current_lt();
    if (lt == NULL)
        return PyObject_CallOneArg(PyTuple_GET_ITEM(st, Q_PUT), args[1]); /* not attached: no edge */
    PyObject *vc = slot(lt, off_vc, s_vc);
    if (vc == NULL || !PyDict_Check(vc))
        goto error;
    long long size = as_ll(PyTuple_GET_ITEM(st, Q_SIZE));
    if (PyErr_Occurred())
        goto error;
    if (size > 0) {
        long long n;
        if (bump_count(PyTuple_GET_ITEM(st, Q_COUNTS), 1, &n) < 0)
            goto error;
        PyObject *key = PyLong_FromLongLong(n - size);
        if (key == NULL)
            goto error;
        PyObject *clock = PyDict_GetItemWithError(PyTuple_GET_ITEM(st, Q_CLOCKS), key);
        if (clock != NULL) {
            Py_INCREF(clock);
            int r = PyDict_DelItem(PyTuple_GET_ITEM(st, Q_CLOCKS), key);
            if (r == 0 && PyDict_Check(clock))
                r = merge_into(vc, clock);
            Py_DECREF(clock);
            if (r < 0) {
                Py_DECREF(key);
                goto error;
            }
        }
        Py_DECREF(key);
        if (PyErr_Occurred())
            goto error;
    }
    if (PyTuple_GET_ITEM(st, Q_PER_ITEM) == Py_True) {
        PyObject *copy = PyDict_Copy(vc);
        if (copy == NULL)
            goto error;
        PyObject *r = PyObject_CallOneArg(PyTuple_GET_ITEM(st, Q_APPEND), copy);
        Py_DECREF(copy);
        if (r == NULL)
            goto error;
        Py_DECREF(r);
    }
    else {
        PyObject *sc = PyTuple_GET_ITEM(st, Q_SC);
        if (merge_into(vc, sc) < 0 || merge_into(sc, vc) < 0)
            goto error;
    }
    if (tick_lt(lt) < 0)
        goto error;
    Py_DECREF(vc);
    Py_DECREF(lt);
    return PyObject_CallOneArg(PyTuple_GET_ITEM(st, Q_PUT), args[1]);
error:
    Py_XDECREF(vc);
    Py_DECREF(lt);
    if (swallow() < 0)
        return NULL;
    return PyObject_CallOneArg(PyTuple_GET_ITEM(st, Q_PUT), args[1]);
}

/* qget(state) */
static PyObject *
core_qget(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 1 || !queue_state_ok(args[0])) {
        PyErr_SetString(PyExc_TypeError, "qget(state)");
        return NULL;
    }
    PyObject *st = args[0];
    sched_point();
    PyObject *lt = current_lt();
    if (lt == NULL)
        return PyObject_CallNoArgs(PyTuple_GET_ITEM(st, Q_GET));
    PyObject *item = NULL;
    PyObject *vc = slot(lt, off_vc, s_vc);
    if (vc == NULL || !PyDict_Check(vc))
        goto error;
    if (PyTuple_GET_ITEM(st, Q_PER_ITEM) == Py_True) {
        PyObject *n = PyObject_CallNoArgs(PyTuple_GET_ITEM(st, Q_LEN));
        long long pending = n != NULL ? as_ll(n) : -1;
        Py_XDECREF(n);
        if (PyErr_Occurred())
            goto error;
        if (pending > 0) {
            PyObject *clock = PyObject_CallNoArgs(PyTuple_GET_ITEM(st, Q_TAKE));
            if (clock == NULL)
                goto error;
            int r = PyDict_Check(clock) ? merge_into(vc, clock) : 0;
            Py_DECREF(clock);
            if (r < 0)
                goto error;
        }
    }
    else if (merge_into(vc, PyTuple_GET_ITEM(st, Q_SC)) < 0)
        goto error;
    goto take;
error:
    if (swallow() < 0) {
        Py_XDECREF(vc);
        Py_DECREF(lt);
        return NULL;
    }
take:
    item = PyObject_CallNoArgs(PyTuple_GET_ITEM(st, Q_GET));
    if (item != NULL && vc != NULL && PyDict_Check(vc)) {
        long long size = as_ll(PyTuple_GET_ITEM(st, Q_SIZE));
        long long k;
        if (!PyErr_Occurred() && size > 0 && bump_count(PyTuple_GET_ITEM(st, Q_COUNTS), 0, &k) == 0) {
            PyObject *key = PyLong_FromLongLong(k), *copy = PyDict_Copy(vc);
            if (key == NULL || copy == NULL || PyDict_SetItem(PyTuple_GET_ITEM(st, Q_CLOCKS), key, copy) < 0 ||
                tick_lt(lt) < 0) {
                if (swallow() < 0) {
                    Py_CLEAR(item);
                }
            }
            Py_XDECREF(key);
            Py_XDECREF(copy);
        }
        else if (PyErr_Occurred() && swallow() < 0)
            Py_CLEAR(item);
    }
    Py_XDECREF(vc);
    Py_DECREF(lt);
    return item;
}

/* ---------------------------------------------------------------- stacks */

#define CACHE_SIZE 1024
#define DEPTH 24

/* The frames above the accessing function are its caller's activation at one offset, and
 * that caller's own callers: keyed by the caller's frame, code and offset and its caller's
 * frame. Pointers are compared, never followed. */
typedef struct {
    void *back, *code, *backback;
    int lasti;
    PyObject *sid;
} entry_t;

static entry_t cache[CACHE_SIZE];

/* Whether a code object is the detector's own, cached by address: hashing a code object
 * hashes its bytecode and constants, far too slow for every access. The cache keeps the code
 * object alive so its address is never reused. */
static int
is_hidden(PyCodeObject *code)
{
    /* the last code found visible: the common case, one pointer compare (HIDDEN_CODES keeps
     * every code object it saw alive, so the address cannot be reused meanwhile) */
    static PyCodeObject *last_visible = NULL;
    if (code == last_visible)
        return 0;
    PyObject *key = PyLong_FromVoidPtr(code);
    if (key == NULL)
        return -1;
    PyObject *h = PyDict_GetItemWithError(HIDDEN_CODES, key);
    if (h != NULL) {
        Py_DECREF(key);
        if (PyTuple_GET_ITEM(h, 0) == Py_True)
            return 1;
        last_visible = code;
        return 0;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    PyObject *r = PyObject_CallOneArg(py_hidden, code->co_filename);
    if (r == NULL) {
        Py_DECREF(key);
        return -1;
    }
    int hidden = PyObject_IsTrue(r);
    Py_DECREF(r);
    PyObject *v = Py_BuildValue("(OO)", hidden ? Py_True : Py_False, (PyObject *)code);
    if (v == NULL || PyDict_SetItem(HIDDEN_CODES, key, v) < 0) {
        Py_XDECREF(v);
        Py_DECREF(key);
        return -1;
    }
    Py_DECREF(v);
    Py_DECREF(key);
    return hidden;
}

/* outer(): interned id of the frames above the innermost non-detector frame */
static PyObject *
core_outer(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!ready)
        return PyLong_FromLong(0);
    PyFrameObject *f = PyEval_GetFrame();
    Py_XINCREF(f);
    while (f != NULL) {
        PyCodeObject *code = PyFrame_GetCode(f);
        int h = is_hidden(code);
        Py_DECREF(code);
        if (h < 0) {
            Py_DECREF(f);
            return NULL;
        }
        if (!h)
            break;
        PyFrameObject *back = PyFrame_GetBack(f);
        Py_DECREF(f);
        f = back;
    }
    if (f == NULL)
        return PyLong_FromLong(0);
    PyFrameObject *b = PyFrame_GetBack(f);
    Py_DECREF(f);
    if (b == NULL)
        return PyLong_FromLong(0);
    PyCodeObject *code = PyFrame_GetCode(b);
    PyFrameObject *bb = PyFrame_GetBack(b);
    int lasti = PyFrame_GetLasti(b);
    entry_t *e = &cache[((uintptr_t)b >> 4) % CACHE_SIZE];
    PyObject *sid = NULL;
    if (e->sid != NULL && e->back == (void *)b && e->code == (void *)code && e->backback == (void *)bb &&
        e->lasti == lasti) {
        sid = Py_NewRef(e->sid);
        goto out;
    }
    PyObject *frames = PyList_New(0);
    if (frames == NULL)
        goto out;
    PyFrameObject *w = (PyFrameObject *)Py_NewRef(b);
    int n = 0;
    while (w != NULL && n < DEPTH) {
        PyCodeObject *wc = PyFrame_GetCode(w);
        PyObject *pair = Py_BuildValue("(Ni)", wc, PyFrame_GetLasti(w));
        if (pair == NULL || PyList_Append(frames, pair) < 0) {
            Py_XDECREF(pair);
            Py_DECREF(w);
            Py_DECREF(frames);
            goto out;
        }
        Py_DECREF(pair);
        PyFrameObject *next = PyFrame_GetBack(w);
        Py_DECREF(w);
        w = next;
        n++;
    }
    Py_XDECREF(w);
    PyObject *tup = PyList_AsTuple(frames);
    Py_DECREF(frames);
    if (tup == NULL)
        goto out;
    sid = PyObject_CallOneArg(py_intern, tup);
    Py_DECREF(tup);
    if (sid != NULL) {
        Py_XSETREF(e->sid, Py_NewRef(sid));
        e->back = (void *)b;
        e->code = (void *)code;
        e->backback = (void *)bb;
        e->lasti = lasti;
    }
out:
    Py_DECREF(code);
    Py_XDECREF(bb);
    Py_DECREF(b);
    return sid;
}

/* init(tls, SH, KIND, STRUCT, UNOBSERVED, defaultdict, book_ga, book_sa, book_gr, book_gw,
 *      book_gi, book_si, book_cr, book_cw, gr, gi, kind, intern, hidden, obj_shadow, read,
 *      write, CUSTOM, internal_error, mc) */
#define NINIT 25
static PyObject *
core_init(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != NINIT) {
        PyErr_SetString(PyExc_TypeError, "init() takes 25 arguments");
        return NULL;
    }
    PyObject **slots[NINIT] = {&tls,     &SH,      &KIND,      &STRUCT,    &UNOBSERVED,    &DEFAULTDICT,
                               &book_ga, &book_sa, &book_gr,   &book_gw,   &book_gi,       &book_si,
                               &book_cr, &book_cw, &py_gr,     &py_gi,     &py_kind,       &py_intern,
                               &py_hidden, &py_obj_shadow, &py_read, &py_write, &CUSTOM, &py_internal_error, &py_mc};
    for (int i = 0; i < NINIT; i++)
        Py_XSETREF(*slots[i], Py_NewRef(args[i]));
    if (!PyDict_Check(SH) || !PyDict_Check(KIND)) {
        PyErr_SetString(PyExc_TypeError, "SH and KIND must be dicts");
        return NULL;
    }
    if (HIDDEN_CODES == NULL && (HIDDEN_CODES = PyDict_New()) == NULL)
        return NULL;
    ready = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"init", (PyCFunction)(void (*)(void))core_init, METH_FASTCALL, "Bind the detector's state and slow paths."},
    {"ga", (PyCFunction)(void (*)(void))core_ga, METH_FASTCALL, "obj.name (a read)."},
    {"sa", (PyCFunction)(void (*)(void))core_sa, METH_FASTCALL, "obj.name = val (a write)."},
    {"gr", (PyCFunction)(void (*)(void))core_gr, METH_FASTCALL, "A module global's load."},
    {"gw", (PyCFunction)(void (*)(void))core_gw, METH_FASTCALL, "A module global's store (returns the value)."},
    {"gwr", (PyCFunction)(void (*)(void))core_gwr, METH_FASTCALL, "A module global's store or deletion."},
    {"cr", (PyCFunction)(void (*)(void))core_cr, METH_FASTCALL, "A closure variable's read."},
    {"cw", (PyCFunction)(void (*)(void))core_cw, METH_FASTCALL, "A closure variable's store."},
    {"gi", (PyCFunction)(void (*)(void))core_gi, METH_FASTCALL, "c[k] (an atomic read)."},
    {"si", (PyCFunction)(void (*)(void))core_si, METH_FASTCALL, "c[k] = val (an atomic store)."},
    {"si_rmw", (PyCFunction)(void (*)(void))core_si_rmw, METH_FASTCALL, "c[k] = f(c[k])."},
    {"merge", (PyCFunction)(void (*)(void))core_merge, METH_FASTCALL, "Join a vector clock into another."},
    {"init_shadow", (PyCFunction)(void (*)(void))core_init_shadow, METH_FASTCALL, "Bind shadow.py's types."},
    {"dead", (PyCFunction)core_dead, METH_O, "Weak reference callback: drop a dead object's shadow."},
    {"tick", (PyCFunction)core_tick, METH_O, "Start a new epoch of a logical thread."},
    {"release", (PyCFunction)(void (*)(void))core_release, METH_FASTCALL, "Publish a clock into a sync clock."},
    {"acquire", (PyCFunction)(void (*)(void))core_acquire, METH_FASTCALL, "Receive a sync clock."},
    {"mc", (PyCFunction)(void (*)(void))core_mc, METH_FASTCALL | METH_KEYWORDS, "A container method call."},
    {"lock_methods", (PyCFunction)core_lock_methods, METH_NOARGS, "(__enter__, __exit__) for RaceLock."},
    {"bind_lock", (PyCFunction)(void (*)(void))core_bind_lock, METH_FASTCALL, "The lock class and its Python slow paths."},
    {"lock_enter", (PyCFunction)(void (*)(void))core_lock_enter, METH_FASTCALL, "RaceLock.__enter__ (use through lock_methods())."},
    {"lock_exit", (PyCFunction)(void (*)(void))core_lock_exit, METH_FASTCALL, "RaceLock.__exit__ (use through lock_methods())."},
    {"qput", (PyCFunction)(void (*)(void))core_qput, METH_FASTCALL, "A user queue's _put with its edges."},
    {"qget", (PyCFunction)(void (*)(void))core_qget, METH_FASTCALL, "A user queue's _get with its edges."},
    {"outer", (PyCFunction)(void (*)(void))core_outer, METH_FASTCALL, "Interned stack id above the access."},
    {"set_current", (PyCFunction)core_set_current, METH_O, "tls.cur was set to this logical thread."},
    {"sched_point", (PyCFunction)core_sched_point, METH_NOARGS, "A synchronisation point (may yield later)."},
    {"set_perturb", (PyCFunction)core_set_perturb, METH_O, "Microseconds a thread may run alone before it hands the GIL on."},
    {"sched_stats", (PyCFunction)core_sched_stats, METH_NOARGS, "(hand-offs tried, taken by another thread, switches seen)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "perfkit.race._core", NULL, -1, methods};

/* bumped whenever the Python side's expectations change (init's arguments, state layouts): a
 * stale build left next to newer sources is then ignored instead of misused */
#define CORE_VERSION 5

PyMODINIT_FUNC
PyInit__core(void)
{
    s_cur = PyUnicode_InternFromString("cur");
    s_e = PyUnicode_InternFromString("e");
    s_ne = PyUnicode_InternFromString("ne");
    s_vc = PyUnicode_InternFromString("vc");
    s_tid = PyUnicode_InternFromString("tid");
    if (s_cur == NULL || s_e == NULL || s_ne == NULL || s_vc == NULL || s_tid == NULL)
        return NULL;
    s_inner = PyUnicode_InternFromString("_inner");
    s_sc = PyUnicode_InternFromString("_sc");
    s_serial = PyUnicode_InternFromString("serial");
    s_held = PyUnicode_InternFromString("held");
    s_acquire = PyUnicode_InternFromString("acquire");
    s_release = PyUnicode_InternFromString("release");
    s_locked = PyUnicode_InternFromString("locked");
    if (s_inner == NULL || s_sc == NULL || s_serial == NULL || s_held == NULL || s_acquire == NULL ||
        s_release == NULL || s_locked == NULL)
        return NULL;
    if (PyType_Ready(&LocType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && (PyModule_AddIntConstant(m, "VERSION", CORE_VERSION) < 0 ||
                      PyModule_AddObjectRef(m, "Loc", (PyObject *)&LocType) < 0)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
