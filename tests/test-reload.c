/* Integration: a reload that disturbs nothing. A hub with three rooms in a
 * running meeting reloads its sites three times — a site added, a room's
 * settings changed, a room removed — and the rooms that did not change
 * keep their legs (their packet counters never restart) and their picture
 * (30 more frames decoded within 3 s, the normal rate at 15 fps). */

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hn-test-utils.h"

static const gchar *const rooms[] = { "tt-tam-dao", "tt-hop-chau", "xa-dao-tru" };
#define N_ROOMS G_N_ELEMENTS (rooms)

typedef struct {
  gchar *dir;
  gchar *config;
  HnTestDaemon *hub;
  HnTestDaemon *ep[N_ROOMS];
} Fixture;

static gint64
leg_packets (Fixture *f, const gchar *site)
{
  g_autoptr (JsonNode) node = hn_test_ctl_json (f->hub->socket, "meeting", "show", "m", NULL);
  JsonArray *participants;

  if (node == NULL)
    return -1;
  participants = json_object_get_array_member (json_node_get_object (node), "participants");
  for (guint i = 0; i < json_array_get_length (participants); i++) {
    JsonObject *p = json_array_get_object_element (participants, i);
    JsonObject *video;

    if (!g_str_equal (json_object_get_string_member (p, "id"), site))
      continue;
    video = json_object_get_object_member (json_object_get_object_member (p, "media"), "video");
    return json_object_has_member (video, "packets") ? json_object_get_int_member (video, "packets")
                                                     : -1;
  }
  return -1;
}

static gint64
frames_of (Fixture *f, guint i)
{
  g_autoptr (JsonNode) node = hn_test_ctl_json (f->ep[i]->socket, "endpoint", NULL);

  if (node == NULL)
    return -1;
  return json_object_get_int_member (
      json_object_get_object_member (json_node_get_object (node), "playout"), "frames-decoded");
}

typedef struct {
  Fixture *f;
  guint room;
  gint64 target;
} Target;

static gboolean
frames_reached (gpointer data)
{
  Target *t = data;

  return frames_of (t->f, t->room) >= t->target;
}

static gboolean
packets_reached (gpointer data)
{
  Target *t = data;

  return leg_packets (t->f, rooms[t->room]) >= t->target;
}

/* the untouched room @i kept its leg and decodes at full rate */
static void
assert_undisturbed (Fixture *f, guint i, gint64 packets_before)
{
  Target t = { f, i, frames_of (f, i) + 30 };
  gint64 packets = leg_packets (f, rooms[i]);
  gint64 ms;

  g_assert_cmpint (packets, >=, packets_before);
  ms = hn_test_wait (frames_reached, &t, 3000);
  g_test_message ("%s: leg kept (%" G_GINT64_FORMAT " >= %" G_GINT64_FORMAT
                  " packets), 30 frames in %" G_GINT64_FORMAT " ms",
                  rooms[i], packets, packets_before, ms);
  g_assert_cmpint (ms, >=, 0);
}

static void
reload_ok (Fixture *f)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (hn_test_run_ctl (f->hub->socket, &out, &err, "reload", NULL), ==, 0);
}

static gboolean
joined (gpointer data)
{
  Target *t = data;

  return leg_packets (t->f, rooms[t->room]) >= 0;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *source =
      g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (GError) error = NULL;
  guint port;

  f->dir = hn_test_tmpdir_new ();
  g_file_get_contents (source, &contents, NULL, &error);
  g_assert_no_error (error);
  f->config = hn_test_write_file (f->dir, "sites.conf", contents);
  f->hub = hn_test_daemon_start (f->config, NULL, &error);
  g_assert_no_error (error);
  status = hn_test_ctl_json (f->hub->socket, "status", NULL);
  port = json_object_get_int_member (json_node_get_object (status), "control-port");
  for (guint i = 0; i < N_ROOMS; i++) {
    g_autoptr (JsonNode) token = hn_test_ctl_json (f->hub->socket, "token", rooms[i], NULL);
    g_autofree gchar *name = g_strdup_printf ("%s.token", rooms[i]);
    g_autofree gchar *file = hn_test_write_file (
        f->dir, name, json_object_get_string_member (json_node_get_object (token), "token"));

    f->ep[i] = hn_test_endpoint_start (port, rooms[i], file, NULL, NULL);
  }
  hn_test_ctl_ok (f->hub->socket, "meeting", "start", "m", "--sites",
                  "tt-tam-dao,tt-hop-chau,xa-dao-tru", "--layout", "grid", NULL);
  for (guint i = 0; i < N_ROOMS; i++) {
    Target t = { f, i, 1 };

    g_assert_cmpint (hn_test_wait (frames_reached, &t, 10000), >=, 0);
    g_assert_cmpint (hn_test_wait (packets_reached, &t, 10000), >=, 0);
  }
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < N_ROOMS; i++)
    g_clear_pointer (&f->ep[i], hn_test_daemon_free);
  g_clear_pointer (&f->hub, hn_test_daemon_free);
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_free (f->config);
}

static void
test_reload_disturbs_nothing (Fixture *f, gconstpointer data)
{
  gint64 before[N_ROOMS];
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) error = NULL;

  /* 1. a site added: available, nothing else touched */
  for (guint i = 0; i < N_ROOMS; i++)
    before[i] = leg_packets (f, rooms[i]);
  g_free (hn_test_write_file (f->dir, "sites.conf.d/10-new.conf",
                              "[site xa-bo-ly]\nname=Xã Bồ Lý\ntier=commune\ncode=08920\n"
                              "district=huyen-tam-dao\naddress=10.26.248.105\n"));
  reload_ok (f);
  {
    g_autoptr (JsonNode) site = hn_test_ctl_json (f->hub->socket, "site", "xa-bo-ly", NULL);

    g_assert_nonnull (site);
  }
  for (guint i = 0; i < N_ROOMS; i++)
    assert_undisturbed (f, i, before[i]);

  /* 2. a room's settings changed: that room is joined again (its leg
   * starts anew), the others keep theirs */
  for (guint i = 0; i < N_ROOMS; i++)
    before[i] = leg_packets (f, rooms[i]);
  g_free (hn_test_write_file (f->dir, "sites.conf.d/20-change.conf",
                              "[site tt-hop-chau]\nvideo-framerate=10\n"));
  reload_ok (f);
  {
    gint64 after = leg_packets (f, rooms[1]);

    g_test_message ("changed room: leg restarted at %" G_GINT64_FORMAT
                    " packets (was %" G_GINT64_FORMAT ")",
                    after, before[1]);
    g_assert_cmpint (after, <, before[1]);
  }
  assert_undisturbed (f, 0, before[0]);
  assert_undisturbed (f, 2, before[2]);
  {
    Target t = { f, 1, frames_of (f, 1) + 30 };

    g_assert_cmpint (hn_test_wait (frames_reached, &t, 5000), >=, 0);
  }

  /* 3. a room removed from sites.conf: it leaves the meeting gracefully,
   * the others go on */
  for (guint i = 0; i < N_ROOMS; i++)
    before[i] = leg_packets (f, rooms[i]);
  g_file_get_contents (f->config, &contents, NULL, &error);
  g_assert_no_error (error);
  {
    /* the file without the group [site xa-dao-tru] */
    g_auto (GStrv) lines = g_strsplit (contents, "\n", -1);
    g_autoptr (GString) kept = g_string_new (NULL);
    gboolean skipping = FALSE;

    for (guint i = 0; lines[i] != NULL; i++) {
      if (lines[i][0] == '[')
        skipping = g_str_equal (lines[i], "[site xa-dao-tru]");
      if (!skipping)
        g_string_append_printf (kept, "%s\n", lines[i]);
    }
    g_free (contents);
    contents = g_string_free (g_steal_pointer (&kept), FALSE);
  }
  g_file_set_contents (f->config, contents, -1, &error);
  g_assert_no_error (error);
  reload_ok (f);
  {
    Target gone = { f, 2, 0 };
    g_autoptr (JsonNode) ep = NULL;

    g_assert_false (joined (&gone));
    ep = hn_test_ctl_json (f->ep[2]->socket, "endpoint", NULL);
    g_assert_true (json_object_get_null_member (json_node_get_object (ep), "meeting"));
  }
  assert_undisturbed (f, 0, before[0]);
  assert_undisturbed (f, 1, before[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/hn/reload/disturbs-nothing", Fixture, NULL, fixture_setup,
              test_reload_disturbs_nothing, fixture_teardown);
  return g_test_run ();
}
