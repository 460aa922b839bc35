/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iio-scan.h"
#include "util/error-util.h"
#include "util/macro.h"
#include "util/uri-util.h"

#define RATE_MAX_HZ 100000.0

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* A decimal number without sign or superfluous leading zero, at most @max. */
static int parse_number(const char **p, unsigned max, unsigned *ret)
{
        const char *s = *p;
        unsigned v = 0;

        if (!is_digit(*s) || (s[0] == '0' && is_digit(s[1])))
                return -EINVAL;
        for (; is_digit(*s); s++) {
                v = v * 10 + (unsigned) (*s - '0');
                if (v > max) /* max is small: no overflow before this check */
                        return -EINVAL;
        }
        *p = s;
        *ret = v;
        return 0;
}

/**
 * iio_scan_type_is_valid() - whether @t respects the ranges documented at
 * struct IioScanType (a type built from another source, e.g. libiio's).
 */
bool iio_scan_type_is_valid(const IioScanType *t)
{
        return t && t->storage >= 8 && t->storage <= 64 && t->storage % 8 == 0 && t->bits >= 1 &&
               t->bits <= t->storage && t->shift <= t->storage - t->bits && t->repeat >= 1;
}

/**
 * iio_scan_type_parse() - parse a type string such as "le:s12/16>>4" or "be:u24/32X2>>0".
 * @ret: the type, written only on success.
 * @s: the text, exactly as the kernel prints it without the newline: no
 *     blanks, no signs, decimal numbers, "X1" allowed but not required.
 *
 * Return: 0, or -EINVAL for anything else (unknown endianness or sign, a
 * number out of its range, bits + shift beyond the storage, trailing text).
 */
int iio_scan_type_parse(IioScanType *ret, const char *s)
{
        IioScanType t = { .repeat = 1 };
        unsigned bits, storage, shift, repeat = 1;

        assert(ret);
        if (!s)
                return -EINVAL;

        if (strncmp(s, "le:", 3) == 0)
                t.big_endian = false;
        else if (strncmp(s, "be:", 3) == 0)
                t.big_endian = true;
        else
                return -EINVAL;
        s += 3;

        if (*s != 's' && *s != 'u')
                return -EINVAL;
        t.is_signed = *s++ == 's';

        if (parse_number(&s, 64, &bits) < 0 || *s++ != '/' || parse_number(&s, 64, &storage) < 0)
                return -EINVAL;
        if (*s == 'X') {
                s++;
                if (parse_number(&s, 255, &repeat) < 0)
                        return -EINVAL;
        }
        if (strncmp(s, ">>", 2) != 0)
                return -EINVAL;
        s += 2;
        if (parse_number(&s, 63, &shift) < 0 || *s != '\0')
                return -EINVAL;

        t.bits = (uint8_t) bits;
        t.storage = (uint8_t) storage;
        t.shift = (uint8_t) shift;
        t.repeat = (uint8_t) repeat;
        if (!iio_scan_type_is_valid(&t))
                return -EINVAL;
        *ret = t;
        return 0;
}

/**
 * iio_scan_type_format() - the kernel's spelling of @t ("X" only when
 * @t->repeat > 1) into @buf of @size bytes (IIO_SCAN_TYPE_STRLEN suffices).
 *
 * Return: 0, -EINVAL for an invalid type, -ENOBUFS when @buf is too small.
 */
int iio_scan_type_format(const IioScanType *t, char *buf, size_t size)
{
        char rep[8] = "";
        int n;

        if (!iio_scan_type_is_valid(t))
                return -EINVAL;
        if (t->repeat > 1)
                (void) snprintf(rep, sizeof(rep), "X%u", t->repeat);
        n = snprintf(buf, size, "%s:%c%u/%u%s>>%u", t->big_endian ? "be" : "le",
                     t->is_signed ? 's' : 'u', t->bits, t->storage, rep, t->shift);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        return 0;
}

/** iio_scan_type_size() - bytes of the element in a scan: storage / 8 × repeat. */
size_t iio_scan_type_size(const IioScanType *t)
{
        return (size_t) t->storage / 8 * t->repeat;
}

/**
 * iio_scan_type_decode() - decode value number @rep of an element.
 * @t: a valid type.
 * @element: the element's first byte; @t->storage / 8 × (@rep + 1) bytes
 *           are read, unaligned access is fine.
 * @rep: which repetition, below @t->repeat.
 * @ret: the value.
 */
void iio_scan_type_decode(const IioScanType *t, const void *element, unsigned rep,
                          IioScanValue *ret)
{
        const unsigned n = t->storage / 8;
        const uint8_t *p = (const uint8_t *) element + (size_t) rep * n;
        const uint64_t mask = t->bits == 64 ? UINT64_MAX : (UINT64_C(1) << t->bits) - 1;
        uint64_t raw = 0;

        assert(iio_scan_type_is_valid(t));
        assert(rep < t->repeat);

        for (unsigned k = 0; k < n; k++)
                raw |= (uint64_t) p[t->big_endian ? n - 1 - k : k] << (8 * k);
        raw = (raw >> t->shift) & mask;

        ret->u = raw;
        if (t->is_signed) {
                const uint64_t sign = UINT64_C(1) << (t->bits - 1);

                /* Two's complement in @bits bits: flip the sign bit, subtract it. */
                ret->i = (int64_t) ((raw ^ sign) - sign);
                ret->saturated = raw == sign || raw == sign - 1;
        } else {
                ret->i = (int64_t) raw;
                ret->saturated = raw == 0 || raw == mask;
        }
}

/**
 * iio_scan_value_to_double() - the value as a number: @v->i for a signed
 * type, @v->u for an unsigned one.
 */
double iio_scan_value_to_double(const IioScanType *t, const IioScanValue *v)
{
        return t->is_signed ? (double) v->i : (double) v->u;
}

static size_t round_up(size_t x, size_t to)
{
        return (x + to - 1) / to * to;
}

/* Elements in scan order: by index, the timestamp last. */
static bool goes_before(const IioScanElement *a, const IioScanElement *b)
{
        if (a->timestamp != b->timestamp)
                return b->timestamp;
        return a->index < b->index;
}

/**
 * iio_scan_layout() - place the elements of one scan as the kernel does.
 * @e: @n elements in any order; their @offset is set.
 * @n: 1..64.
 * @ret_scan_bytes: the size of one scan.
 *
 * Elements are taken by increasing @index, the timestamp last. Each starts
 * at the next multiple of its size (storage / 8 × repeat) and the scan is
 * padded to a multiple of the largest element size, so that every scan in
 * the buffer is aligned the same way.
 *
 * Return: 0, -EINVAL for @n out of range, an invalid type, two elements
 * with the same index or more than one timestamp.
 */
int iio_scan_layout(IioScanElement *e, size_t n, size_t *ret_scan_bytes)
{
        size_t order[64], bytes = 0, largest = 0, timestamps = 0;

        assert(ret_scan_bytes);
        if (!e || n == 0 || n > ELEMENTSOF(order))
                return -EINVAL;

        for (size_t i = 0; i < n; i++) {
                size_t j = i;

                if (!iio_scan_type_is_valid(&e[i].type))
                        return -EINVAL;
                timestamps += e[i].timestamp;
                for (size_t k = 0; k < i; k++)
                        if (e[k].index == e[i].index)
                                return -EINVAL;
                /* Insertion sort of the positions: n is small. */
                while (j > 0 && goes_before(&e[i], &e[order[j - 1]])) {
                        order[j] = order[j - 1];
                        j--;
                }
                order[j] = i;
        }
        if (timestamps > 1)
                return -EINVAL;

        for (size_t k = 0; k < n; k++) {
                IioScanElement *x = &e[order[k]];
                size_t size = iio_scan_type_size(&x->type);

                bytes = round_up(bytes, size);
                x->offset = bytes;
                bytes += size;
                largest = MAX(largest, size);
        }
        *ret_scan_bytes = round_up(bytes, largest);
        return 0;
}

/**
 * iio_scan_element_decode() - decode repetition @rep of @e in the scan at
 * @scan, checking that it lies within the @scan_bytes of the scan.
 *
 * Return: 0, -EINVAL for an invalid type or @rep, -ERANGE when the element
 * does not fit in the scan.
 */
int iio_scan_element_decode(const IioScanElement *e, const void *scan, size_t scan_bytes,
                            unsigned rep, IioScanValue *ret)
{
        if (!iio_scan_type_is_valid(&e->type) || rep >= e->type.repeat)
                return -EINVAL;
        if (e->offset > scan_bytes || scan_bytes - e->offset < iio_scan_type_size(&e->type))
                return -ERANGE;
        iio_scan_type_decode(&e->type, (const uint8_t *) scan + e->offset, rep, ret);
        return 0;
}

/* ---- The "iio:" source URI ---- */

/* "ip:" HOST [":" PORT] [":" NAME], @s after "ip:"; *@ret_name: the NAME, maybe empty. */
static int parse_ip(IioUri *u, const char *s, const char *arg, const char **ret_name,
                    char **ret_error)
{
        const char *host = s, *rest, *port = "";
        size_t host_len, port_len = 0;

        if (*s == '[') {
                const char *close = strchr(s, ']');

                if (!close)
                        return set_errorf(ret_error, -EINVAL,
                                          "iio:%s: ']' missing after the IPv6 address", arg);
                rest = close + 1;
        } else
                rest = s + strcspn(s, ":");
        host_len = (size_t) (rest - host);
        if (*rest == ':')
                rest++;
        else if (*rest != '\0')
                return set_errorf(ret_error, -EINVAL, "iio:%s: ':' expected after the host", arg);

        /* A field of digits right after the host is the port. */
        if (is_digit(*rest)) {
                size_t len = strspn(rest, "0123456789");

                if (rest[len] == ':' || rest[len] == '\0') {
                        long number = len <= 5 ? strtol(rest, NULL, 10) : 0;

                        if (number < 1 || number > 65535 || host_len == 0)
                                return set_errorf(
                                        ret_error, -EINVAL,
                                        "iio:%s: port %.*s needs a host and must be within "
                                        "1..65535",
                                        arg, (int) len, rest);
                        port = rest;
                        port_len = len;
                        rest += len + (rest[len] == ':');
                }
        }

        if (asprintf(&u->context, "ip:%.*s%s%.*s", (int) host_len, host, port_len ? ":" : "",
                     (int) port_len, port) < 0) {
                u->context = NULL;
                return -ENOMEM;
        }
        *ret_name = rest;
        return 0;
}

static int parse_target(IioUri *u, const char *t, const char *arg, char **ret_error)
{
        static const char *const backends[] = { "usb:", "serial:", "xml:" };
        const char *name = NULL;
        int r;

        if (strncmp(t, "ip:", 3) == 0) {
                r = parse_ip(u, t + 3, arg, &name, ret_error);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(backends) && !name; i++) {
                size_t len = strlen(backends[i]), end;

                if (strncmp(t, backends[i], len) != 0)
                        continue;
                end = len + strcspn(t + len, ":");
                u->context = strndup(t, end);
                if (!u->context)
                        return -ENOMEM;
                name = t + end + (t[end] == ':');
        }

        if (!name) {
                u->local = true;
                u->context = strdup("local:");
                if (!u->context)
                        return -ENOMEM;
                if (strcmp(t, "local") == 0)
                        name = "";
                else if (strncmp(t, "local:", 6) == 0)
                        name = t + 6;
                else
                        name = t;
        }
        if (*name) {
                u->device = strdup(name);
                if (!u->device)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_options(IioUri *u, const Uri *uri, const char *arg, char **ret_error)
{
        for (size_t i = 0; i < uri->n_params; i++) {
                const UriParam *p = &uri->params[i];

                if (!p->value || p->value[0] == '\0')
                        return set_errorf(ret_error, -EINVAL, "iio:%s: option '%s' has no value",
                                          arg, p->key);
                if (strcmp(p->key, "trigger") == 0) {
                        free(u->trigger);
                        u->trigger = strdup(p->value);
                        if (!u->trigger)
                                return -ENOMEM;
                } else if (strcmp(p->key, "rate") == 0) {
                        double v;
                        int r;

                        r = uri_param_double(p, &v);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0 || v <= 0 || v > RATE_MAX_HZ)
                                return set_errorf(ret_error, -EINVAL,
                                                  "iio:%s: rate=%s is not a rate in Hz "
                                                  "within 0..%g (e.g. rate=100)",
                                                  arg, p->value, RATE_MAX_HZ);
                        u->rate_hz = v;
                } else
                        return set_errorf(ret_error, -EINVAL,
                                          "iio:%s: unknown option '%s' (known: "
                                          "trigger=NAME, rate=HZ)",
                                          arg, p->key);
        }
        return 0;
}

/**
 * iio_uri_parse() - parse "[TARGET][?OPTION=VALUE[&...]]", the text after "iio:".
 * @ret: the result, zeroed first; release with iio_uri_done() even on failure.
 * @arg: the text.
 * @ret_error: on failure, a message naming what is wrong (see set_errorf()).
 *
 * TARGET is one of:
 *  - "" or "local:": the local context, the first accelerometer;
 *  - "local:NAME", or just "NAME" when it does not start with a backend
 *    name ("iio:fake-accel", "iio:iio:device0");
 *  - "ip:HOST[:PORT][:NAME]": iiod on HOST (an IPv6 address in brackets);
 *    a NAME made only of digits must follow an explicit PORT;
 *  - "usb:[BUS.ADDR.INTF][:NAME]", "serial:PORT,BAUD,CONFIG[:NAME]",
 *    "xml:FILE[:NAME]" (the libiio context, then the device).
 * OPTIONS: trigger=NAME, rate=HZ (0 < HZ <= 100000, '.' as the decimal point),
 * %XX-escaped as uri_parse() describes; the TARGET is taken as written.
 *
 * Return: 0, -EINVAL for a malformed argument, -ENOMEM.
 */
int iio_uri_parse(IioUri *ret, const char *arg, char **ret_error)
{
        _cleanup_(uri_done) Uri uri = {};
        int r;

        assert(ret);
        assert(arg);
        *ret = (IioUri){};

        /* The target is libiio's, where '%' is no escape ("ip:[fe80::1%eth0]"). */
        r = uri_parse(&uri, "iio", arg, URI_PATH_RAW, ret_error);
        if (r < 0)
                return r;
        r = parse_target(ret, uri.path, arg, ret_error);
        if (r < 0)
                return r;
        return parse_options(ret, &uri, arg, ret_error);
}

/**
 * iio_uri_done() - free what a parsed URI owns.
 * @u: parsed (also after a failure) or zeroed, or NULL; zeroed again.
 */
void iio_uri_done(IioUri *u)
{
        if (!u)
                return;
        free(u->context);
        free(u->device);
        free(u->trigger);
        *u = (IioUri){};
}
