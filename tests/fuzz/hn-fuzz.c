/* The harness every fuzz target shares, in both builds: libFuzzer's (clang,
 * -Dfuzzing=true) and the corpus runner's (tests/fuzz/fuzz-corpus.c, any
 * compiler), so a crash found by one is reproduced by the other.
 *
 * A warning or critical from our code or GLib on hostile input is a bug
 * (a g_return_if_fail hit, a contract broken), so both abort, as
 * G_DEBUG=fatal-warnings does in the other tests; debug and info messages
 * are dropped to keep the fuzzer fast. */

#define G_LOG_DOMAIN "hoinghi-fuzz"

#include "hn-fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "hn-error.h"

static gchar *scratch_dir;

static GLogWriterOutput
hn_fuzz_log_writer (GLogLevelFlags level,
                    const GLogField *fields,
                    gsize n_fields,
                    gpointer user_data)
{
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) == 0)
    return G_LOG_WRITER_HANDLED;
  g_log_writer_standard_streams (level, fields, n_fields, user_data);
  abort ();
}

static void
hn_fuzz_log_handler (const gchar *domain,
                     GLogLevelFlags level,
                     const gchar *message,
                     gpointer user_data)
{
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) == 0)
    return;
  fprintf (stderr, "%s: %s\n", domain != NULL ? domain : "?", message);
  abort ();
}

static void
hn_fuzz_cleanup (void)
{
  g_autoptr (GDir) dir = NULL;
  const gchar *name;

  if (scratch_dir == NULL)
    return;
  dir = g_dir_open (scratch_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *path = g_build_filename (scratch_dir, name, NULL);
    g_autoptr (GDir) sub = g_dir_open (path, 0, NULL);
    const gchar *inner;

    while (sub != NULL && (inner = g_dir_read_name (sub)) != NULL) {
      g_autofree gchar *file = g_build_filename (path, inner, NULL);
      g_remove (file);
    }
    g_remove (path);
  }
  g_rmdir (scratch_dir);
  g_clear_pointer (&scratch_dir, g_free);
}

/**
 * hn_fuzz_init:
 *
 * Sets up logging and the scratch folder once; every target calls it
 * first in each input (it costs one branch after the first time).
 */
void
hn_fuzz_init (void)
{
  g_autoptr (GError) error = NULL;

  if (scratch_dir != NULL)
    return;
  g_log_set_writer_func (hn_fuzz_log_writer, NULL, NULL);
  g_log_set_default_handler (hn_fuzz_log_handler, NULL);
  scratch_dir = g_dir_make_tmp ("hoinghi-fuzz-XXXXXX", &error);
  if (scratch_dir == NULL) {
    fprintf (stderr, "fuzz: %s\n", error->message);
    abort ();
  }
  atexit (hn_fuzz_cleanup);
}

const gchar *
hn_fuzz_scratch_dir (void)
{
  return scratch_dir;
}

/* A harness failure (a full disk), not a finding: stop loudly. */
void
hn_fuzz_write_file (const gchar *path, const guint8 *data, gsize size)
{
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents_full (path, (const gchar *) data, size, G_FILE_SET_CONTENTS_NONE, 0600,
                                 &error)) {
    fprintf (stderr, "fuzz: %s\n", error->message);
    abort ();
  }
}

void
hn_fuzz_remove_file (const gchar *path)
{
  if (g_remove (path) != 0 && errno != ENOENT) {
    fprintf (stderr, "fuzz: cannot remove %s: %s\n", path, g_strerror (errno));
    abort ();
  }
}

/**
 * hn_fuzz_check_result:
 *
 * The GError contract (FALSE/NULL exactly when the error is set, in the
 * project's domain) holds for every input.
 */
void
hn_fuzz_check_result (gboolean ok, const GError *error, const gchar *what)
{
  if (ok == (error != NULL)) {
    fprintf (stderr, "fuzz: %s returned %s with %s error\n", what, ok ? "success" : "failure",
             error != NULL ? "an" : "no");
    abort ();
  }
  if (error != NULL && error->domain != HN_ERROR) {
    fprintf (stderr, "fuzz: %s failed outside HN_ERROR: %s\n", what, error->message);
    abort ();
  }
}

/**
 * hn_fuzz_split:
 *
 * Returns: whether @data holds a second file after a line
 *   HN_FUZZ_DROPIN_MARK; @first_size is the first file's length either way
 */
gboolean
hn_fuzz_split (
    const guint8 *data, gsize size, gsize *first_size, const guint8 **second, gsize *second_size)
{
  const gsize mark_len = strlen (HN_FUZZ_DROPIN_MARK);

  for (gsize i = 0; i + mark_len <= size; i++) {
    if ((i == 0 || data[i - 1] == '\n') && memcmp (data + i, HN_FUZZ_DROPIN_MARK, mark_len) == 0) {
      *first_size = i;
      *second = data + i + mark_len;
      *second_size = size - i - mark_len;
      return TRUE;
    }
  }
  *first_size = size;
  *second = NULL;
  *second_size = 0;
  return FALSE;
}
