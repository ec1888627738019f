/* hoinghid --check-config, like `nginx -t`: "OK: …" and exit 0 for a good
 * file, every problem and exit 1 for a bad one, and the errors of a
 * daemon that cannot start. */

#include "hn-test-utils.h"

static gint
run_hoinghid (gchar **out, gchar **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) hn_test_get_program ("HN_HOINGHID"));
  va_start (args, err);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  proc =
      g_subprocess_newv ((const gchar *const *) argv->pdata,
                         G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

static void
test_check_config_ok (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *dir = g_path_get_dirname (g_getenv ("HN_SITES_CONF"));
  g_autofree gchar *expected =
      g_strdup_printf ("OK: 148 sites (1 hub, 2 departments, 9 districts, 136 communes)\n"
                       "OK: 3 meetings (%s/meetings.conf)\n",
                       dir);

  g_assert_cmpint (run_hoinghid (&out, &err, "--check-config", g_getenv ("HN_SITES_CONF"), NULL),
                   ==, 0);
  /* the shipped meetings.conf beside sites.conf is checked too */
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpstr (err, ==, "");
}

static void
test_check_config_uses_config_option (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  /* without a FILE, --check-config checks the file --config names */
  g_assert_cmpint (
      run_hoinghid (&out, &err, "--config", g_getenv ("HN_SITES_CONF"), "--check-config", NULL), ==,
      0);
  g_assert_true (g_str_has_prefix (out, "OK: 148 sites"));
}

static void
test_check_config_bad (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *path = hn_test_write_file (dir, "sites.conf",
                                               "[hub]\n"
                                               "control-port=8443\n"
                                               "\n"
                                               "[site ubnd-tinh]\n"
                                               "name=UBND tỉnh Vĩnh Phúc\n"
                                               "tier=hub\n"
                                               "adress=10.26.0.10\n"
                                               "\n"
                                               "[site huyen-tam-dao]\n"
                                               "name=Huyện Tam Đảo\n"
                                               "tier=district\n"
                                               "code=248\n"
                                               "address=10.26.248.10\n");
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected_key = g_strdup_printf (
      "%s:7: [site ubnd-tinh] adress: unknown key; did you mean 'address'?\n", path);
  g_autofree gchar *expected_missing =
      g_strdup_printf ("%s:4: [site ubnd-tinh]: required key 'address' is missing\n", path);

  g_assert_cmpint (run_hoinghid (&out, &err, "--check-config", path, NULL), ==, 1);
  g_assert_cmpstr (out, ==, "");
  /* both problems, in line order */
  g_assert_nonnull (strstr (err, expected_key));
  g_assert_nonnull (strstr (err, expected_missing));
  g_assert_true (strstr (err, expected_missing) < strstr (err, expected_key));
  hn_test_tmpdir_remove (dir);
}

static void
test_check_config_missing_file (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (run_hoinghid (&out, &err, "--check-config", "/nonexistent/sites.conf", NULL), ==,
                   1);
  g_assert_nonnull (strstr (err, "/nonexistent/sites.conf"));
}

static void
test_daemon_refuses_bad_start (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (run_hoinghid (&out, &err, "--config", "/nonexistent/sites.conf", "--socket",
                                 "/nonexistent/control.sock", NULL),
                   ==, 1);
  g_assert_true (g_str_has_prefix (err, "hoinghid: "));
  g_assert_nonnull (strstr (err, "/nonexistent/sites.conf"));

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_hoinghid (&out, &err, "--role", "relay", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "unknown role 'relay'"));
}

/* No plain ws by omission: a hub without a certificate (nor insecure=true)
 * and a room with nothing to trust its hub by refuse to start, saying what
 * to set */
static void
test_daemon_refuses_no_tls (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *source = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *token = hn_test_write_file (dir, "token", "0123\n");
  g_autofree gchar *socket = g_build_filename (dir, "control.sock", NULL);
  g_autofree gchar *state = g_build_filename (dir, "state", NULL);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *contents = NULL;
  g_auto (GStrv) parts = NULL;

  source = g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_assert_true (g_file_get_contents (source, &contents, NULL, NULL));
  parts = g_strsplit (contents, "insecure=true\n", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_free (contents);
  contents = g_strjoinv ("", parts);
  path = hn_test_write_file (dir, "sites.conf", contents);
  /* the file itself is valid: --check-config passes on a machine without
   * the certificate */
  g_assert_cmpint (run_hoinghid (&out, &err, "--check-config", path, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_hoinghid (&out, &err, "--config", path, "--socket", socket, "--state-dir",
                                 state, "--meetings", "/nonexistent/meetings.conf", NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "set [hub] tls-certificate= and tls-key="));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_hoinghid (&out, &err, "--role", "endpoint", "--config",
                                 "/nonexistent/endpoint.conf", "--site", "xa-dao-tru", "--hub",
                                 "127.0.0.1:8443", "--token-file", token, "--socket", socket,
                                 "--state-dir", state, NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "nothing to trust the hub by"));
  g_assert_nonnull (strstr (err, "--hub-fingerprint"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_hoinghid (&out, &err, "--role", "endpoint", "--config",
                                 "/nonexistent/endpoint.conf", "--site", "xa-dao-tru", "--hub",
                                 "127.0.0.1:8443", "--token-file", token, "--hub-fingerprint",
                                 "sha256:12", "--socket", socket, "--state-dir", state, NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "'sha256:12' is not a certificate fingerprint"));
  hn_test_tmpdir_remove (dir);
}

static void
test_version (void)
{
  g_autofree gchar *out = NULL;

  g_assert_cmpint (run_hoinghid (&out, NULL, "--version", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "hoinghid "));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hn/check-config/ok", test_check_config_ok);
  g_test_add_func ("/hn/check-config/config-option", test_check_config_uses_config_option);
  g_test_add_func ("/hn/check-config/bad", test_check_config_bad);
  g_test_add_func ("/hn/check-config/missing-file", test_check_config_missing_file);
  g_test_add_func ("/hn/daemon/refuses-bad-start", test_daemon_refuses_bad_start);
  g_test_add_func ("/hn/daemon/refuses-no-tls", test_daemon_refuses_no_tls);
  g_test_add_func ("/hn/daemon/version", test_version);

  return g_test_run ();
}
