/* The corpus runner: every file of a fuzz target's seed corpus and its
 * reproducers through the target's LLVMFuzzerTestOneInput, one GLib test
 * case per file, built with any compiler. This is how the normal, valgrind
 * and ASan runs check that no committed input crashes or leaks again,
 * without clang or libFuzzer.
 *
 *   fuzz-calendar-corpus [--tap] DIR|FILE...  */

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "hn-fuzz.h"

static void
run_file (gconstpointer data)
{
  const gchar *path = data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *contents = NULL;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *name = NULL;

  g_test_init (&argc, &argv, NULL);
  name = g_path_get_basename (argv[0]);
  if (g_str_has_suffix (name, "-corpus"))
    name[strlen (name) - strlen ("-corpus")] = '\0';

  for (gint i = 1; i < argc; i++) {
    g_autoptr (GDir) dir = g_dir_open (argv[i], 0, NULL);
    const gchar *entry;

    /* a target without reproducers has no folder for them */
    if (dir == NULL) {
      if (g_file_test (argv[i], G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_strdup (argv[i]));
      continue;
    }
    while ((entry = g_dir_read_name (dir)) != NULL) {
      if (entry[0] != '.')
        g_ptr_array_add (files, g_build_filename (argv[i], entry, NULL));
    }
  }
  if (files->len == 0) {
    g_printerr ("%s: no input files in the folders given\n", name);
    return 1;
  }
  g_ptr_array_sort (files, compare_names);
  for (guint i = 0; i < files->len; i++) {
    g_autofree gchar *parent = g_path_get_dirname (files->pdata[i]);
    g_autofree gchar *kind = g_path_get_basename (parent);
    g_autofree gchar *base = g_path_get_basename (files->pdata[i]);
    g_autofree gchar *test = g_strdup_printf ("/fuzz/%s/%s/%s", name, kind, base);

    g_test_add_data_func (test, files->pdata[i], run_file);
  }
  return g_test_run ();
}
