/* Unit: the running meetings as the hub keeps them across a crash
 * (running-meetings.json): what is written is read back exactly, the file
 * is replaced whole, and anything that is not exactly what the hub writes
 * is refused as corrupt, one class of damage per case. */

#include <glib/gstdio.h>
#include <string.h>

#include "hn-meeting-record.h"
#include "hn-test-utils.h"
#include "hn-util.h"

static HnMeetingRecord *
make_record (const gchar *id, gboolean with_floor)
{
  HnMeetingRecord *r = g_new0 (HnMeetingRecord, 1);
  const gchar *sites[] = { "tt-tam-dao", "xa-dao-tru", "tt-hop-chau", NULL };
  const gchar *muted[] = { "xa-dao-tru", NULL };

  r->id = g_strdup (id);
  r->title = g_strdup ("Giao ban tuần — UBND tỉnh");
  r->source = g_strdup ("udp://239.1.1.1:5000");
  r->layout = g_strdup ("grid");
  r->sites = g_strdupv ((gchar **) sites);
  r->floor = with_floor ? g_strdup ("xa-dao-tru") : NULL;
  r->muted = g_strdupv ((gchar **) muted);
  r->monitor = with_floor ? g_strdup ("127.0.0.1:5600") : NULL;
  r->started_us = G_GINT64_CONSTANT (1795000000123456);
  return r;
}

static void
assert_same (HnMeetingRecord *a, HnMeetingRecord *b)
{
  g_assert_cmpstr (a->id, ==, b->id);
  g_assert_cmpstr (a->title, ==, b->title);
  g_assert_cmpstr (a->source, ==, b->source);
  g_assert_cmpstr (a->layout, ==, b->layout);
  g_assert_cmpstrv (a->sites, b->sites);
  g_assert_cmpstr (a->floor, ==, b->floor);
  g_assert_cmpstrv (a->muted, b->muted);
  g_assert_cmpstr (a->monitor, ==, b->monitor);
  g_assert_cmpint (a->started_us, ==, b->started_us);
}

static void
test_record_round_trip (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *path = g_build_filename (dir, "running-meetings.json", NULL);
  g_autoptr (GPtrArray) records =
      g_ptr_array_new_with_free_func ((GDestroyNotify) hn_meeting_record_free);
  g_autoptr (GPtrArray) loaded = NULL;
  g_autoptr (GPtrArray) empty = NULL;
  g_autoptr (GDir) listing = NULL;
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  /* no file: no meeting was running */
  empty = hn_meeting_records_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (empty->len, ==, 0);

  g_ptr_array_add (records, make_record ("giao-ban", TRUE));
  g_ptr_array_add (records, make_record ("hop-huyen", FALSE));
  g_assert_true (hn_meeting_records_save (path, records, &error));
  g_assert_no_error (error);
  loaded = hn_meeting_records_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 2);
  assert_same (records->pdata[0], loaded->pdata[0]);
  assert_same (records->pdata[1], loaded->pdata[1]);

  /* replaced whole, nothing left beside it, not readable by others */
  g_ptr_array_set_size (records, 0);
  g_assert_true (hn_meeting_records_save (path, records, &error));
  g_clear_pointer (&loaded, g_ptr_array_unref);
  loaded = hn_meeting_records_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 0);
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "running-meetings.json");
  g_assert_null (g_dir_read_name (listing));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);

  hn_test_tmpdir_remove (dir);
}

static void
test_record_from_meeting (void)
{
  g_autoptr (GPtrArray) sites = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (HnMeeting) meeting = NULL;
  g_autoptr (HnMeetingRecord) record = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *ids[] = { "xa-dao-tru", "tt-tam-dao", "tt-hop-chau" };

  const HnMediaSettings media = { 5004, 160, 120, 15, 300, 32 };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++) {
    g_autofree gchar *address = g_strdup_printf ("10.0.0.%u", i + 1);

    g_ptr_array_add (
        sites, hn_site_new (ids[i], ids[i], NULL, HN_TIER_COMMUNE, NULL, NULL, address, &media));
  }
  meeting = hn_meeting_new ("m", "Họp", "test", HN_LAYOUT_PIP, sites, &error);
  g_assert_no_error (error);
  g_assert_true (hn_meeting_set_floor (meeting, "tt-hop-chau", &error));
  g_assert_true (hn_meeting_set_muted (meeting, "tt-tam-dao", TRUE, &error));
  record = hn_meeting_record_new_from_meeting (meeting, NULL, 42);
  g_assert_cmpstr (record->layout, ==, "pip");
  g_assert_cmpstr (record->floor, ==, "tt-hop-chau");
  /* meeting order, not sorted */
  g_assert_cmpstrv (record->sites,
                    ((const gchar *[]){ "xa-dao-tru", "tt-tam-dao", "tt-hop-chau", NULL }));
  g_assert_cmpstrv (record->muted, ((const gchar *[]){ "tt-tam-dao", NULL }));
  g_assert_null (record->monitor);
  g_assert_cmpint (record->started_us, ==, 42);
}

static const gchar valid_meeting[] =
    "{\"id\":\"m\",\"title\":\"t\",\"source\":\"test\",\"layout\":\"single\","
    "\"sites\":[\"tt-tam-dao\"],\"floor\":null,\"muted\":[],\"monitor\":null,\"started\":1}";

static const struct {
  const gchar *name;
  const gchar *contents;
  const gchar *message; /* part of the error message */
} corrupt[] = {
  { "empty", "", "" },
  { "truncated", "{\"version\":1,\"meetings\":[{\"id\":\"m\",\"tit", "" },
  { "not an object", "[1,2]", "not a JSON object" },
  { "no version", "{\"meetings\":[]}", "\"version\" must be 1" },
  { "future version", "{\"version\":2,\"meetings\":[]}", "\"version\" must be 1" },
  { "no meetings", "{\"version\":1}", "no \"meetings\" array" },
  { "meeting not an object", "{\"version\":1,\"meetings\":[3]}", "meeting 1: not an object" },
  { "id missing", "{\"version\":1,\"meetings\":[{\"title\":\"t\"}]}", "\"id\" must be" },
  { "empty id",
    "{\"version\":1,\"meetings\":[{\"id\":\"\",\"title\":\"t\",\"source\":\"test\","
    "\"layout\":\"single\",\"sites\":[],\"floor\":null,\"muted\":[],\"monitor\":null,"
    "\"started\":1}]}",
    "\"id\" must be a non-empty string" },
  { "sites not an array",
    "{\"version\":1,\"meetings\":[{\"id\":\"m\",\"title\":\"t\",\"source\":\"test\","
    "\"layout\":\"single\",\"sites\":\"tt-tam-dao\",\"floor\":null,\"muted\":[],"
    "\"monitor\":null,\"started\":1}]}",
    "\"sites\" must be an array" },
  { "site not a string",
    "{\"version\":1,\"meetings\":[{\"id\":\"m\",\"title\":\"t\",\"source\":\"test\","
    "\"layout\":\"single\",\"sites\":[\"a\",7],\"floor\":null,\"muted\":[],"
    "\"monitor\":null,\"started\":1}]}",
    "\"sites\" element 2" },
  { "floor a number",
    "{\"version\":1,\"meetings\":[{\"id\":\"m\",\"title\":\"t\",\"source\":\"test\","
    "\"layout\":\"single\",\"sites\":[\"a\"],\"floor\":5,\"muted\":[],"
    "\"monitor\":null,\"started\":1}]}",
    "\"floor\" must be a non-empty string or null" },
  { "started a string",
    "{\"version\":1,\"meetings\":[{\"id\":\"m\",\"title\":\"t\",\"source\":\"test\","
    "\"layout\":\"single\",\"sites\":[\"a\"],\"floor\":null,\"muted\":[],"
    "\"monitor\":null,\"started\":\"yesterday\"}]}",
    "\"started\" must be an integer" },
  { "twice the same meeting", NULL, "meeting 2: \"m\" appears twice" },
};

static void
test_record_corrupt (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *twice =
      g_strdup_printf ("{\"version\":1,\"meetings\":[%s,%s]}", valid_meeting, valid_meeting);
  g_autofree gchar *one = g_strdup_printf ("{\"version\":1,\"meetings\":[%s]}", valid_meeting);
  g_autoptr (GPtrArray) ok = NULL;
  g_autoptr (GError) error = NULL;

  /* the valid meeting the damaged cases start from is itself valid */
  ok = hn_meeting_records_from_data (one, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ok->len, ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (corrupt); i++) {
    const gchar *contents = corrupt[i].contents != NULL ? corrupt[i].contents : twice;
    g_autofree gchar *path = hn_test_write_file (dir, "running-meetings.json", contents);
    g_autoptr (GPtrArray) records = NULL;
    g_autoptr (GError) local_error = NULL;

    g_test_message ("%s", corrupt[i].name);
    records = hn_meeting_records_load (path, &local_error);
    g_assert_null (records);
    g_assert_error (local_error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_true (g_str_has_prefix (local_error->message, path));
    g_assert_nonnull (strstr (local_error->message, "corrupt state of the running meetings"));
    g_assert_nonnull (strstr (local_error->message, corrupt[i].message));
  }
  hn_test_tmpdir_remove (dir);
}

static void
test_record_move_aside (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *path = hn_test_write_file (dir, "running-meetings.json", "{garbage");
  g_autofree gchar *expected = g_strconcat (path, ".corrupt-1234", NULL);
  g_autofree gchar *aside = hn_util_move_aside (path, 1234);
  g_autofree gchar *contents = NULL;
  g_autofree gchar *again = NULL;

  g_assert_cmpstr (aside, ==, expected);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (aside, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "{garbage");
  /* nothing to move: NULL, no crash */
  again = hn_util_move_aside (path, 1235);
  g_assert_null (again);
  hn_test_tmpdir_remove (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hn/meeting-record/round-trip", test_record_round_trip);
  g_test_add_func ("/hn/meeting-record/from-meeting", test_record_from_meeting);
  g_test_add_func ("/hn/meeting-record/corrupt", test_record_corrupt);
  g_test_add_func ("/hn/meeting-record/move-aside", test_record_move_aside);
  return g_test_run ();
}
