/* Fuzz target: sites.conf as the hub loads it (hn_config_new_from_file:
 * HnConfSource's line scanner and GKeyFile, then every group's checks).
 *
 * The input is written to a real file, with a drop-in after a line
 * "#%dropin%" (see hn-fuzz.h), so the fuzzer runs the loader's own path
 * including the merge of drop-ins; a write to a temporary file costs far
 * less than the loader itself. */

#include "hn-config.h"
#include "hn-fuzz.h"

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static gchar *path, *dropin_dir, *dropin;
  g_autoptr (HnConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  const guint8 *second;
  gsize first_size, second_size;

  hn_fuzz_init ();
  if (path == NULL) {
    path = g_build_filename (hn_fuzz_scratch_dir (), "sites.conf", NULL);
    dropin_dir = g_build_filename (hn_fuzz_scratch_dir (), "sites.conf.d", NULL);
    dropin = g_build_filename (dropin_dir, "50-fuzz.conf", NULL);
    g_mkdir_with_parents (dropin_dir, 0700);
  }

  if (hn_fuzz_split (data, size, &first_size, &second, &second_size))
    hn_fuzz_write_file (dropin, second, second_size);
  else
    hn_fuzz_remove_file (dropin);
  hn_fuzz_write_file (path, data, first_size);

  config = hn_config_new_from_file (path, &error);
  hn_fuzz_check_result (config != NULL, error, "hn_config_new_from_file");
  if (config != NULL) {
    /* what the hub reads at start-up */
    g_autofree gchar *counts = hn_config_describe_counts (config);
    GPtrArray *sites = hn_config_get_sites (config);

    g_assert (counts != NULL);
    g_assert (hn_config_get_hub (config) != NULL);
    for (guint i = 0; i < sites->len; i++)
      g_assert (hn_config_get_site (config, hn_site_get_id (sites->pdata[i])) == sites->pdata[i]);
  }
  return 0;
}
