/* Integration: a meeting survives its hub. A real hub and three real room
 * endpoints (processes on 127.0.0.1) are in a meeting; the floor is on the
 * green room, the blue one is muted, and every room sees the floor's colour
 * in the program (layout single). Then:
 * - the hub is SIGKILLed and started again (as Restart=on-failure would):
 *   the meeting is back at READY as it was, and every room decodes the
 *   floor's picture again within 5 s of READY, without being touched;
 * - the hub is killed while a floor change is under way: after the restart
 *   the floor is the old or the new one, never lost, and moves again;
 * - two rooms are SIGKILLed at once: the third goes on at full rate, and
 *   they come back by themselves when restarted;
 * - a stopped service (SIGTERM) resumes its meetings too, and a truncated
 *   state file is moved aside: the hub starts without meetings.
 *
 * Conditions are awaited with a deadline (the time they took is printed). */

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>

#include "hn-test-utils.h"

typedef struct {
  const gchar *id;
  const gchar *color;
  guint8 rgb[3];
} Room;

static const Room rooms[] = {
  { "tt-tam-dao", "0xff0000", { 255, 0, 0 } },
  { "tt-hop-chau", "0x00ff00", { 0, 255, 0 } },
  { "xa-dao-tru", "0x0000ff", { 0, 0, 255 } },
};
#define N_ROOMS G_N_ELEMENTS (rooms)
#define RED 0
#define GREEN 1
#define BLUE 2

typedef struct {
  gchar *dir;
  HnTestDaemon *hub;
  HnTestDaemon *ep[N_ROOMS];
  gchar *token_file[N_ROOMS];
  guint control_port;
} Fixture;

static HnTestDaemon *
start_endpoint (Fixture *f, guint i)
{
  const gchar *args[] = { "--test-color", rooms[i].color, NULL };

  return hn_test_endpoint_start (f->control_port, rooms[i].id, f->token_file[i], NULL, args);
}

typedef struct {
  Fixture *f;
  const guint8 *rgb;
  gint64 frames[N_ROOMS]; /* more than these, when > 0 */
} Sees;

/* every running room decodes new frames of a picture in @rgb */
static gboolean
all_see (gpointer data)
{
  Sees *s = data;

  for (guint i = 0; i < N_ROOMS; i++) {
    if (s->f->ep[i] == NULL)
      continue;
    if (hn_test_endpoint_frames (s->f->ep[i]->socket) <= s->frames[i] ||
        !hn_test_endpoint_sees (s->f->ep[i]->socket, s->rgb, 60))
      return FALSE;
  }
  return TRUE;
}

static gint64
wait_all_see (Fixture *f, guint room, gboolean new_frames, guint timeout_ms)
{
  Sees s = { f, rooms[room].rgb, { 0 } };
  gint64 ms;

  for (guint i = 0; new_frames && i < N_ROOMS; i++)
    s.frames[i] = f->ep[i] != NULL ? hn_test_endpoint_frames (f->ep[i]->socket) : 0;
  ms = hn_test_wait (all_see, &s, timeout_ms);
  if (ms < 0) {
    for (guint i = 0; i < N_ROOMS; i++)
      hn_test_endpoint_dump (f->ep[i], rooms[i].id);
  }
  return ms;
}

static JsonObject *
meeting_of (Fixture *f, JsonNode **node)
{
  *node = hn_test_ctl_json (f->hub->socket, "meeting", "show", "m", NULL);
  return *node != NULL ? json_node_get_object (*node) : NULL;
}

/* the meeting as it was set up: same participants in the same order,
 * floor @floor, layout single, the blue room muted */
static void
assert_meeting (Fixture *f, guint floor)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *m = meeting_of (f, &node);
  JsonArray *participants;

  g_assert_nonnull (m);
  g_assert_cmpstr (json_object_get_string_member (m, "floor"), ==, rooms[floor].id);
  g_assert_cmpstr (json_object_get_string_member (m, "layout"), ==, "single");
  g_assert_cmpstr (json_object_get_string_member (m, "title"), ==, "Giao ban (thử khôi phục)");
  participants = json_object_get_array_member (m, "participants");
  g_assert_cmpuint (json_array_get_length (participants), ==, N_ROOMS);
  for (guint i = 0; i < N_ROOMS; i++) {
    JsonObject *p = json_array_get_object_element (participants, i);

    g_assert_cmpstr (json_object_get_string_member (p, "id"), ==, rooms[i].id);
    g_assert_cmpint (json_object_get_boolean_member (p, "muted"), ==, i == BLUE);
  }
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *source =
      g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autofree gchar *contents = NULL;
  g_autofree gchar *config = NULL;
  g_autofree gchar *port_conf = NULL;
  g_autoptr (GError) error = NULL;

  f->dir = hn_test_tmpdir_new ();
  g_file_get_contents (source, &contents, NULL, &error);
  g_assert_no_error (error);
  config = hn_test_write_file (f->dir, "sites.conf", contents);
  /* the hub must come back where the rooms look for it */
  f->control_port = hn_test_free_port_block (G_SOCKET_TYPE_STREAM, 1);
  port_conf = g_strdup_printf ("[hub]\ncontrol-port=%u\n", f->control_port);
  g_free (hn_test_write_file (f->dir, "sites.conf.d/50-port.conf", port_conf));
  f->hub = hn_test_daemon_start (config, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_ROOMS; i++) {
    g_autoptr (JsonNode) token = hn_test_ctl_json (f->hub->socket, "token", rooms[i].id, NULL);
    g_autofree gchar *name = g_strdup_printf ("%s.token", rooms[i].id);

    f->token_file[i] = hn_test_write_file (
        f->dir, name, json_object_get_string_member (json_node_get_object (token), "token"));
    f->ep[i] = start_endpoint (f, i);
  }
  hn_test_ctl_ok (f->hub->socket, "meeting", "start", "m", "--title", "Giao ban (thử khôi phục)",
                  "--sites", "tt-tam-dao,tt-hop-chau,xa-dao-tru", NULL);
  hn_test_ctl_ok (f->hub->socket, "floor", "m", rooms[GREEN].id, NULL);
  hn_test_ctl_ok (f->hub->socket, "mute", "m", rooms[BLUE].id, NULL);
  g_assert_cmpint (wait_all_see (f, GREEN, FALSE, 15000), >=, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < N_ROOMS; i++) {
    g_clear_pointer (&f->ep[i], hn_test_daemon_free);
    g_free (f->token_file[i]);
  }
  g_clear_pointer (&f->hub, hn_test_daemon_free);
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);
}

static void
restart_hub (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (hn_test_daemon_restart (f->hub, &error));
  g_assert_no_error (error);
}

static gint64
ms_since_ready (Fixture *f)
{
  return (g_get_monotonic_time () - f->hub->ready_us) / 1000;
}

static void
test_resume_after_kill (Fixture *f, gconstpointer data)
{
  gint64 ms, meeting_ms;

  hn_test_daemon_kill (f->hub);
  restart_hub (f);
  /* back at READY, as it was */
  assert_meeting (f, GREEN);
  meeting_ms = ms_since_ready (f);
  /* the rooms rejoin by themselves and see the floor again */
  ms = wait_all_see (f, GREEN, TRUE, 5000);
  g_test_message ("after SIGKILL and restart: meeting back %" G_GINT64_FORMAT
                  " ms after READY, every room decoding the floor again %" G_GINT64_FORMAT
                  " ms after READY",
                  meeting_ms, ms < 0 ? ms : ms + meeting_ms);
  g_assert_cmpint (ms, >=, 0);
  g_assert_cmpint (ms + meeting_ms, <=, 5000);

  /* and it is a working meeting: the floor moves and shows */
  hn_test_ctl_ok (f->hub->socket, "floor", "m", rooms[RED].id, NULL);
  g_assert_cmpint (wait_all_see (f, RED, TRUE, 3000), >=, 0);

  /* a second crash, now with the floor on red */
  hn_test_daemon_kill (f->hub);
  restart_hub (f);
  assert_meeting (f, RED);
  ms = wait_all_see (f, RED, TRUE, 5000);
  g_test_message ("second restart: every room decoding the floor %" G_GINT64_FORMAT
                  " ms after READY",
                  ms < 0 ? ms : ms_since_ready (f));
  g_assert_cmpint (ms, >=, 0);
}

static void
test_resume_kill_during_floor_change (Fixture *f, gconstpointer data)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) ctl = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  const gchar *floor;
  guint holder;
  gint64 ms;

  /* the floor change and the crash race; either may win */
  ctl = g_subprocess_launcher_spawn (launcher, &error, hn_test_get_program ("HN_HOINGHICTL"),
                                     "--socket", f->hub->socket, "floor", "m", rooms[RED].id, NULL);
  g_assert_no_error (error);
  hn_test_daemon_kill (f->hub);
  g_subprocess_wait (ctl, NULL, &error);
  g_assert_no_error (error);
  restart_hub (f);

  floor = json_object_get_string_member (meeting_of (f, &node), "floor");
  g_test_message ("floor after the restart: %s (the change %s)", floor,
                  g_str_equal (floor, rooms[RED].id) ? "was kept" : "was lost with the crash");
  g_assert_true (g_str_equal (floor, rooms[RED].id) || g_str_equal (floor, rooms[GREEN].id));
  holder = g_str_equal (floor, rooms[RED].id) ? RED : GREEN;
  assert_meeting (f, holder);
  ms = wait_all_see (f, holder, TRUE, 5000);
  g_assert_cmpint (ms, >=, 0);
  /* nothing is stuck: the floor moves again */
  hn_test_ctl_ok (f->hub->socket, "floor", "m", rooms[BLUE].id, NULL);
  ms = wait_all_see (f, BLUE, TRUE, 3000);
  g_test_message ("floor moved to blue %" G_GINT64_FORMAT " ms after the command", ms);
  g_assert_cmpint (ms, >=, 0);
}

static gboolean
online_count_is (gpointer data)
{
  gpointer *args = data;
  Fixture *f = args[0];
  g_autoptr (JsonNode) node = hn_test_ctl_json (f->hub->socket, "status", NULL);

  return node != NULL && json_object_get_int_member (json_node_get_object (node), "sites-online") ==
                             GPOINTER_TO_INT (args[1]);
}

static gboolean
decoded_30_more (gpointer data)
{
  gpointer *args = data;
  Fixture *f = args[0];
  gint64 before = GPOINTER_TO_SIZE (args[1]);

  return hn_test_endpoint_frames (f->ep[BLUE]->socket) >= before + 30;
}

static void
test_resume_rooms_killed (Fixture *f, gconstpointer data)
{
  gpointer args[2] = { f, NULL };
  gint64 ms;

  /* red and green die at once; blue goes on at full rate (30 frames at
   * 15 fps take 2 s; a stall would take it past 3 s) */
  g_subprocess_send_signal (f->ep[RED]->proc, SIGKILL);
  g_subprocess_send_signal (f->ep[GREEN]->proc, SIGKILL);
  g_clear_pointer (&f->ep[RED], hn_test_daemon_free);
  g_clear_pointer (&f->ep[GREEN], hn_test_daemon_free);
  args[1] = GSIZE_TO_POINTER ((gsize) hn_test_endpoint_frames (f->ep[BLUE]->socket));
  ms = hn_test_wait (decoded_30_more, args, 3000);
  g_test_message ("blue decoded 30 frames %" G_GINT64_FORMAT " ms after two rooms died", ms);
  g_assert_cmpint (ms, >=, 0);
  args[1] = GINT_TO_POINTER (1);
  g_assert_cmpint (hn_test_wait (online_count_is, args, 15000), >=, 0);

  /* the floor (green) is kept for when it comes back */
  assert_meeting (f, GREEN);
  f->ep[RED] = start_endpoint (f, RED);
  f->ep[GREEN] = start_endpoint (f, GREEN);
  ms = wait_all_see (f, GREEN, TRUE, 10000);
  g_test_message ("both rooms back and decoding %" G_GINT64_FORMAT " ms after their restart", ms);
  g_assert_cmpint (ms, >=, 0);
}

static void
test_resume_stop_and_corrupt (Fixture *f, gconstpointer data)
{
  g_autofree gchar *state = g_build_filename (f->hub->state_dir, "running-meetings.json", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = NULL;
  const gchar *name;
  gboolean aside = FALSE;
  gsize length;

  /* a clean stop (systemctl stop/restart) keeps them too */
  g_assert_cmpint (hn_test_daemon_stop (f->hub), ==, 0);
  restart_hub (f);
  assert_meeting (f, GREEN);
  g_assert_cmpint (wait_all_see (f, GREEN, TRUE, 5000), >=, 0);

  /* half a file, as a disk could leave it: moved aside, no meeting */
  hn_test_daemon_kill (f->hub);
  g_assert_true (g_file_get_contents (state, &contents, &length, &error));
  g_assert_cmpuint (length, >, 100);
  g_assert_true (g_file_set_contents (state, contents, (gssize) length / 2, &error));
  restart_hub (f);
  list = hn_test_ctl_json (f->hub->socket, "meetings", NULL);
  g_assert_nonnull (list);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (list), "count"), ==, 0);
  dir = g_dir_open (f->hub->state_dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    aside |= g_str_has_prefix (name, "running-meetings.json.corrupt-");
  g_assert_true (aside);
  /* and the hub works: a meeting starts */
  hn_test_ctl_ok (f->hub->socket, "meeting", "start", "m", "--title", "Giao ban (thử khôi phục)",
                  "--sites", "tt-tam-dao,tt-hop-chau,xa-dao-tru", NULL);
  hn_test_ctl_ok (f->hub->socket, "floor", "m", rooms[RED].id, NULL);
  g_assert_cmpint (wait_all_see (f, RED, TRUE, 10000), >=, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/hn/resume/after-kill", Fixture, NULL, fixture_setup, test_resume_after_kill,
              fixture_teardown);
  g_test_add ("/hn/resume/kill-during-floor-change", Fixture, NULL, fixture_setup,
              test_resume_kill_during_floor_change, fixture_teardown);
  g_test_add ("/hn/resume/rooms-killed", Fixture, NULL, fixture_setup, test_resume_rooms_killed,
              fixture_teardown);
  g_test_add ("/hn/resume/stop-and-corrupt", Fixture, NULL, fixture_setup,
              test_resume_stop_and_corrupt, fixture_teardown);
  return g_test_run ();
}
