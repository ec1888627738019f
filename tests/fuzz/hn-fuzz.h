#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What every fuzz target shares (see docs/testing.md):
 * libFuzzer's entry point, made fatal warnings, a scratch folder. */

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

void hn_fuzz_init (void);
const gchar *hn_fuzz_scratch_dir (void);
void hn_fuzz_write_file (const gchar *path, const guint8 *data, gsize size);
void hn_fuzz_remove_file (const gchar *path);
void hn_fuzz_check_result (gboolean ok, const GError *error, const gchar *what);

/* a second file in the input: everything after a line with only this */
#define HN_FUZZ_DROPIN_MARK "#%dropin%\n"
gboolean hn_fuzz_split (
    const guint8 *data, gsize size, gsize *first_size, const guint8 **second, gsize *second_size);

G_END_DECLS
