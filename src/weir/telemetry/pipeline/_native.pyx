# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The native fast path of :func:`weir.telemetry.pipeline.flatten._record` (Cython).

It follows ``flatten._record`` and ``flatten._signals`` step by step on the same objects (the
``Columns`` slots, orjson's dicts). A usual value goes straight to its slot: the row has none
there yet, the batch has the column, and the value has the column's type (or is a body integer
float64 holds exactly, for a float64 column; a list or object, as JSON text for a string one;
an epoch-ms time for a timestamp one). Everything else is handed to the general path of
:mod:`.flatten` (bound by :func:`bind`), so rescues, new columns and odd shapes have one
implementation. Tests check that this path, the Python fast path and the reference path give
the same rows on every sample record, the edge records and generated ones.
"""

from cpython.long cimport PyLong_AsLongLongAndOverflow

cdef object _loads = None
cdef object _dumps = None
cdef object _decode_error = None
cdef object _put = None
cdef object _rescue = None
cdef object _signal_value = None
cdef object _signal_time = None
cdef object _signal_status = None
cdef object _signal_reference = None
cdef object _parse_time = None
cdef object _text = None
cdef object _rejected = None
cdef object _bad_time = None
cdef object _bad_shape = None
cdef object _bad_json = None
cdef object _unknown_field = None
cdef str _key = None
cdef str _order_key = None
cdef tuple _top_strings = None
cdef tuple _objects = None  # ((name, fields, allowed keys), ...)
cdef frozenset _known_top = None
cdef long long _ms_low = 0
cdef long long _ms_high = 0
cdef long long _max_exact = 0
cdef dict _names = {}  # group → name → _Names


def bind(flatten):
    """Take the general path and the record layout from the :mod:`.flatten` module."""
    global _loads, _dumps, _decode_error, _put, _rescue, _signal_value, _signal_time, _signal_status
    global _signal_reference, _parse_time, _text, _rejected, _bad_time, _bad_shape, _bad_json
    global _unknown_field, _key, _order_key, _top_strings, _objects, _known_top
    global _ms_low, _ms_high, _max_exact
    _loads = flatten.orjson.loads
    _dumps = flatten.orjson.dumps
    _decode_error = flatten.orjson.JSONDecodeError
    _put = flatten._put
    _rescue = flatten._rescue
    _signal_value = flatten._signal_value
    _signal_time = flatten._signal_time
    _signal_status = flatten._signal_status
    _signal_reference = flatten._signal_reference
    _parse_time = flatten.parse_time
    _text = flatten._text
    _rejected = flatten.RejectedRecord
    _bad_time = flatten.Cause.BAD_TIME
    _bad_shape = flatten.Cause.BAD_SHAPE
    _bad_json = flatten.Cause.BAD_JSON
    _unknown_field = flatten.Cause.UNKNOWN_FIELD
    _key = flatten.KEY
    _order_key = flatten.ORDER_KEY
    _top_strings = tuple(flatten._TOP_STRINGS)
    _objects = tuple(
        (name, tuple(fields), flatten._OBJECT_KEYS[name])
        for name, fields in flatten._OBJECTS.items()
    )
    _known_top = frozenset(flatten._KNOWN_TOP)
    _ms_low, _ms_high = flatten._MS_RANGE
    _max_exact = flatten._MAX_EXACT


cdef class _Names:
    """Column names derived from a signal prefix, built once per (group, name)."""

    cdef readonly str prefix, retrieved, oem, error
    cdef readonly dict body

    def __cinit__(self, str prefix):
        self.prefix = prefix
        self.retrieved = prefix + "_retrieved_at"
        self.oem = prefix + "_oem_updated_at"
        self.error = prefix + "_error"
        self.body = {}


cdef inline _Names _names_of(str group, str name):
    """The names of a signal, or None when group or name is empty (the general path's case)."""
    cdef dict by_name = _names.get(group)
    if by_name is None:
        if not group:
            return None
        by_name = _names[group] = {}
    cdef _Names names = by_name.get(name)
    if names is None:
        if not name:
            return None
        names = by_name[name] = _Names(f"{group}_{name}")
    return names


cdef inline long long _millis(object value, bint* ok):
    """An epoch-ms int in the readable range (the fast path's times); `ok` says whether it is."""
    cdef int overflow = 0
    cdef long long ms
    ok[0] = False
    if type(value) is not int:
        return 0
    ms = PyLong_AsLongLongAndOverflow(value, &overflow)
    if overflow or ms < _ms_low or ms > _ms_high:
        return 0
    ok[0] = True
    return ms


cdef inline bint _fits_int64(object value):
    """Whether an int is inside the int64 range."""
    cdef int overflow = 0
    PyLong_AsLongLongAndOverflow(value, &overflow)
    return not overflow


cdef inline void _value(object columns, dict values, Py_ssize_t row, str column, object value):
    """One body value (``flatten._signal_value``), inline when usual: a value of the column's
    type, an exact integer for a float64 column, a list or object as JSON text for a string
    column."""
    cdef list slots
    cdef int overflow = 0
    cdef long long number
    if value is None:
        return
    slots = values.get(column)
    if slots is not None and slots[row] is None:
        expected = slots[len(slots) - 1]
        kind = type(value)
        if kind is expected and kind is not int:  # a body integer is a float64
            slots[row] = value
            return
        if kind is int and expected is float:
            number = PyLong_AsLongLongAndOverflow(value, &overflow)
            if not overflow and -_max_exact <= number <= _max_exact:
                slots[row] = <double>number
                return
        elif (kind is list or kind is dict) and expected is str:
            slots[row] = (<bytes>_dumps(value)).decode()
            return
    _signal_value(columns, row, column, value)


cdef object _signals(object columns, dict values, Py_ssize_t row, list signals):
    """``flatten._signals`` (not reference): returns the newest oem time in µs (0 if none)."""
    cdef set seen = set()
    cdef object newest = 0
    cdef Py_ssize_t index
    cdef _Names names
    cdef list slots
    cdef dict known
    cdef bint ok
    cdef long long ms
    for index in range(len(signals)):
        signal = signals[index]
        names = None
        if type(signal) is dict:
            group = (<dict>signal).get("group")
            name = (<dict>signal).get("name")
            if type(group) is str and type(name) is str:
                names = _names_of(group, name)
        if names is None or names.prefix in seen:
            micros = _signal_reference(columns, row, index, signal, seen)
            if micros > newest:
                newest = micros
            continue
        prefix = names.prefix
        seen.add(prefix)
        body = (<dict>signal).get("body")
        if type(body) is str and body:
            try:
                body = _loads(body)
            except _decode_error:
                _rescue(columns, row, prefix, body, "body is not valid JSON", _bad_json)
                body = None
        if type(body) is dict:
            if len(<dict>body) == 1 and "value" in <dict>body:
                _value(columns, values, row, prefix, (<dict>body)["value"])
            else:
                known = names.body
                for key, value in (<dict>body).items():
                    column = known.get(key)
                    if column is None:
                        column = known[key] = f"{prefix}_{key}"
                    _value(columns, values, row, column, value)
        elif body is not None and body != "":
            _signal_value(columns, row, prefix, body)
        if "status" in <dict>signal:
            _signal_status(columns, row, signal, names)
        meta = (<dict>signal).get("meta")
        if type(meta) is not dict:
            continue
        retrieved = (<dict>meta).get("retrievedAt")
        oem = (<dict>meta).get("oemUpdatedAt")
        if retrieved is not None:
            slots = values.get(names.retrieved)
            ms = _millis(retrieved, &ok)
            if ok and slots is not None and slots[row] is None and slots[len(slots) - 1] is int:
                slots[row] = ms * 1000
            else:
                _signal_time(columns, row, names.retrieved, retrieved)
        if oem is None:
            continue
        slots = values.get(names.oem)
        ms = _millis(oem, &ok)
        if ok and slots is not None and slots[row] is None and slots[len(slots) - 1] is int:
            micros = ms * 1000
            slots[row] = micros
        else:
            micros = _signal_time(columns, row, names.oem, oem)
        if micros > newest:
            newest = micros
    return newest


cdef inline void _set(object columns, dict values, Py_ssize_t row, str column, object value):
    """``Columns.put``, inline when the batch has the column and `value` has its type."""
    cdef list slots = values.get(column)
    if slots is not None and type(value) is slots[len(slots) - 1]:
        slots[row] = value
    else:
        columns.put(row, column, value)


def record(columns, Py_ssize_t row, record, str source_file, processed_at):
    """Flatten one landed record into `row` of `columns` (see ``flatten._record``)."""
    cdef dict values = columns.values
    cdef list slots
    cdef bint ok
    cdef long long ms
    if not isinstance(record, dict):
        raise _rejected("record is not a JSON object")
    event_id = (<dict>record).get(_key)
    if not isinstance(event_id, str) or not event_id:
        raise _rejected("record has no string event_id", field=_key)
    _set(columns, values, row, _key, event_id)
    _set(columns, values, row, "source_file", source_file)
    _set(columns, values, row, "pipeline_processed_at", processed_at)
    _set(columns, values, row, _order_key, "")
    recorded = (<dict>record).get("recorded_at")
    recorded_us = 0
    if isinstance(recorded, str):
        try:
            recorded_us = _parse_time(recorded)
            _set(columns, values, row, "recorded_at", recorded_us)
        except ValueError:
            _rescue(columns, row, "recorded_at", recorded, "not an ISO-8601 time", _bad_time)
    elif recorded is not None:
        reason = "recorded_at must be a time string"
        _rescue(columns, row, "recorded_at", recorded, reason, _bad_time)
    for column in _top_strings:
        value = (<dict>record).get(column)
        slots = values.get(column)
        if slots is not None and type(value) is str:
            slots[row] = value
        else:
            _put(columns, row, column, value, "string")
    for name, fields, allowed in _objects:
        obj = (<dict>record).get(name)
        if obj is None:
            continue
        if type(obj) is not dict:
            _rescue(columns, row, name, obj, f"{name} is not an object", _bad_shape)
            continue
        for key, column, kind in fields:
            value = (<dict>obj).get(key)
            if value is None:
                continue
            slots = values.get(column)
            if kind == "string":
                if slots is not None and type(value) is str:
                    slots[row] = value
                    continue
            elif kind == "int64":
                if type(value) is int and _fits_int64(value):
                    _set(columns, values, row, column, value)
                    continue
            elif kind == "timestamp":
                ms = _millis(value, &ok)
                if ok:
                    _set(columns, values, row, column, ms * 1000)
                    continue
            _put(columns, row, column, value, kind)
        if len(<dict>obj) > len(fields) or not (<dict>obj).keys() <= allowed:
            for key in (<dict>obj).keys() - allowed:
                _rescue(columns, row, f"{name}.{key}", obj[key], "unknown field", _unknown_field)
    delivered = 0
    slots = values.get("meta_delivered_at")
    if slots is not None and slots[row] is not None:
        delivered = slots[row]
    if not (<dict>record).keys() <= _known_top:
        for key in (<dict>record).keys() - _known_top:
            _rescue(columns, row, key, record[key], "unknown field", _unknown_field)
    triggers = (<dict>record).get("triggers")
    if triggers:
        columns.put(row, "triggers", _text(triggers))
    signals = (<dict>record).get("signals")
    oem = 0
    if type(signals) is list:
        oem = _signals(columns, values, row, signals)
    elif isinstance(signals, list):
        oem = _signals(columns, values, row, list(signals))
    elif signals is not None:
        _rescue(columns, row, "signals", signals, "signals is not a list", _bad_shape)
    seq = str((<dict>record).get("_seq") or "")
    order = f"{max(recorded_us, 0):020d}|{max(oem, 0):020d}|{max(delivered, 0):020d}|{seq:0>40}"
    _set(columns, values, row, _order_key, order)
