/* The daemon under a service manager: a NOTIFY_SOCKET owned by this test
 * stands in for systemd (which is not PID 1 here) and receives READY=1,
 * STATUS=, WATCHDOG=1, RELOADING=1 and STOPPING=1 from a real hoinghid. */

#include <glib/gstdio.h>
#include <signal.h>

#include "hn-test-utils.h"

#define WAIT_MS 10000

static void
assert_sites (const gchar *socket, const gchar *expected_total)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *needle = g_strdup_printf ("\"total\" : %s,", expected_total);

  g_assert_cmpint (hn_test_run_ctl (socket, &out, &err, "--json", "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, needle));
}

static void
test_notify_lifecycle (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *config = hn_test_copy_sites_conf (dir);
  const gchar *env[] = { "WATCHDOG_USEC=200000", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestDaemon) d = hn_test_daemon_start (config, env, &error);
  g_autofree gchar *msg = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *err = NULL;
  gint64 start;
  guint pings = 0;

  g_assert_no_error (error);

  /* READY=1 came in one message with the status line */
  status = g_strdup ("STATUS=hub: 148 sites (1 hub, 2 departments, 9 districts, "
                     "136 communes)");
  g_assert_nonnull (strstr (d->ready_message, status));

  /* WATCHDOG=1 keeps coming at about half of WATCHDOG_USEC (100 ms) */
  start = g_get_monotonic_time ();
  while (pings < 5) {
    msg = hn_test_notify_wait (d->notify, "WATCHDOG=1", WAIT_MS, d->proc);
    g_assert_nonnull (msg);
    g_clear_pointer (&msg, g_free);
    pings++;
  }
  /* five pings at 100 ms must not take anywhere near 5 s */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  /* a good reload: RELOADING=1, then READY=1 */
  g_subprocess_send_signal (d->proc, SIGHUP);
  msg = hn_test_notify_wait (d->notify, "RELOADING=1", WAIT_MS, d->proc);
  g_assert_nonnull (msg);
  g_assert_nonnull (strstr (msg, "MONOTONIC_USEC="));
  g_clear_pointer (&msg, g_free);
  msg = hn_test_notify_wait (d->notify, "READY=1", WAIT_MS, d->proc);
  g_assert_nonnull (msg);
  g_clear_pointer (&msg, g_free);

  /* a drop-in that adds a site is picked up by the next reload */
  g_free (hn_test_write_file (dir, "sites.conf.d/50-test.conf",
                              "[site phong-hop-so-gd]\n"
                              "name=Sở Giáo dục và Đào tạo\n"
                              "tier=department\n"
                              "address=10.26.0.23\n"));
  g_subprocess_send_signal (d->proc, SIGHUP);
  msg = hn_test_notify_wait (d->notify, "RELOADING=1", WAIT_MS, d->proc);
  g_assert_nonnull (msg);
  g_clear_pointer (&msg, g_free);
  msg = hn_test_notify_wait (d->notify, "READY=1", WAIT_MS, d->proc);
  g_assert_nonnull (msg);
  g_assert_nonnull (strstr (msg, "149 sites (1 hub, 3 departments"));
  g_clear_pointer (&msg, g_free);
  assert_sites (d->socket, "149");

  /* a broken drop-in: the reload is refused, the 149 sites stay */
  g_free (hn_test_write_file (dir, "sites.conf.d/60-broken.conf",
                              "[site xa-dao-tru]\nadress=10.26.248.250\n"));
  g_subprocess_send_signal (d->proc, SIGHUP);
  msg = hn_test_notify_wait (d->notify, "RELOADING=1", WAIT_MS, d->proc);
  g_assert_nonnull (msg);
  g_clear_pointer (&msg, g_free);
  msg = hn_test_notify_wait (d->notify, "READY=1", WAIT_MS, d->proc);
  g_assert_nonnull (msg);
  g_assert_nonnull (strstr (msg, "149 sites"));
  g_clear_pointer (&msg, g_free);
  assert_sites (d->socket, "149");
  {
    g_autofree gchar *out = NULL;

    g_assert_cmpint (hn_test_run_ctl (d->socket, &out, &err, "status", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "60-broken.conf:2: [site xa-dao-tru] adress: unknown key"));
  }

  /* SIGTERM: STOPPING=1, a clean exit, the socket gone */
  g_subprocess_send_signal (d->proc, SIGTERM);
  msg = hn_test_notify_wait (d->notify, "STOPPING=1", WAIT_MS, d->proc);
  g_assert_nonnull (msg);
  g_assert_cmpint (hn_test_daemon_wait (d), ==, 0);
  g_assert_false (g_file_test (d->socket, G_FILE_TEST_EXISTS));

  hn_test_tmpdir_remove (dir);
}

static void
test_notify_no_watchdog (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *config = hn_test_copy_sites_conf (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestDaemon) d = hn_test_daemon_start (config, NULL, &error);
  g_autofree gchar *msg = NULL;

  g_assert_no_error (error);
  /* without WATCHDOG_USEC no keep-alive is sent: the next message is
   * the STOPPING=1 of our SIGTERM */
  g_subprocess_send_signal (d->proc, SIGTERM);
  msg = hn_test_notify_wait (d->notify, "STOPPING=1", WAIT_MS, d->proc);
  g_assert_nonnull (msg);
  g_assert_null (strstr (msg, "WATCHDOG"));
  g_assert_cmpint (hn_test_daemon_wait (d), ==, 0);
  hn_test_tmpdir_remove (dir);
}

static void
test_notify_sigint (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *config = hn_test_copy_sites_conf (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (HnTestDaemon) d = hn_test_daemon_start (config, NULL, &error);
  g_autofree gchar *msg = NULL;

  g_assert_no_error (error);
  g_subprocess_send_signal (d->proc, SIGINT);
  msg = hn_test_notify_wait (d->notify, "STOPPING=1", WAIT_MS, d->proc);
  g_assert_nonnull (msg);
  g_assert_cmpint (hn_test_daemon_wait (d), ==, 0);
  hn_test_tmpdir_remove (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hn/notify/lifecycle", test_notify_lifecycle);
  g_test_add_func ("/hn/notify/no-watchdog", test_notify_no_watchdog);
  g_test_add_func ("/hn/notify/sigint", test_notify_sigint);

  return g_test_run ();
}
