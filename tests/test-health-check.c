/* Integration: `hoinghictl health`, `links` and `watch` against the real
 * hoinghid, on the small network of sites-meeting.conf with no room
 * endpoint running: what a monitoring system and an operator see with no
 * meeting, with a meeting whose participants are all offline, and with no
 * daemon at all. */

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "hn-test-utils.h"

typedef struct {
  HnTestDaemon *d;
} CheckFixture;

static void
check_fixture_setup (CheckFixture *f, gconstpointer data)
{
  g_autofree gchar *conf = g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autoptr (GError) error = NULL;

  f->d = hn_test_daemon_start (conf, NULL, &error);
  g_assert_no_error (error);
}

static void
check_fixture_teardown (CheckFixture *f, gconstpointer data)
{
  if (f->d != NULL && g_subprocess_get_identifier (f->d->proc) != NULL)
    g_assert_cmpint (hn_test_daemon_stop (f->d), ==, 0);
  g_clear_pointer (&f->d, hn_test_daemon_free);
}

/* Runs `hoinghictl health ARGS…`; returns its exit status and its one
 * line */
static gint run_health (const gchar *socket, gchar **line, ...) G_GNUC_NULL_TERMINATED;

static gint
run_health (const gchar *socket, gchar **line, ...)
{
  const gchar *args[8] = { "health", NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  va_list ap;
  guint n = 1;
  gint status;

  va_start (ap, line);
  for (const gchar *a = va_arg (ap, const gchar *); a != NULL; a = va_arg (ap, const gchar *)) {
    g_assert_cmpuint (n, <, G_N_ELEMENTS (args) - 1);
    args[n++] = a;
  }
  va_end (ap);
  status = hn_test_run_ctl (socket, &out, &err, args[0], args[1], args[2], args[3], args[4],
                            args[5], args[6], NULL);
  g_test_message ("exit %d: %s", status, out);
  /* a monitoring plugin speaks on stdout, one line */
  g_assert_cmpstr (err, ==, "");
  g_assert_true (g_str_has_suffix (out, "\n"));
  g_assert_cmpuint (strchr (out, '\n') - out, ==, strlen (out) - 1);
  *line = g_strndup (out, strlen (out) - 1);
  return status;
}

static void
test_health_no_meeting (CheckFixture *f, gconstpointer data)
{
  g_autofree gchar *line = NULL;

  g_assert_cmpint (run_health (f->d->socket, &line, NULL), ==, 0);
  g_assert_cmpstr (line, ==,
                   "HOINGHI OK - no meeting running | up=0 degraded=0 down=0;0;0 connecting=0");
}

static void
test_health_all_offline (CheckFixture *f, gconstpointer data)
{
  static const gchar *const down =
      "0/5 up, 5 down (huyen-tam-dao, tt-hop-chau, tt-tam-dao, xa-dao-tru, xa-yen-duong)";
  g_autofree gchar *critical =
      g_strdup_printf ("HOINGHI CRITICAL - %s | up=0 degraded=0 down=5;0;0 connecting=0", down);
  g_autofree gchar *warning =
      g_strdup_printf ("HOINGHI WARNING - %s | up=0 degraded=0 down=5;4;5 connecting=0", down);
  g_autofree gchar *line = NULL;

  /* a meeting starts with its rooms offline: each of them is down */
  hn_test_ctl_ok (f->d->socket, "meeting", "start", "giao-ban", "--sites", "all", NULL);
  g_assert_cmpint (run_health (f->d->socket, &line, NULL), ==, 2);
  g_assert_cmpstr (line, ==, critical);
  g_clear_pointer (&line, g_free);
  g_assert_cmpint (run_health (f->d->socket, &line, "--meeting", "giao-ban", NULL), ==, 2);
  g_assert_cmpstr (line, ==, critical);
  g_clear_pointer (&line, g_free);

  /* thresholds as counts and shares: 5 of 5 reach 100%, not 6 */
  g_assert_cmpint (
      run_health (f->d->socket, &line, "--warn-down", "100%", "--crit-down", "6", NULL), ==, 1);
  g_assert_cmpstr (line, ==, warning);
  g_clear_pointer (&line, g_free);
  g_assert_cmpint (run_health (f->d->socket, &line, "--warn-down", "6", "--crit-down", "7", NULL),
                   ==, 0);
  g_assert_true (g_str_has_prefix (line, "HOINGHI OK - 0/5 up, 5 down ("));
  g_clear_pointer (&line, g_free);

  /* what the check cannot judge is UNKNOWN */
  g_assert_cmpint (run_health (f->d->socket, &line, "--meeting", "hop-tinh", NULL), ==, 3);
  g_assert_cmpstr (line, ==, "HOINGHI UNKNOWN - no meeting 'hop-tinh' is running");
  g_clear_pointer (&line, g_free);
  g_assert_cmpint (run_health (f->d->socket, &line, "--warn-down", "0", NULL), ==, 3);
  g_assert_true (g_str_has_prefix (line, "HOINGHI UNKNOWN - --warn-down: '0' is neither"));
  g_clear_pointer (&line, g_free);
  g_assert_cmpint (run_health (f->d->socket, &line, "--crit-mos", "9", NULL), ==, 3);
  g_assert_cmpstr (line, ==,
                   "HOINGHI UNKNOWN - --crit-mos: '9' is not a MOS (a number from 1 to 5)");
  g_clear_pointer (&line, g_free);
  g_assert_cmpint (run_health (f->d->socket, &line, "--warn", NULL), ==, 3);
  g_assert_true (g_str_has_prefix (line, "HOINGHI UNKNOWN - "));
  g_clear_pointer (&line, g_free);

  /* the meeting over, nothing is down any more */
  hn_test_ctl_ok (f->d->socket, "meeting", "stop", "giao-ban", NULL);
  g_assert_cmpint (run_health (f->d->socket, &line, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (line, "HOINGHI OK - no meeting running | "));
}

static void
test_health_no_daemon (CheckFixture *f, gconstpointer data)
{
  g_autofree gchar *line = NULL;

  g_assert_cmpint (hn_test_daemon_stop (f->d), ==, 0);
  g_assert_cmpint (run_health (f->d->socket, &line, NULL), ==, 3);
  g_assert_true (g_str_has_prefix (line, "HOINGHI UNKNOWN - cannot reach hoinghid at "));
}

static void
test_links (CheckFixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  JsonObject *o;

  hn_test_ctl_ok (f->d->socket, "meeting", "start", "giao-ban", "--sites", "xa-dao-tru,tt-tam-dao",
                  NULL);
  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &out, &err, "links", NULL), ==, 0);
  g_test_message ("%s", out);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 8);
  g_assert_true (g_regex_match_simple ("^SITE +STATE +FOR +MEETING +LOSS↑ +LOSS↓ +RTT +MOS +LAST$",
                                       lines[0], 0, 0));
  /* the participants first, both offline; then the others, by id */
  g_assert_true (g_regex_match_simple ("^tt-tam-dao +offline +[0-9]+ s +giao-ban +- +- +- +- +-$",
                                       lines[1], 0, 0));
  g_assert_true (g_str_has_prefix (lines[2], "xa-dao-tru "));
  g_assert_true (g_str_has_prefix (lines[3], "huyen-tam-dao "));
  g_assert_true (g_str_has_prefix (lines[4], "tt-hop-chau "));
  g_assert_true (g_str_has_prefix (lines[5], "xa-yen-duong "));
  g_assert_cmpstr (lines[6], ==, "5 links");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (
      hn_test_run_ctl (f->d->socket, &out, &err, "--json", "links", "--meeting", "giao-ban", NULL),
      ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (o, "count"), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (
      hn_test_run_ctl (f->d->socket, &out, &err, "links", "--state", "conecting", NULL), ==, 1);
  g_assert_cmpstr (err, ==,
                   "hoinghictl: unknown link state 'conecting'; did you mean 'connecting'?\n");
}

static void
kill_with_test (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

typedef struct {
  GString *out;
  guint frames; /* "N links" lines seen */
  gboolean eof;
} WatchRead;

static void
watch_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WatchRead *r = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                      result, NULL, &error);

  g_assert_no_error (error);
  if (line == NULL) {
    r->eof = TRUE;
    return;
  }
  g_string_append_printf (r->out, "%s\n", line);
  r->frames += g_str_equal (line, "5 links");
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (source), G_PRIORITY_DEFAULT, NULL,
                                       watch_read_cb, r);
}

static gboolean
watch_timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Not a terminal: one table after the other, a blank line between them,
 * until SIGINT ends it cleanly */
static void
test_watch (CheckFixture *f, gconstpointer data)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GDataInputStream) stdout_data = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_auto (GStrv) frames = NULL;
  WatchRead r = { out, 0, FALSE };
  gboolean timed_out = FALSE;
  guint timeout_id;

  hn_test_ctl_ok (f->d->socket, "meeting", "start", "giao-ban", "--sites", "all", NULL);
  g_subprocess_launcher_set_child_setup (launcher, kill_with_test, NULL, NULL);
  proc = g_subprocess_launcher_spawn (launcher, &error, hn_test_get_program ("HN_HOINGHICTL"),
                                      "--socket", f->d->socket, "watch", "--interval", "0.2", NULL);
  g_assert_no_error (error);
  stdout_data = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  g_data_input_stream_read_line_async (stdout_data, G_PRIORITY_DEFAULT, NULL, watch_read_cb, &r);
  timeout_id = g_timeout_add_seconds (30, watch_timeout_cb, &timed_out);
  while (r.frames < 2 && !r.eof && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_assert_cmpuint (r.frames, >=, 2);

  g_subprocess_send_signal (proc, SIGINT);
  while (!r.eof && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);

  g_test_message ("%s", out->str);
  /* no escape sequences in a pipe */
  g_assert_null (strchr (out->str, '\033'));
  frames = g_strsplit (out->str, "5 links\n\n", -1);
  g_assert_cmpuint (g_strv_length (frames), >=, 2);
  for (guint i = 0; i + 1 < g_strv_length (frames); i++) {
    g_auto (GStrv) lines = g_strsplit (frames[i], "\n", -1);

    g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}  meeting giao-ban: "
                                         "0/5 up, 5 down; 0/5 rooms online$",
                                         lines[0], 0, 0));
    g_assert_cmpstr (lines[1], ==, "");
    g_assert_true (g_str_has_prefix (lines[2], "SITE "));
    g_assert_true (g_str_has_prefix (lines[3], "huyen-tam-dao "));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                                              \
  g_test_add (path, CheckFixture, NULL, check_fixture_setup, fn, check_fixture_teardown)
  ADD ("/hn/health-check/no-meeting", test_health_no_meeting);
  ADD ("/hn/health-check/all-offline", test_health_all_offline);
  ADD ("/hn/health-check/no-daemon", test_health_no_daemon);
  ADD ("/hn/health-check/links", test_links);
  ADD ("/hn/health-check/watch", test_watch);
#undef ADD

  return g_test_run ();
}
