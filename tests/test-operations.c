/* Integration: the operator's verbs for systemd and scripts, on the real
 * hoinghid and hoinghictl. `reload` asks the hub to re-read sites.conf
 * and says why when the new files are refused (the running sites stay);
 * `meeting run` holds a meeting in the foreground, as
 * hoinghi-meeting@.service does: it ends with status 0 when the meeting
 * is stopped elsewhere, and stops the meeting on SIGTERM. */

#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "hn-test-utils.h"

/* the deadline of anything the daemon or hoinghictl does on request */
#define WAIT_MS 10000

typedef struct {
  gchar *dir;
  gchar *config;
  HnTestDaemon *d;
  GSubprocess *run; /* hoinghictl meeting run */
} OpsFixture;

static void
ops_fixture_setup (OpsFixture *f, gconstpointer data)
{
  g_autofree gchar *source =
      g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) error = NULL;

  /* a copy: the reload test adds a drop-in next to it */
  g_file_get_contents (source, &contents, NULL, &error);
  g_assert_no_error (error);
  f->dir = hn_test_tmpdir_new ();
  f->config = hn_test_write_file (f->dir, "sites.conf", contents);
  f->d = hn_test_daemon_start (f->config, NULL, &error);
  g_assert_no_error (error);
}

static void
ops_fixture_teardown (OpsFixture *f, gconstpointer data)
{
  if (f->run != NULL && g_subprocess_get_identifier (f->run) != NULL) {
    g_subprocess_force_exit (f->run);
    g_subprocess_wait (f->run, NULL, NULL);
  }
  g_clear_object (&f->run);
  if (f->d != NULL && g_subprocess_get_identifier (f->d->proc) != NULL)
    g_assert_cmpint (hn_test_daemon_stop (f->d), ==, 0);
  g_clear_pointer (&f->d, hn_test_daemon_free);
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_free (f->config);
}

static gint64
count_sites (OpsFixture *f)
{
  g_autoptr (JsonNode) status = hn_test_ctl_json (f->d->socket, "status", NULL);
  JsonObject *sites = json_object_get_object_member (json_node_get_object (status), "sites");

  return json_object_get_int_member (sites, "total");
}

static void
test_reload (OpsFixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *added = NULL;
  g_autofree gchar *bad = NULL;
  g_autofree gchar *expected = NULL;

  g_assert_cmpint (count_sites (f), ==, 6);

  /* a new room in a drop-in: taken */
  added = hn_test_write_file (f->dir, "sites.conf.d/10-new.conf",
                              "[site xa-minh-quang]\n"
                              "name=Xã Minh Quang\n"
                              "tier=commune\n"
                              "code=08920\n"
                              "district=huyen-tam-dao\n"
                              "address=10.26.248.99\n");
  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &out, &err, "reload", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_true (g_str_has_prefix (out, "reloaded: "));
  g_assert_cmpint (count_sites (f), ==, 7);

  /* a typo in another: refused, with file and line, and the 7 sites stay */
  bad = hn_test_write_file (f->dir, "sites.conf.d/50-typo.conf",
                            "# a typo\n"
                            "[site xa-minh-quang]\n"
                            "adress=10.26.248.98\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &out, &err, "reload", NULL), ==, 1);
  g_assert_cmpstr (out, ==, "");
  expected = g_strdup_printf (
      "%s:3: [site xa-minh-quang] adress: unknown key; did you mean 'address'?", bad);
  if (strstr (err, expected) == NULL)
    g_error ("'%s' not in the error: %s", expected, err);
  g_assert_true (g_str_has_prefix (err, "hoinghictl: "));
  g_assert_cmpint (count_sites (f), ==, 7);
}

static gboolean
meeting_runs (gpointer data)
{
  OpsFixture *f = data;

  return hn_test_run_ctl (f->d->socket, NULL, NULL, "meeting", "show", "m", NULL) == 0;
}

static gboolean
meeting_gone (gpointer data)
{
  return !meeting_runs (data);
}

static gboolean
run_exited (gpointer data)
{
  OpsFixture *f = data;

  return g_subprocess_get_identifier (f->run) == NULL;
}

/* with $NOTIFY_SOCKET when @notify is given, as systemd runs it */
static void
spawn_run (OpsFixture *f, HnTestNotify *notify)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  const gchar *argv[] = { hn_test_get_program ("HN_HOINGHICTL"),
                          "--socket",
                          f->d->socket,
                          "meeting",
                          "run",
                          "m",
                          "--sites",
                          "tt-tam-dao",
                          NULL };
  g_autoptr (GError) error = NULL;

  g_clear_object (&f->run);
  if (notify != NULL)
    g_subprocess_launcher_setenv (launcher, "NOTIFY_SOCKET", hn_test_notify_get_path (notify),
                                  TRUE);
  f->run = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
}

static void
test_meeting_run (OpsFixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *notify_path = g_build_filename (f->dir, "notify", NULL);
  g_autoptr (HnTestNotify) notify = hn_test_notify_new (notify_path);
  g_autofree gchar *msg = NULL;

  /* stopped elsewhere: the run ends, status 0 */
  spawn_run (f, notify);
  /* READY=1 once the hub runs it, for Type=notify */
  msg = hn_test_notify_wait (notify, "READY=1", WAIT_MS, f->run);
  g_assert_nonnull (msg);
  g_assert_nonnull (strstr (msg, "STATUS=meeting m running"));
  g_assert_true (meeting_runs (f));
  g_assert_nonnull (g_subprocess_get_identifier (f->run));
  hn_test_ctl_ok (f->d->socket, "meeting", "stop", "m", NULL);
  g_assert_cmpint (hn_test_wait (run_exited, f, WAIT_MS), >=, 0);
  g_assert_true (g_subprocess_get_if_exited (f->run));
  g_assert_cmpint (g_subprocess_get_exit_status (f->run), ==, 0);

  /* SIGTERM, as systemctl stop sends: the meeting is stopped, status 0 */
  spawn_run (f, NULL);
  g_assert_cmpint (hn_test_wait (meeting_runs, f, WAIT_MS), >=, 0);
  g_subprocess_send_signal (f->run, SIGTERM);
  g_assert_cmpint (hn_test_wait (run_exited, f, WAIT_MS), >=, 0);
  g_assert_true (g_subprocess_get_if_exited (f->run));
  g_assert_cmpint (g_subprocess_get_exit_status (f->run), ==, 0);
  g_assert_cmpint (hn_test_wait (meeting_gone, f, 0), >=, 0);

  /* a meeting the hub does not know: the hub's message, status 1, at once */
  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &out, &err, "meeting", "run", "no-such", NULL),
                   ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "hoinghictl: "));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/hn/ops/reload", OpsFixture, NULL, ops_fixture_setup, test_reload,
              ops_fixture_teardown);
  g_test_add ("/hn/ops/meeting-run", OpsFixture, NULL, ops_fixture_setup, test_meeting_run,
              ops_fixture_teardown);
  return g_test_run ();
}
