/* Helpers shared by the tests: temporary folders, the daemon as a real
 * child process, a NOTIFY_SOCKET the test owns, and hoinghictl runs.
 *
 * A failed g_assert aborts the test program before any teardown runs, so
 * children are started with PR_SET_PDEATHSIG (they die with the test) and
 * temporary folders are also removed from a SIGABRT handler. Waiting is
 * always on an event (a datagram, a child's exit) with a deadline, never a
 * fixed sleep. */

#include "hn-test-utils.h"

#include <ftw.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "hn-secrets.h"

#define MAX_TMPDIRS 32

static gchar *tmpdirs[MAX_TMPDIRS];

static int
hn_test_rm_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  remove (path);
  return 0;
}

static void
hn_test_rm_rf (const gchar *dir)
{
  nftw (dir, hn_test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
hn_test_abort_handler (int sig)
{
  for (guint i = 0; i < MAX_TMPDIRS; i++) {
    if (tmpdirs[i] != NULL)
      hn_test_rm_rf (tmpdirs[i]);
  }
  signal (sig, SIG_DFL);
  raise (sig);
}

/**
 * hn_test_tmpdir_new:
 *
 * Returns: a new empty folder, removed by hn_test_tmpdir_remove() or, when
 *   the test aborts, by the abort handler
 */
gchar *
hn_test_tmpdir_new (void)
{
  g_autoptr (GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("hoinghi-test-XXXXXX", &error);

  g_assert_no_error (error);
  signal (SIGABRT, hn_test_abort_handler);
  for (guint i = 0; i < MAX_TMPDIRS; i++) {
    if (tmpdirs[i] == NULL) {
      tmpdirs[i] = g_strdup (dir);
      break;
    }
  }
  return dir;
}

void
hn_test_tmpdir_remove (const gchar *dir)
{
  if (dir == NULL)
    return;
  hn_test_rm_rf (dir);
  for (guint i = 0; i < MAX_TMPDIRS; i++) {
    if (g_strcmp0 (tmpdirs[i], dir) == 0)
      g_clear_pointer (&tmpdirs[i], g_free);
  }
}

/**
 * hn_test_get_program:
 *
 * Returns: the program named by @env_name (set by tests/meson.build)
 */
const gchar *
hn_test_get_program (const gchar *env_name)
{
  const gchar *path = g_getenv (env_name);

  if (path == NULL)
    g_error ("%s is not set; run the tests with meson test", env_name);
  return path;
}

gchar *
hn_test_write_file (const gchar *dir, const gchar *name, const gchar *contents)
{
  g_autoptr (GError) error = NULL;
  gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* A thread receives every datagram at once into a queue: the daemon's
 * sd_notify() blocks when the socket's queue (10 datagrams) is full, and a
 * test that only looks at READY=1 must not stall the daemon it tests. */
struct _HnTestNotify {
  GSocket *socket;
  gchar *path;
  GAsyncQueue *messages; /* of gchar* */
  GThread *thread;
  gint stop; /* atomic */
};

static gpointer
hn_test_notify_thread (gpointer data)
{
  HnTestNotify *self = data;

  while (!g_atomic_int_get (&self->stop)) {
    gchar buf[4096];
    gssize n;

    if (!g_socket_condition_timed_wait (self->socket, G_IO_IN, 50 * 1000, NULL, NULL))
      continue;
    n = g_socket_receive (self->socket, buf, sizeof buf - 1, NULL, NULL);
    if (n > 0) {
      buf[n] = '\0';
      g_async_queue_push (self->messages, g_strdup (buf));
    }
  }
  return NULL;
}

/**
 * hn_test_notify_new:
 *
 * Binds a datagram socket at @path to receive what a child sends with
 * sd_notify(); give its path to the child as NOTIFY_SOCKET.
 */
HnTestNotify *
hn_test_notify_new (const gchar *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (path);
  HnTestNotify *self = g_new0 (HnTestNotify, 1);

  self->path = g_strdup (path);
  self->socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, 0, &error);
  g_assert_no_error (error);
  g_socket_bind (self->socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (self->socket, FALSE);
  self->messages = g_async_queue_new_full (g_free);
  self->thread = g_thread_new ("notify", hn_test_notify_thread, self);
  return self;
}

const gchar *
hn_test_notify_get_path (HnTestNotify *self)
{
  return self->path;
}

/**
 * hn_test_notify_wait:
 * @line: a whole line the wanted message must contain, e.g. "READY=1", or
 *   a prefix ending in '=' such as "STATUS="
 * @watch: (nullable): a child whose exit ends the wait early
 *
 * Takes messages until one has @line, dropping the others.
 *
 * Returns: (nullable): that message, or %NULL on timeout or when @watch
 *   exited first
 */
gchar *
hn_test_notify_wait (HnTestNotify *self, const gchar *line, guint timeout_ms, GSubprocess *watch)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean prefix = g_str_has_suffix (line, "=");

  for (;;) {
    gint64 now = g_get_monotonic_time ();
    g_autofree gchar *msg = NULL;

    if (now >= deadline)
      return NULL;
    /* wake up at least every 100 ms to notice a child that died */
    msg = g_async_queue_timeout_pop (self->messages, MIN (deadline - now, 100 * 1000));
    if (msg != NULL) {
      g_auto (GStrv) lines = g_strsplit (msg, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++) {
        if (prefix ? g_str_has_prefix (lines[i], line) : g_str_equal (lines[i], line))
          return g_steal_pointer (&msg);
      }
      continue;
    }
    if (watch != NULL && g_subprocess_get_identifier (watch) == NULL)
      return NULL;
  }
}

void
hn_test_notify_free (HnTestNotify *self)
{
  if (self == NULL)
    return;
  g_atomic_int_set (&self->stop, 1);
  g_thread_join (self->thread);
  g_async_queue_unref (self->messages);
  g_socket_close (self->socket, NULL);
  g_object_unref (self->socket);
  g_unlink (self->path);
  g_free (self->path);
  g_free (self);
}

static void
hn_test_child_setup (gpointer user_data)
{
  /* the child dies with the test, even when an assertion aborts it */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts self->args in self->dir and waits for READY=1 */
static gboolean
hn_test_daemon_launch (HnTestDaemon *self, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();

  g_subprocess_launcher_setenv (launcher, "NOTIFY_SOCKET", hn_test_notify_get_path (self->notify),
                                TRUE);
  /* the daemon warns on purpose (a refused reload); only criticals, which
   * are programming errors, abort it */
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "fatal-criticals", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "WATCHDOG_USEC");
  g_subprocess_launcher_unsetenv (launcher, "WATCHDOG_PID");
  for (guint i = 0; self->env[i] != NULL; i++) {
    g_auto (GStrv) kv = g_strsplit (self->env[i], "=", 2);

    g_subprocess_launcher_setenv (launcher, kv[0], kv[1] != NULL ? kv[1] : "", TRUE);
  }
  /* the test's stdout is its TAP stream; the daemon's output goes to stderr */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));
  g_subprocess_launcher_set_child_setup (launcher, hn_test_child_setup, NULL, NULL);

  g_ptr_array_add (argv, (gpointer) hn_test_get_program ("HN_HOINGHID"));
  g_ptr_array_add (argv, (gpointer) "--socket");
  g_ptr_array_add (argv, self->socket);
  g_ptr_array_add (argv, (gpointer) "--state-dir");
  g_ptr_array_add (argv, self->state_dir);
  for (guint i = 0; self->args[i] != NULL; i++)
    g_ptr_array_add (argv, self->args[i]);
  g_ptr_array_add (argv, NULL);
  g_clear_object (&self->proc);
  g_clear_pointer (&self->ready_message, g_free);
  self->proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, error);
  if (self->proc == NULL)
    return FALSE;
  /* generous: the first GStreamer registry scan on a cold machine is slow */
  self->ready_message = hn_test_notify_wait (self->notify, "READY=1", 60000, self->proc);
  if (self->ready_message == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 "hoinghid did not send READY=1 (exited or timed out)");
    return FALSE;
  }
  self->ready_us = g_get_monotonic_time ();
  return TRUE;
}

/**
 * hn_test_daemon_spawn:
 * @args: hoinghid's arguments besides --socket and --state-dir
 * @extra_env: (nullable): "NAME=VALUE" strings added to the environment
 *
 * Starts hoinghid in a new temporary folder (socket, state, and the
 * NOTIFY_SOCKET) and waits for READY=1.
 *
 * Returns: the running daemon, or %NULL if it exited or did not get ready
 */
HnTestDaemon *
hn_test_daemon_spawn (const gchar *const *args, const gchar *const *extra_env, GError **error)
{
  g_autoptr (HnTestDaemon) self = g_new0 (HnTestDaemon, 1);
  g_autofree gchar *notify_path = NULL;
  const gchar *no_env[] = { NULL };

  self->dir = hn_test_tmpdir_new ();
  self->socket = g_build_filename (self->dir, "control.sock", NULL);
  self->state_dir = g_build_filename (self->dir, "state", NULL);
  notify_path = g_build_filename (self->dir, "notify.sock", NULL);
  self->notify = hn_test_notify_new (notify_path);
  self->args = g_strdupv ((gchar **) args);
  self->env = g_strdupv ((gchar **) (extra_env != NULL ? extra_env : no_env));
  if (!hn_test_daemon_launch (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * hn_test_daemon_restart:
 *
 * Starts the daemon again, after it exited or was killed (the test waited
 * for that), with the same arguments, socket and state directory, as
 * systemd's Restart= would, and waits for READY=1 (its time is in
 * ready_us).
 */
gboolean
hn_test_daemon_restart (HnTestDaemon *self, GError **error)
{
  g_return_val_if_fail (self->proc == NULL || g_subprocess_get_identifier (self->proc) == NULL,
                        FALSE);

  return hn_test_daemon_launch (self, error);
}

/**
 * hn_test_daemon_kill:
 *
 * SIGKILL, as a crash would end it, and waits until it is gone.
 */
void
hn_test_daemon_kill (HnTestDaemon *self)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (self->proc, SIGKILL);
  g_subprocess_wait (self->proc, NULL, &error);
  g_assert_no_error (error);
}

/**
 * hn_test_daemon_start:
 * @config: the sites file
 *
 * Starts hoinghid as a hub on @config; see hn_test_daemon_spawn().
 */
HnTestDaemon *
hn_test_daemon_start (const gchar *config, const gchar *const *extra_env, GError **error)
{
  /* no recurring meetings: the shipped meetings.conf would start its
   * meetings whenever the clock of the test run says so */
  const gchar *args[] = { "--config", config, "--meetings", "/nonexistent/meetings.conf", NULL };
  HnTestDaemon *self = hn_test_daemon_spawn (args, extra_env, error);

  if (self != NULL)
    self->config = g_strdup (config);
  return self;
}

/**
 * hn_test_daemon_wait:
 *
 * Waits for the daemon to exit, and asserts that it exited rather than
 * being killed by a signal.
 *
 * Returns: its exit status
 */
gint
hn_test_daemon_wait (HnTestDaemon *self)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_wait (self->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (self->proc));
  return g_subprocess_get_exit_status (self->proc);
}

/**
 * hn_test_daemon_stop:
 *
 * Sends SIGTERM and waits for the daemon to exit.
 *
 * Returns: its exit status
 */
gint
hn_test_daemon_stop (HnTestDaemon *self)
{
  g_subprocess_send_signal (self->proc, SIGTERM);
  return hn_test_daemon_wait (self);
}

void
hn_test_daemon_free (HnTestDaemon *self)
{
  if (self == NULL)
    return;
  if (self->proc != NULL) {
    if (g_subprocess_get_identifier (self->proc) != NULL) {
      g_subprocess_force_exit (self->proc);
      g_subprocess_wait (self->proc, NULL, NULL);
    }
    g_object_unref (self->proc);
  }
  g_clear_pointer (&self->notify, hn_test_notify_free);
  hn_test_tmpdir_remove (self->dir);
  g_free (self->dir);
  g_free (self->socket);
  g_free (self->state_dir);
  g_free (self->config);
  g_free (self->ready_message);
  g_strfreev (self->args);
  g_strfreev (self->env);
  g_free (self);
}

/**
 * hn_test_run_ctl:
 * @socket: (nullable): the control socket, passed as --socket
 * @out: (out) (optional): standard output
 * @err: (out) (optional): standard error
 * @...: arguments, %NULL-terminated
 *
 * Runs hoinghictl to completion.
 *
 * Returns: its exit status
 */
gint
hn_test_run_ctl (const gchar *socket, gchar **out, gchar **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *o = NULL;
  g_autofree gchar *e = NULL;
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) hn_test_get_program ("HN_HOINGHICTL"));
  if (socket != NULL) {
    g_ptr_array_add (argv, (gpointer) "--socket");
    g_ptr_array_add (argv, (gpointer) socket);
  }
  va_start (args, err);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, hn_test_child_setup, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &o, &e, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  return g_subprocess_get_exit_status (proc);
}

static gint
hn_test_run_ctlv (const gchar *socket, gchar **out, gchar **err, gboolean json, va_list args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *arg;

  g_ptr_array_add (argv, (gpointer) hn_test_get_program ("HN_HOINGHICTL"));
  g_ptr_array_add (argv, (gpointer) "--socket");
  g_ptr_array_add (argv, (gpointer) socket);
  if (json)
    g_ptr_array_add (argv, (gpointer) "--json");
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);
  proc =
      g_subprocess_newv ((const gchar *const *) argv->pdata,
                         G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (proc);
}

/**
 * hn_test_ctl_json:
 * @...: hoinghictl's arguments, %NULL-terminated (--json is added)
 *
 * Returns: (nullable): the parsed answer, or %NULL when hoinghictl failed
 */
JsonNode *
hn_test_ctl_json (const gchar *socket, ...)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  va_list args;
  gint status;

  va_start (args, socket);
  status = hn_test_run_ctlv (socket, &out, &err, TRUE, args);
  va_end (args);
  if (status != 0) {
    g_test_message ("hoinghictl failed: %s", err);
    return NULL;
  }
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/**
 * hn_test_ctl_ok:
 *
 * Runs hoinghictl and fails the test when it does not succeed.
 */
void
hn_test_ctl_ok (const gchar *socket, ...)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  va_list args;
  gint status;

  va_start (args, socket);
  status = hn_test_run_ctlv (socket, &out, &err, FALSE, args);
  va_end (args);
  if (status != 0)
    g_error ("hoinghictl failed: %s", err);
}

/**
 * hn_test_wait:
 *
 * Checks @predicate until it holds or @timeout_ms passes.
 *
 * Returns: the milliseconds it took, or -1
 */
gint64
hn_test_wait (HnTestPredicate predicate, gpointer data, guint timeout_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) timeout_ms * 1000;

  for (;;) {
    if (predicate (data))
      return (g_get_monotonic_time () - start) / 1000;
    if (g_get_monotonic_time () > deadline)
      return -1;
    /* not a synchronisation: the pace of re-checking a condition */
    g_usleep (50 * 1000);
  }
}

static gboolean
hn_test_wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * hn_test_wait_loop:
 *
 * hn_test_wait() for objects of this process: runs the default main
 * context (their bus watches and timeouts) while it waits.
 *
 * Returns: the milliseconds it took, or -1
 */
gint64
hn_test_wait_loop (HnTestPredicate predicate, gpointer data, guint timeout_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) timeout_ms * 1000;
  /* wakes the loop to check again when nothing else happens */
  guint wake = g_timeout_add (10, hn_test_wake_cb, NULL);
  gint64 ms = -1;

  for (;;) {
    if (predicate (data)) {
      ms = (g_get_monotonic_time () - start) / 1000;
      break;
    }
    if (g_get_monotonic_time () > deadline)
      break;
    g_main_context_iteration (NULL, TRUE);
  }
  g_source_remove (wake);
  return ms;
}

/**
 * hn_test_endpoint_start:
 * @hub_fingerprint: (nullable): the hub certificate to pin, or %NULL for
 *   plain ws (--insecure, for a hub with insecure=true)
 * @extra_args: (nullable): more arguments, e.g. "--test-color", "0xff0000"
 *
 * Starts a room endpoint (test source, no sink) connecting to a hub on
 * 127.0.0.1:@control_port.
 */
HnTestDaemon *
hn_test_endpoint_start (guint control_port,
                        const gchar *site,
                        const gchar *token_file,
                        const gchar *hub_fingerprint,
                        const gchar *const *extra_args)
{
  g_autofree gchar *hub = g_strdup_printf ("127.0.0.1:%u", control_port);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const gchar *base[] = { "--role",       "endpoint", "--config", "/nonexistent/endpoint.conf",
                          "--site",       site,       "--hub",    hub,
                          "--token-file", token_file, "--source", "test",
                          "--sink",       "none",     NULL };
  HnTestDaemon *d;

  for (guint i = 0; base[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) base[i]);
  if (hub_fingerprint != NULL) {
    g_ptr_array_add (args, (gpointer) "--hub-fingerprint");
    g_ptr_array_add (args, (gpointer) hub_fingerprint);
  } else {
    g_ptr_array_add (args, (gpointer) "--insecure");
  }
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra_args[i]);
  g_ptr_array_add (args, NULL);
  d = hn_test_daemon_spawn ((const gchar *const *) args->pdata, NULL, &error);
  g_assert_no_error (error);
  return d;
}

/**
 * hn_test_endpoint_frames:
 * @socket: a room endpoint's control socket
 *
 * Returns: how many frames of the program the room decoded, or -1 if it
 *   does not answer
 */
gint64
hn_test_endpoint_frames (const gchar *socket)
{
  g_autoptr (JsonNode) node = hn_test_ctl_json (socket, "endpoint", NULL);

  if (node == NULL)
    return -1;
  return json_object_get_int_member (
      json_object_get_object_member (json_node_get_object (node), "playout"), "frames-decoded");
}

/**
 * hn_test_endpoint_dump:
 * @ep: (nullable): a room endpoint, or %NULL for one that is not running
 * @name: how the test names the room
 *
 * Prints what the room says of itself (`hoinghictl endpoint`), for a test
 * that waited in vain.
 */
void
hn_test_endpoint_dump (HnTestDaemon *ep, const gchar *name)
{
  g_autoptr (JsonNode) node = ep != NULL ? hn_test_ctl_json (ep->socket, "endpoint", NULL) : NULL;
  g_autofree gchar *text = node != NULL ? json_to_string (node, FALSE) : NULL;

  g_test_message ("%s: %s", name, text != NULL ? text : "(no answer)");
}

/**
 * hn_test_participant_joined:
 * @hub_socket: the hub's control socket
 *
 * Returns: whether @site is a participant of @meeting whose leg is joined
 */
gboolean
hn_test_participant_joined (const gchar *hub_socket, const gchar *meeting, const gchar *site)
{
  g_autoptr (JsonNode) node = hn_test_ctl_json (hub_socket, "meeting", "show", meeting, NULL);
  JsonArray *participants;

  /* no answer while the hub restarts; an error before the meeting exists */
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (node), "participants")))
    return FALSE;
  participants = json_object_get_array_member (json_node_get_object (node), "participants");
  for (guint i = 0; i < json_array_get_length (participants); i++) {
    JsonObject *p = json_array_get_object_element (participants, i);

    if (g_str_equal (json_object_get_string_member (p, "id"), site))
      return json_object_get_boolean_member (p, "joined");
  }
  return FALSE;
}

/**
 * hn_test_endpoint_sees:
 * @socket: a room endpoint's control socket
 * @rgb: a colour
 * @tolerance: how far each component may be
 *
 * Returns: whether every cell of the 4×4 grid the room reports of the
 *   program it plays is @rgb
 */
gboolean
hn_test_endpoint_sees (const gchar *socket, const guint8 rgb[3], gint tolerance)
{
  g_autoptr (JsonNode) node = hn_test_ctl_json (socket, "endpoint", NULL);
  JsonObject *playout;
  JsonArray *grid;

  if (node == NULL)
    return FALSE;
  playout = json_object_get_object_member (json_node_get_object (node), "playout");
  if (json_object_get_int_member (playout, "frames-decoded") == 0)
    return FALSE;
  /* null between a stream's start and its first picture, which can come
   * after frames were counted for the stream before */
  if (!JSON_NODE_HOLDS_ARRAY (json_object_get_member (playout, "grid")))
    return FALSE;
  grid = json_object_get_array_member (playout, "grid");
  for (guint i = 0; i < json_array_get_length (grid); i++) {
    JsonArray *cell = json_array_get_array_element (grid, i);

    for (guint c = 0; c < 3; c++) {
      if (ABS ((gint) json_array_get_int_element (cell, c) - (gint) rgb[c]) > tolerance)
        return FALSE;
    }
  }
  return json_array_get_length (grid) > 0;
}

/**
 * hn_test_free_port_block:
 * @type: %G_SOCKET_TYPE_DATAGRAM or %G_SOCKET_TYPE_STREAM
 * @count: how many consecutive ports
 *
 * An even port P such that P..P+@count-1 are free on 127.0.0.1, for a
 * program that binds ports it is told (ffprobe) or a daemon that must
 * come back on the same port after a restart. Taken below the kernel's
 * ephemeral range, so that other tests' bind(0)s cannot be given them
 * between this check and the bind.
 */
guint
hn_test_free_port_block (GSocketType type, guint count)
{
  g_autofree gchar *range = NULL;
  guint low = 32768;

  if (g_file_get_contents ("/proc/sys/net/ipv4/ip_local_port_range", &range, NULL, NULL))
    low = (guint) g_ascii_strtoull (range, NULL, 10);
  g_assert_cmpuint (low, >, 2048);
  for (guint attempt = 0; attempt < 200; attempt++) {
    guint base =
        (guint) g_random_int_range ((gint) MAX (1024, (gint) low - 16384), (gint) low - 4) & ~1u;
    g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    gboolean all_free = TRUE;

    for (guint i = 0; i < count && all_free; i++) {
      g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, type, 0, NULL);
      g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, (guint16) (base + i));

      all_free = sock != NULL && g_socket_bind (sock, addr, FALSE, NULL);
    }
    if (all_free)
      return base;
  }
  g_assert_not_reached ();
  return 0;
}

/**
 * hn_test_make_certificate:
 * @dir: where to write @name.crt and @name.key
 * @fingerprint: (out) (optional): the certificate's fingerprint, as the
 *   hub shows it and endpoints pin it
 *
 * Makes a self-signed certificate for 127.0.0.1 with openssl, as an
 * operator would for a hub.
 */
void
hn_test_make_certificate (const gchar *dir, const gchar *name, gchar **fingerprint)
{
  g_autofree gchar *crt_name = g_strconcat (name, ".crt", NULL);
  g_autofree gchar *key_name = g_strconcat (name, ".key", NULL);
  g_autofree gchar *crt = g_build_filename (dir, crt_name, NULL);
  g_autofree gchar *key = g_build_filename (dir, key_name, NULL);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GTlsCertificate) tls = NULL;
  g_autoptr (GError) error = NULL;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           &error, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                           "/CN=hoinghi-test-hub", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", key, "-out", crt, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
  tls = g_tls_certificate_new_from_files (crt, key, &error);
  g_assert_no_error (error);
  if (fingerprint != NULL)
    *fingerprint = hn_secrets_get_certificate_fingerprint (tls);
}

/**
 * hn_test_write_secure_config:
 * @source: a sites file whose [hub] has insecure=true (the fixtures do)
 * @fingerprint: (out): the fingerprint of the hub's new certificate
 *
 * Writes @dir/sites.conf: @source with a certificate made in @dir
 * (hub.crt, hub.key) instead of insecure=true, so that the control channel
 * is wss and media SRTP, as in production.
 *
 * Returns: (transfer full): the path of the new sites file
 */
gchar *
hn_test_write_secure_config (const gchar *dir, const gchar *source, gchar **fingerprint)
{
  g_autofree gchar *contents = NULL;
  g_autofree gchar *tls = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) parts = NULL;
  g_autofree gchar *text = NULL;

  g_file_get_contents (source, &contents, NULL, &error);
  g_assert_no_error (error);
  hn_test_make_certificate (dir, "hub", fingerprint);
  tls = g_strdup_printf ("tls-certificate=%s/hub.crt\ntls-key=%s/hub.key\n", dir, dir);
  parts = g_strsplit (contents, "insecure=true\n", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  text = g_strjoinv (tls, parts);
  return hn_test_write_file (dir, "sites.conf", text);
}

/**
 * hn_test_copy_sites_conf:
 *
 * Copies the shipped sites.conf to @dir with a drop-in,
 * sites.conf.d/10-lab.conf, that sets [hub] insecure=true (the shipped
 * file names no certificate, and a hub refuses to start without one) and
 * free ports on 127.0.0.1: tests run side by side, and the shipped ports
 * (control 8443, media 5000) can be held by only one of them.
 *
 * Returns: (transfer full): the path of the copy
 */
gchar *
hn_test_copy_sites_conf (const gchar *dir)
{
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (g_getenv ("HN_SITES_CONF"), &contents, NULL, &error);
  g_assert_no_error (error);
  g_free (hn_test_write_file (
      dir, "sites.conf.d/10-lab.conf",
      "[hub]\ninsecure=true\nlisten-address=127.0.0.1\ncontrol-port=0\nmedia-port=0\n"));
  return hn_test_write_file (dir, "sites.conf", contents);
}

/**
 * hn_test_slowdown:
 *
 * Returns: how much longer than usual a deadline should be: the
 *   HN_TEST_SLOWDOWN of the run (meson test --setup valgrind sets it), 1
 *   by default
 */
guint
hn_test_slowdown (void)
{
  const gchar *value = g_getenv ("HN_TEST_SLOWDOWN");
  guint64 n = 1;

  if (value != NULL && !g_ascii_string_to_unsigned (value, 10, 1, 100, &n, NULL))
    n = 1;
  return (guint) n;
}
