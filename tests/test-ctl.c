/* Integration: the real hoinghid on a temporary socket, driven by the real
 * hoinghictl, in human and JSON output. */

#include <json-glib/json-glib.h>

#include "hn-build-config.h"
#include "hn-test-utils.h"

typedef struct {
  gchar *dir;
  HnTestDaemon *d;
} CtlFixture;

static void
ctl_fixture_setup (CtlFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *config = NULL;

  f->dir = hn_test_tmpdir_new ();
  config = hn_test_copy_sites_conf (f->dir);
  f->d = hn_test_daemon_start (config, NULL, &error);
  g_assert_no_error (error);
}

static void
ctl_fixture_teardown (CtlFixture *f, gconstpointer data)
{
  if (f->d != NULL && g_subprocess_get_identifier (f->d->proc) != NULL)
    g_assert_cmpint (hn_test_daemon_stop (f->d), ==, 0);
  g_clear_pointer (&f->d, hn_test_daemon_free);
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);
}

static JsonNode *
parse_json (const gchar *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static guint
count_lines (const gchar *text)
{
  guint n = 0;

  for (const gchar *p = text; *p != '\0'; p++) {
    if (*p == '\n')
      n++;
  }
  return n;
}

static void
test_ctl_status (CtlFixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *json = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o;

  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &out, &err, "status", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_nonnull (strstr (out, "Role:"));
  g_assert_nonnull (strstr (out, "hub\n"));
  g_assert_nonnull (strstr (out, "Version:  " HN_VERSION "\n"));
  g_assert_nonnull (strstr (out, "148 (1 hub, 2 departments, 9 districts, 136 communes)"));
  g_assert_nonnull (strstr (out, f->d->state_dir));

  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &json, NULL, "--json", "status", NULL), ==, 0);
  node = parse_json (json);
  o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "hub");
  g_assert_cmpstr (json_object_get_string_member (o, "config"), ==, f->d->config);
  g_assert_cmpint (
      json_object_get_int_member (json_object_get_object_member (o, "sites"), "commune"), ==, 136);
}

static void
test_ctl_sites (CtlFixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *all = NULL;
  g_autofree gchar *json = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_auto (GStrv) lines = NULL;

  /* a header, 136 rows, a count */
  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &out, NULL, "sites", "--tier", "commune", NULL),
                   ==, 0);
  g_assert_cmpuint (count_lines (out), ==, 1 + 136 + 1);
  lines = g_strsplit (out, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "ID"));
  g_assert_nonnull (strstr (lines[0], "TIER"));
  g_assert_nonnull (strstr (lines[0], "NAME"));
  g_assert_cmpstr (lines[137], ==, "136 sites");
  g_assert_nonnull (strstr (out, "Xã Đạo Trù"));
  g_assert_null (strstr (out, "UBND tỉnh Vĩnh Phúc"));

  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &all, NULL, "sites", NULL), ==, 0);
  g_assert_cmpuint (count_lines (all), ==, 1 + 148 + 1);

  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &json, NULL, "sites", "--json", "--district",
                                    "huyen-tam-dao", NULL),
                   ==, 0);
  node = parse_json (json);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "count"), ==, 10);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (json_node_get_object (node), "sites")),
      ==, 10);
}

static void
test_ctl_site (CtlFixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *json = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (JsonNode) node = NULL;

  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &out, NULL, "site", "xa-dao-tru", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Xã Đạo Trù"));
  g_assert_nonnull (strstr (out, "huyen-tam-dao"));
  g_assert_nonnull (strstr (out, "10.26.248."));

  g_assert_cmpint (hn_test_run_ctl (f->d->socket, &json, NULL, "--json", "site", "ubnd-tinh", NULL),
                   ==, 0);
  node = parse_json (json);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "tier"), ==, "hub");

  /* an unknown site: one line, non-zero */
  g_assert_cmpint (hn_test_run_ctl (f->d->socket, NULL, &err, "site", "xa-khong-co", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "hoinghictl: no site 'xa-khong-co'\n");
}

static void
test_ctl_usage_errors (CtlFixture *f, gconstpointer data)
{
  g_autofree gchar *err1 = NULL;
  g_autofree gchar *err2 = NULL;
  g_autofree gchar *err3 = NULL;
  g_autofree gchar *err4 = NULL;

  g_assert_cmpint (hn_test_run_ctl (f->d->socket, NULL, &err1, "stauts", NULL), ==, 1);
  g_assert_cmpuint (count_lines (err1), ==, 1);
  g_assert_nonnull (strstr (err1, "unknown verb 'stauts'"));
  g_assert_nonnull (strstr (err1, "'status'"));

  g_assert_cmpint (hn_test_run_ctl (f->d->socket, NULL, &err2, "site", NULL), ==, 1);
  g_assert_cmpuint (count_lines (err2), ==, 1);
  g_assert_true (g_str_has_prefix (err2, "hoinghictl: "));

  g_assert_cmpint (hn_test_run_ctl (f->d->socket, NULL, &err3, "sites", "--tier", "village", NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err3, "unknown tier 'village'"));

  g_assert_cmpint (hn_test_run_ctl (f->d->socket, NULL, &err4, "status", "extra", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err4, "hoinghictl: "));
}

typedef struct {
  GMainLoop *loop;
  GDataInputStream *lines;
  GString *seen;
  const gchar *want;
  gboolean found;
} Follow;

static void follow_next (Follow *fo);

static void
follow_line_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Follow *fo = user_data;
  g_autofree gchar *line =
      g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);

  if (line == NULL) {
    g_main_loop_quit (fo->loop);
    return;
  }
  g_string_append_printf (fo->seen, "%s\n", line);
  if (strstr (line, fo->want) != NULL) {
    fo->found = TRUE;
    g_main_loop_quit (fo->loop);
    return;
  }
  follow_next (fo);
}

static void
follow_next (Follow *fo)
{
  g_data_input_stream_read_line_async (fo->lines, G_PRIORITY_DEFAULT, NULL, follow_line_cb, fo);
}

static gboolean
follow_timeout_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* reads the follower's lines until one holds @want, for 5 s at most */
static gboolean
follow_until (Follow *fo, const gchar *want)
{
  guint timeout = g_timeout_add (5000, follow_timeout_cb, fo->loop);

  fo->want = want;
  fo->found = FALSE;
  follow_next (fo);
  g_main_loop_run (fo->loop);
  if (fo->found)
    g_source_remove (timeout);
  return fo->found;
}

static void
test_ctl_events (CtlFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                                   hn_test_get_program ("HN_HOINGHICTL"),
                                                   "--socket", f->d->socket, "events", NULL);
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GDataInputStream) lines = NULL;
  Follow fo = { loop, NULL, seen, NULL, FALSE };

  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  fo.lines = lines;
  /* the follower says when the hub has taken it on */
  g_assert_true (follow_until (&fo, "following the hub's events"));
  hn_test_ctl_ok (f->d->socket, "meeting", "start", "m", "--sites", "tt-tam-dao", NULL);
  g_assert_true (follow_until (&fo, "meeting-started"));
  g_assert_nonnull (strstr (seen->str, "{\"meeting\":\"m\"}"));
  hn_test_ctl_ok (f->d->socket, "meeting", "stop", "m", NULL);
  g_assert_true (follow_until (&fo, "meeting-stopped"));
  g_subprocess_force_exit (proc);
  g_subprocess_wait (proc, NULL, NULL);
}

static void
test_ctl_help (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *out2 = NULL;

  g_assert_cmpint (hn_test_run_ctl (NULL, &out, NULL, "help", "links", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "List the rooms' links"));
  g_assert_cmpint (hn_test_run_ctl (NULL, &out2, NULL, "help", "meeting", "start", NULL), ==, 0);
  g_assert_nonnull (strstr (out2, "meeting start"));
}

static void
test_ctl_no_daemon (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *socket = g_build_filename (dir, "nobody.sock", NULL);
  g_autofree gchar *err = NULL;

  g_assert_cmpint (hn_test_run_ctl (socket, NULL, &err, "status", NULL), ==, 1);
  g_assert_cmpuint (count_lines (err), ==, 1);
  g_assert_nonnull (strstr (err, "cannot reach hoinghid at "));
  g_assert_nonnull (strstr (err, socket));
  g_assert_nonnull (strstr (err, "is hoinghid running?"));
  hn_test_tmpdir_remove (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                                              \
  g_test_add (path, CtlFixture, NULL, ctl_fixture_setup, fn, ctl_fixture_teardown)
  ADD ("/hn/ctl/status", test_ctl_status);
  ADD ("/hn/ctl/sites", test_ctl_sites);
  ADD ("/hn/ctl/site", test_ctl_site);
  ADD ("/hn/ctl/usage-errors", test_ctl_usage_errors);
  ADD ("/hn/ctl/events", test_ctl_events);
#undef ADD
  g_test_add_func ("/hn/ctl/no-daemon", test_ctl_no_daemon);
  g_test_add_func ("/hn/ctl/help", test_ctl_help);

  return g_test_run ();
}
