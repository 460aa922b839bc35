/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * IIO buffered data, decoded without I/O: the scan-element type strings of
 * the kernel ABI (Documentation/ABI/testing/sysfs-bus-iio, "in_*_type"),
 * the layout of one scan in the buffer, and the values of its elements.
 * Also the argument of the "iio:" source URI, the other pure part of the
 * IIO source, so both are unit-tested in-process.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest valid type string, "be:u64/64X255>>63", and its NUL, rounded up. */
#define IIO_SCAN_TYPE_STRLEN 24

/**
 * struct IioScanType - one scan element's format, "[le|be]:[s|u]BITS/STORAGE[XREPEAT]>>SHIFT".
 * @big_endian: "be" (else "le").
 * @is_signed: "s": two's complement in @bits bits (else "u").
 * @bits: significant bits, 1..@storage.
 * @storage: bits the element occupies in the buffer, a multiple of 8, 8..64.
 * @shift: right shift that brings the value to bit 0; @bits + @shift <= @storage.
 * @repeat: how many values of @storage bits follow each other, 1..255.
 */
typedef struct IioScanType {
        bool big_endian;
        bool is_signed;
        uint8_t bits;
        uint8_t storage;
        uint8_t shift;
        uint8_t repeat;
} IioScanType;

/**
 * struct IioScanValue - one decoded value.
 * @u: the field: shifted down to bit 0 and masked to its bits.
 * @i: @u sign-extended for a signed type; for an unsigned one the same
 *     bits as @u (use @u above INT64_MAX).
 * @saturated: the value is the smallest or the largest its bits can hold,
 *             where a sensor clips: not a measurement.
 */
typedef struct IioScanValue {
        uint64_t u;
        int64_t i;
        bool saturated;
} IioScanValue;

/**
 * struct IioScanElement - an enabled channel's place in a scan.
 * @index: its scan index: elements follow each other by increasing index.
 * @timestamp: the kernel puts the timestamp after every other element,
 *             whatever its index.
 * @type: its format.
 * @offset: byte offset in the scan, set by iio_scan_layout().
 */
typedef struct IioScanElement {
        int index;
        bool timestamp;
        IioScanType type;
        size_t offset;
} IioScanElement;

/** iio_scan_type_parse() - parse a type string such as "le:s12/16>>4" or "be:u24/32X2>>0". */
int iio_scan_type_parse(IioScanType *ret, const char *s);

/** iio_scan_type_is_valid() - whether @t respects the ranges of struct IioScanType. */
bool iio_scan_type_is_valid(const IioScanType *t);

/** iio_scan_type_format() - the kernel's spelling of @t into @buf. */
int iio_scan_type_format(const IioScanType *t, char *buf, size_t size);

/** iio_scan_type_size() - bytes of the element in a scan: storage / 8 × repeat. */
size_t iio_scan_type_size(const IioScanType *t);

/** iio_scan_type_decode() - decode value number @rep of an element. */
void iio_scan_type_decode(const IioScanType *t, const void *element, unsigned rep,
                          IioScanValue *ret);

/** iio_scan_value_to_double() - the value as a number. */
double iio_scan_value_to_double(const IioScanType *t, const IioScanValue *v);

/** iio_scan_layout() - place the elements of one scan as the kernel does. */
int iio_scan_layout(IioScanElement *e, size_t n, size_t *ret_scan_bytes);

/** iio_scan_element_decode() - decode repetition @rep of @e, checked against the scan. */
int iio_scan_element_decode(const IioScanElement *e, const void *scan, size_t scan_bytes,
                            unsigned rep, IioScanValue *ret);

/**
 * struct IioUri - the argument of an "iio:" source URI, see iio_uri_parse().
 * @context: the libiio context URI: "local:", "ip:HOST", "ip:HOST:PORT",
 *           "usb:…", "serial:…", "xml:…".
 * @device: device id ("iio:device0"), label or name; NULL: the first one
 *          with accelerometer channels.
 * @trigger: trigger=NAME: the trigger to attach, or NULL (automatic).
 * @rate_hz: rate=HZ: the sampling frequency to set and the polling rate; 0
 *           when not given.
 * @local: @context is the local one (sysfs).
 */
typedef struct IioUri {
        char *context;
        char *device;
        char *trigger;
        double rate_hz;
        bool local;
} IioUri;

/** iio_uri_parse() - parse "[TARGET][?OPTION=VALUE[&...]]", the text after "iio:". */
int iio_uri_parse(IioUri *ret, const char *arg, char **ret_error);

/** iio_uri_done() - free what @u owns and zero it. */
void iio_uri_done(IioUri *u);
