/* Fuzz target: meetings.conf as the hub loads it
 * (hn_meetings_config_new_from_file), against the shipped sites.conf, at a
 * fixed "now" so a finding reproduces; a drop-in in meetings.d/ after a
 * line "#%dropin%" (see hn-fuzz.h). Loaded plans are asked for their next
 * occurrences, as the scheduler does. */

#include "hn-fuzz.h"
#include "hn-meetings-config.h"

/* 2026-01-01 00:00 in Hanoi */
#define FUZZ_NOW_US (G_GINT64_CONSTANT (1767200400) * G_USEC_PER_SEC)

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static HnConfig *sites;
  static gchar *path, *dropin;
  g_autoptr (HnMeetingsConfig) meetings = NULL;
  g_autoptr (GError) error = NULL;
  const guint8 *second;
  gsize first_size, second_size;

  hn_fuzz_init ();
  if (sites == NULL) {
    g_autofree gchar *dropin_dir = g_build_filename (hn_fuzz_scratch_dir (), "meetings.d", NULL);

    sites = hn_config_new_from_file (HN_FUZZ_SITES_CONF, &error);
    g_assert_no_error (error);
    path = g_build_filename (hn_fuzz_scratch_dir (), "meetings.conf", NULL);
    dropin = g_build_filename (dropin_dir, "50-fuzz.conf", NULL);
    g_mkdir_with_parents (dropin_dir, 0700);
  }

  if (hn_fuzz_split (data, size, &first_size, &second, &second_size))
    hn_fuzz_write_file (dropin, second, second_size);
  else
    hn_fuzz_remove_file (dropin);
  hn_fuzz_write_file (path, data, first_size);

  meetings = hn_meetings_config_new_from_file (path, sites, FUZZ_NOW_US, &error);
  hn_fuzz_check_result (meetings != NULL, error, "hn_meetings_config_new_from_file");
  if (meetings != NULL) {
    GPtrArray *plans = hn_meetings_config_get_plans (meetings);

    for (guint i = 0; i < plans->len; i++) {
      HnMeetingPlan *plan = plans->pdata[i];
      gint64 after = FUZZ_NOW_US, start, end;

      g_assert (hn_meetings_config_get_plan (meetings, hn_meeting_plan_get_id (plan)) == plan);
      for (guint n = 0; n < 3 && hn_meeting_plan_next_start (plan, after, &start, &end); n++) {
        g_autofree gchar *text =
            hn_meetings_format_time (start, hn_meeting_plan_get_timezone (plan));

        g_assert (text != NULL);
        g_assert_cmpint (start, >, after);
        g_assert_cmpint (end, >, start);
        after = start;
      }
      hn_meeting_plan_current (plan, FUZZ_NOW_US, &start, &end);
    }
  }
  return 0;
}
