/* The media library finds GStreamer and every element the hub's pipelines
 * are built from (so a missing plugin package fails here, not in a
 * meeting). */

#include "hn-media.h"

static void
test_media_elements (void)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) missing = NULL;
  g_autofree gchar *version = NULL;

  hn_media_init (&error);
  g_assert_no_error (error);
  version = hn_media_get_version ();
  g_assert_true (g_str_has_prefix (version, "1."));
  missing = hn_media_find_missing_elements ();
  if (missing[0] != NULL) {
    g_autofree gchar *list = g_strjoinv (", ", missing);

    g_test_message ("missing: %s", list);
  }
  g_assert_cmpuint (g_strv_length (missing), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hn/media/elements", test_media_elements);
  return g_test_run ();
}
