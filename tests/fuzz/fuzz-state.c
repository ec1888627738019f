/* Fuzz target: the hub's own state files, read at start-up after a crash
 * may have left them damaged: running-meetings.json
 * (hn_meeting_records_from_data) and the scheduler's state
 * (hn_scheduler_load_state). A damaged file must be refused with an error,
 * never crash the start; a file accepted is saved and read back the same.
 * One input feeds both readers. */

#include "hn-fuzz.h"
#include "hn-meeting-record.h"
#include "hn-scheduler.h"

static void
check_records (GPtrArray *records, const gchar *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) again = NULL;

  if (!hn_meeting_records_save (path, records, &error)) {
    g_printerr ("cannot save what was read: %s\n", error->message);
    g_assert_not_reached ();
  }
  again = hn_meeting_records_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, records->len);
  for (guint i = 0; i < records->len; i++) {
    HnMeetingRecord *a = records->pdata[i];
    HnMeetingRecord *b = again->pdata[i];

    g_assert_cmpstr (a->id, ==, b->id);
    g_assert_cmpstr (a->title, ==, b->title);
    g_assert_cmpstr (a->floor, ==, b->floor);
    g_assert_cmpstr (a->monitor, ==, b->monitor);
    g_assert_true (g_strv_equal ((const gchar *const *) a->sites, (const gchar *const *) b->sites));
    g_assert_true (g_strv_equal ((const gchar *const *) a->muted, (const gchar *const *) b->muted));
    g_assert_cmpint (a->started_us, ==, b->started_us);
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static gchar *records_path, *schedule_path;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (HnScheduler) scheduler = NULL;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  hn_fuzz_init ();
  if (records_path == NULL) {
    records_path = g_build_filename (hn_fuzz_scratch_dir (), "running-meetings.json", NULL);
    schedule_path = g_build_filename (hn_fuzz_scratch_dir (), "schedule.json", NULL);
  }

  records = hn_meeting_records_from_data ((const gchar *) data, size, &error);
  hn_fuzz_check_result (records != NULL, error, "hn_meeting_records_from_data");
  if (records != NULL)
    check_records (records, records_path);
  g_clear_error (&error);

  hn_fuzz_write_file (schedule_path, data, size);
  scheduler = hn_scheduler_new ();
  ok = hn_scheduler_load_state (scheduler, schedule_path, &error);
  hn_fuzz_check_result (ok, error, "hn_scheduler_load_state");
  return 0;
}
