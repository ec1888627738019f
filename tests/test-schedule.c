/* Integration: the hub starts and stops a recurring meeting on its own,
 * with the real clock. The meeting recurs every 15 s and lasts 6 s, so the
 * test sees a whole occurrence in under half a minute; it also restarts the
 * hub across a start time and checks the missed occurrence is caught up
 * for its remaining time (like systemd's Persistent=), and kills it during
 * an occurrence, which resumes and still ends on time. Waiting is on the
 * meeting list or on the wall clock passing a time, with deadlines. */

#include <json-glib/json-glib.h>

#include "hn-test-utils.h"

typedef struct {
  gchar *dir;
  gchar *meetings;
  gchar *state_dir;
  HnTestDaemon *hub;
} Fixture;

static HnTestDaemon *
start_hub (Fixture *f)
{
  g_autofree gchar *config =
      g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  const gchar *args[] = { "--config",    config,       "--meetings", f->meetings,
                          "--state-dir", f->state_dir, NULL };
  g_autoptr (GError) error = NULL;
  HnTestDaemon *d = hn_test_daemon_spawn (args, NULL, &error);

  g_assert_no_error (error);
  return d;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = hn_test_tmpdir_new ();
  f->meetings = hn_test_write_file (f->dir, "meetings.conf",
                                    "[meeting tu-dong]\n"
                                    "title=Giao ban tự động\n"
                                    "on-calendar=*:*:0/15\n"
                                    "duration=6s\n"
                                    "sites=tt-tam-dao,xa-dao-tru\n");
  f->state_dir = g_build_filename (f->dir, "state", NULL);
  f->hub = start_hub (f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->hub, hn_test_daemon_free);
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_free (f->meetings);
  g_free (f->state_dir);
}

static gboolean
running (gpointer data)
{
  Fixture *f = data;
  g_autoptr (JsonNode) node = hn_test_ctl_json (f->hub->socket, "meetings", NULL);

  return node != NULL && json_object_get_int_member (json_node_get_object (node), "count") == 1;
}

static gboolean
not_running (gpointer data)
{
  Fixture *f = data;
  g_autoptr (JsonNode) node = hn_test_ctl_json (f->hub->socket, "meetings", NULL);

  return node != NULL && json_object_get_int_member (json_node_get_object (node), "count") == 0;
}

/* the next start of "tu-dong", µs since the epoch */
static gint64
next_start (Fixture *f)
{
  g_autoptr (JsonNode) node =
      hn_test_ctl_json (f->hub->socket, "schedule", "next", "tu-dong", "-n", "1", NULL);
  JsonArray *occurrences;

  g_assert_nonnull (node);
  occurrences = json_object_get_array_member (json_node_get_object (node), "occurrences");
  g_assert_cmpuint (json_array_get_length (occurrences), ==, 1);
  return json_object_get_int_member (json_array_get_object_element (occurrences, 0), "start");
}

static gboolean
clock_past (gpointer data)
{
  return g_get_real_time () >= *(gint64 *) data;
}

static void
test_schedule_start_stop (Fixture *f, gconstpointer data)
{
  gint64 start;
  gint64 ms;
  gint64 late;

  /* the hub may have started inside an occurrence (and caught it up):
   * wait for it to end, then follow the next one */
  g_assert_cmpint (hn_test_wait (not_running, f, 8000), >=, 0);
  start = next_start (f);
  /* started at its time (not before), stopped at its end */
  ms = hn_test_wait (running, f, 17000);
  late = (g_get_real_time () - start) / 1000;
  g_test_message ("started %" G_GINT64_FORMAT " ms after its start time", late);
  g_assert_cmpint (ms, >=, 0);
  g_assert_cmpint (late, >=, 0);
  g_assert_cmpint (late, <, 2000);
  ms = hn_test_wait (not_running, f, 9000);
  late = (g_get_real_time () - (start + 6 * G_USEC_PER_SEC)) / 1000;
  g_test_message ("stopped %" G_GINT64_FORMAT " ms after its end", late);
  g_assert_cmpint (ms, >=, 0);
  g_assert_cmpint (late, >=, 0);
  g_assert_cmpint (late, <, 2000);
}

static void
test_schedule_catch_up (Fixture *f, gconstpointer data)
{
  gint64 start, resume;
  gint64 ms;

  /* down across a start time (killed, as a crash would) … */
  g_assert_cmpint (hn_test_wait (not_running, f, 9000), >=, 0);
  start = next_start (f);
  hn_test_daemon_kill (f->hub);
  g_clear_pointer (&f->hub, hn_test_daemon_free);
  resume = start + 2 * G_USEC_PER_SEC;
  g_assert_cmpint (hn_test_wait (clock_past, &resume, 17000), >=, 0);

  /* … and back 2 s into the occurrence: it runs for the rest of it */
  f->hub = start_hub (f);
  ms = hn_test_wait (running, f, 3000);
  g_test_message ("caught up %" G_GINT64_FORMAT " ms after the restart", ms);
  g_assert_cmpint (ms, >=, 0);
  ms = hn_test_wait (not_running, f, 7000);
  g_test_message ("stopped %" G_GINT64_FORMAT " ms after its end",
                  (g_get_real_time () - (start + 6 * G_USEC_PER_SEC)) / 1000);
  g_assert_cmpint (ms, >=, 0);
  g_assert_cmpint (g_get_real_time (), >=, start + 6 * G_USEC_PER_SEC);
}

/* Killed during an occurrence and restarted at once: the meeting is back
 * at READY (resumed from the state directory, not started twice) and the
 * schedule still stops it at its end */
static void
test_schedule_killed_during (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 end, late, ms;

  g_assert_cmpint (hn_test_wait (not_running, f, 8000), >=, 0);
  g_assert_cmpint (hn_test_wait (running, f, 17000), >=, 0);
  /* the occurrence under way ends 6 s after its start, 15 s before the next */
  end = next_start (f) - 9 * G_USEC_PER_SEC;
  hn_test_daemon_kill (f->hub);
  g_assert_true (hn_test_daemon_restart (f->hub, &error));
  g_assert_no_error (error);
  g_assert_true (running (f));
  ms = hn_test_wait (not_running, f, 9000);
  late = (g_get_real_time () - end) / 1000;
  g_test_message ("resumed at READY, stopped %" G_GINT64_FORMAT " ms after its end", late);
  g_assert_cmpint (ms, >=, 0);
  g_assert_cmpint (late, >=, 0);
  g_assert_cmpint (late, <, 2000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/hn/schedule/start-stop", test_schedule_start_stop);
  ADD ("/hn/schedule/catch-up", test_schedule_catch_up);
  ADD ("/hn/schedule/killed-during", test_schedule_killed_during);
#undef ADD

  return g_test_run ();
}
