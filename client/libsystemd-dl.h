/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

/*
 * libsystemd (and through it libcap, libgcrypt, libgpg-error, liblzma,
 * libzstd and liblz4) is loaded when a command talks to postured, not
 * linked: `analyze`, `report --from` and --help start without mapping and
 * relocating those seven libraries (`posturectl analyze` of a 20-line
 * file: 1.34 ms of CPU with them linked, 0.84 ms without;
 * tests/bench/RESULTS.md).
 *
 * The idea is systemd's own (src/shared/dlfcn-util.h): a pointer sym_NAME
 * of the type of each function, filled by dlsym(). The client calls the
 * functions by their usual names; the macros at the end of this file route
 * them to the pointers. Client files include this header, never
 * <systemd/sd-*.h> after it (their declarations would be rewritten). A
 * function missing from the list below does not link: posturectl has no
 * libsystemd to fall back on.
 */
/* clang-format off */
#define LIBSYSTEMD_FUNCS(X) \
        X(sd_bus_add_match) \
        X(sd_bus_attach_event) \
        X(sd_bus_call) \
        X(sd_bus_call_method) \
        X(sd_bus_call_method_async) \
        X(sd_bus_call_methodv) \
        X(sd_bus_error_free) \
        X(sd_bus_error_has_name) \
        X(sd_bus_error_has_names_sentinel) \
        X(sd_bus_error_is_set) \
        X(sd_bus_flush_close_unref) \
        X(sd_bus_get_property_string) \
        X(sd_bus_get_property_strv) \
        X(sd_bus_match_signal) \
        X(sd_bus_message_append_strv) \
        X(sd_bus_message_enter_container) \
        X(sd_bus_message_exit_container) \
        X(sd_bus_message_get_errno) \
        X(sd_bus_message_get_error) \
        X(sd_bus_message_is_signal) \
        X(sd_bus_message_new_method_call) \
        X(sd_bus_message_peek_type) \
        X(sd_bus_message_read) \
        X(sd_bus_message_read_basic) \
        X(sd_bus_message_read_strv) \
        X(sd_bus_message_rewind) \
        X(sd_bus_message_skip) \
        X(sd_bus_message_unref) \
        X(sd_bus_open_system) \
        X(sd_bus_open_user) \
        X(sd_bus_set_exit_on_disconnect) \
        X(sd_bus_slot_unref) \
        X(sd_event_add_io) \
        X(sd_event_add_signal) \
        X(sd_event_add_time_relative) \
        X(sd_event_default) \
        X(sd_event_exit) \
        X(sd_event_loop) \
        X(sd_event_source_disable_unref) \
        X(sd_event_source_unref) \
        X(sd_event_unref)
/* clang-format on */

#define LIBSYSTEMD_DLSYM_PROTOTYPE(f) extern __typeof__(f) *sym_##f;
LIBSYSTEMD_FUNCS(LIBSYSTEMD_DLSYM_PROTOTYPE)
#undef LIBSYSTEMD_DLSYM_PROTOTYPE

/** libsystemd_load() - load libsystemd once. Return: 0, or -ELIBACC after saying why. */
int libsystemd_load(void);

/*
 * What runs at a scope's end or on an object that may never have been made
 * must not call through a pointer that is still NULL: a command that stops
 * before it connects (a usage error, a missing libsystemd) frees its NULL
 * objects and its empty sd_bus_error too. libsystemd's unref functions
 * return NULL for NULL, as these do without it; an sd_bus_error can only
 * have been set by libsystemd, so an unloaded one has nothing to free.
 * They are functions, not pointers, so that _cleanup_() can name them.
 */
#define LIBSYSTEMD_UNREF(type, f)              \
        static inline type *dl_##f(type *p)    \
        {                                      \
                return p ? sym_##f(p) : NULL;  \
        }                                      \
        static inline void dl_##f##p(type **p) \
        {                                      \
                if (*p)                        \
                        (void) sym_##f(*p);    \
        }
LIBSYSTEMD_UNREF(sd_bus, sd_bus_flush_close_unref)
LIBSYSTEMD_UNREF(sd_bus_message, sd_bus_message_unref)
LIBSYSTEMD_UNREF(sd_bus_slot, sd_bus_slot_unref)
LIBSYSTEMD_UNREF(sd_event, sd_event_unref)
LIBSYSTEMD_UNREF(sd_event_source, sd_event_source_unref)
LIBSYSTEMD_UNREF(sd_event_source, sd_event_source_disable_unref)
#undef LIBSYSTEMD_UNREF

static inline void dl_sd_bus_error_free(sd_bus_error *e)
{
        if (sym_sd_bus_error_free)
                sym_sd_bus_error_free(e);
}

#define sd_bus_add_match                sym_sd_bus_add_match
#define sd_bus_attach_event             sym_sd_bus_attach_event
#define sd_bus_call                     sym_sd_bus_call
#define sd_bus_call_method              sym_sd_bus_call_method
#define sd_bus_call_method_async        sym_sd_bus_call_method_async
#define sd_bus_call_methodv             sym_sd_bus_call_methodv
#define sd_bus_error_free               dl_sd_bus_error_free
#define sd_bus_error_has_name           sym_sd_bus_error_has_name
#define sd_bus_error_has_names_sentinel sym_sd_bus_error_has_names_sentinel
#define sd_bus_error_is_set             sym_sd_bus_error_is_set
#define sd_bus_flush_close_unref        dl_sd_bus_flush_close_unref
#define sd_bus_flush_close_unrefp       dl_sd_bus_flush_close_unrefp
#define sd_bus_get_property_string      sym_sd_bus_get_property_string
#define sd_bus_get_property_strv        sym_sd_bus_get_property_strv
#define sd_bus_match_signal             sym_sd_bus_match_signal
#define sd_bus_message_append_strv      sym_sd_bus_message_append_strv
#define sd_bus_message_enter_container  sym_sd_bus_message_enter_container
#define sd_bus_message_exit_container   sym_sd_bus_message_exit_container
#define sd_bus_message_get_errno        sym_sd_bus_message_get_errno
#define sd_bus_message_get_error        sym_sd_bus_message_get_error
#define sd_bus_message_is_signal        sym_sd_bus_message_is_signal
#define sd_bus_message_new_method_call  sym_sd_bus_message_new_method_call
#define sd_bus_message_peek_type        sym_sd_bus_message_peek_type
#define sd_bus_message_read             sym_sd_bus_message_read
#define sd_bus_message_read_basic       sym_sd_bus_message_read_basic
#define sd_bus_message_read_strv        sym_sd_bus_message_read_strv
#define sd_bus_message_rewind           sym_sd_bus_message_rewind
#define sd_bus_message_skip             sym_sd_bus_message_skip
#define sd_bus_message_unref            dl_sd_bus_message_unref
#define sd_bus_message_unrefp           dl_sd_bus_message_unrefp
#define sd_bus_open_system              sym_sd_bus_open_system
#define sd_bus_open_user                sym_sd_bus_open_user
#define sd_bus_set_exit_on_disconnect   sym_sd_bus_set_exit_on_disconnect
#define sd_bus_slot_unref               dl_sd_bus_slot_unref
#define sd_bus_slot_unrefp              dl_sd_bus_slot_unrefp
#define sd_event_add_io                 sym_sd_event_add_io
#define sd_event_add_signal             sym_sd_event_add_signal
#define sd_event_add_time_relative      sym_sd_event_add_time_relative
#define sd_event_default                sym_sd_event_default
#define sd_event_exit                   sym_sd_event_exit
#define sd_event_loop                   sym_sd_event_loop
#define sd_event_source_disable_unref   dl_sd_event_source_disable_unref
#define sd_event_source_disable_unrefp  dl_sd_event_source_disable_unrefp
#define sd_event_source_unref           dl_sd_event_source_unref
#define sd_event_source_unrefp          dl_sd_event_source_unrefp
#define sd_event_unref                  dl_sd_event_unref
#define sd_event_unrefp                 dl_sd_event_unrefp
