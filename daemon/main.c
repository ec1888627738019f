/* hoinghid: the hoinghi daemon. Parses the command line, then either checks
 * a configuration file (--check-config, like `nginx -t`) or runs the
 * daemon until it is told to stop. */

#define G_LOG_DOMAIN "hoinghi"

#include <glib.h>
#include <locale.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "hn-build-config.h"
#include "hn-config.h"
#include "hn-daemon.h"
#include "hn-media.h"

static gboolean opt_check_config = FALSE;
static gchar *opt_meetings = NULL;
static gchar *opt_check_config_file = NULL;

static gboolean
hn_main_check_config_cb (const gchar *option_name,
                         const gchar *value,
                         gpointer data,
                         GError **error)
{
  opt_check_config = TRUE;
  g_free (opt_check_config_file);
  opt_check_config_file = g_strdup (value);
  return TRUE;
}

static int
hn_main_check_config (const gchar *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = hn_config_new_from_file (path, &error);
  g_autofree gchar *counts = NULL;
  g_autoptr (HnMeetingsConfig) meetings = NULL;

  if (config == NULL) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  counts = hn_config_describe_counts (config);
  if (!hn_daemon_load_meetings (path, opt_meetings, config, &meetings, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  g_print ("OK: %s\n", counts);
  if (meetings != NULL)
    g_print ("OK: %u meetings (%s)\n", hn_meetings_config_get_plans (meetings)->len,
             hn_meetings_config_get_path (meetings));
  return 0;
}

/* glibc's malloc, set for a daemon that runs for months while streaming
 * threads come and go with the legs (bench/soak, 40 rooms, 12 min of drops
 * and floor moves, seed 7: RSS after the warm-up +7.85 MiB as glibc comes,
 * +1.80 MiB with two arenas, +0.30 MiB with two arenas and a fixed mmap
 * threshold; the live heap, from heaptrack, stayed at 23 MiB in all):
 * - two arenas instead of eight per core: what a thread frees stays in its
 *   arena, so more arenas hold more free memory that no other thread can
 *   use (each thread still has its own cache in front of them);
 * - a fixed 128 KiB threshold above which a block is mmap()ed and given
 *   back when freed: glibc raises it on the first large free, after which
 *   picture buffers come from the arenas and leave holes there.
 * MALLOC_ARENA_MAX or MALLOC_MMAP_THRESHOLD_ in the environment (e.g. in a
 * drop-in of the unit) are left to glibc. Before any thread starts. */
static void
hn_main_tune_malloc (void)
{
#ifdef __GLIBC__
  if (g_getenv ("MALLOC_ARENA_MAX") == NULL)
    mallopt (M_ARENA_MAX, 2);
  if (g_getenv ("MALLOC_MMAP_THRESHOLD_") == NULL)
    mallopt (M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

int
main (int argc, char **argv)
{
  g_autofree gchar *role = NULL;
  g_autofree gchar *config = NULL;
  g_autofree gchar *socket = NULL;
  g_autofree gchar *state_dir = NULL;
  gboolean version = FALSE;
  gboolean verbose = FALSE;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HnDaemon) daemon = NULL;
  HnEndpointConfig ep = { 0 };
  g_autofree gchar *test_color = NULL;
  gint test_tone = 0;
  gint media_port = 0;
  gint lab_delay_send = 0;
  gint lab_delay_receive = 0;
  g_auto (GStrv) missing = NULL;
  const GOptionEntry entries[] = {
    { "role", 'r', 0, G_OPTION_ARG_STRING, &role, "Run as the provincial hub or a room endpoint",
      "hub|endpoint" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
      "Sites file (default " HN_DEFAULT_CONFIG "); drop-ins from FILE.d/*.conf", "FILE" },
    { "socket", 's', 0, G_OPTION_ARG_FILENAME, &socket,
      "Control socket (default " HN_DEFAULT_SOCKET ")", "PATH" },
    { "meetings", 'm', 0, G_OPTION_ARG_FILENAME, &opt_meetings,
      "Recurring meetings (default: meetings.conf beside the sites file)", "FILE" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      "State directory (default " HN_DEFAULT_STATE_DIR ")", "DIR" },
    { "check-config", 0, G_OPTION_FLAG_OPTIONAL_ARG | G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
      hn_main_check_config_cb,
      "Check the sites file (default: --config's) and exit: 0 if valid, 1 if not", "FILE" },
    { "site", 0, 0, G_OPTION_ARG_STRING, &ep.site, "Endpoint: this room's site id", "ID" },
    { "hub", 0, 0, G_OPTION_ARG_STRING, &ep.hub, "Endpoint: the hub's control channel",
      "HOST:PORT" },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &ep.token_file,
      "Endpoint: the site's token (at the hub: hoinghictl token ID)", "FILE" },
    { "hub-fingerprint", 0, 0, G_OPTION_ARG_STRING, &ep.hub_fingerprint,
      "Endpoint: trust only the hub certificate with this fingerprint (at the hub: hoinghictl "
      "status)",
      "sha256:HEX" },
    { "hub-ca", 0, 0, G_OPTION_ARG_FILENAME, &ep.hub_ca,
      "Endpoint: trust hub certificates signed by this CA (PEM)", "FILE" },
    { "insecure", 0, 0, G_OPTION_ARG_NONE, &ep.insecure,
      "Endpoint, labs and tests: plain ws to the hub, nothing encrypted", NULL },
    { "source", 0, 0, G_OPTION_ARG_STRING, &ep.source, "Endpoint: what the room sends",
      "test|camera" },
    { "sink", 0, 0, G_OPTION_ARG_STRING, &ep.sink, "Endpoint: show the program or not",
      "auto|none" },
    { "test-color", 0, 0, G_OPTION_ARG_STRING, &test_color,
      "Endpoint, source test: the picture's colour", "0xRRGGBB" },
    { "test-tone", 0, 0, G_OPTION_ARG_INT, &test_tone, "Endpoint, source test: the tone", "HZ" },
    { "media-port", 0, 0, G_OPTION_ARG_INT, &media_port,
      "Endpoint: first of four local UDP ports (0: any free)", "PORT" },
    { "lab-loss-send", 0, 0, G_OPTION_ARG_DOUBLE, &ep.lab_loss_send,
      "Endpoint, labs and tests: drop this % of the RTP the room sends", "PCT" },
    { "lab-delay-send", 0, 0, G_OPTION_ARG_INT, &lab_delay_send,
      "Endpoint, labs and tests: delay the RTP the room sends", "MS" },
    { "lab-loss-receive", 0, 0, G_OPTION_ARG_DOUBLE, &ep.lab_loss_receive,
      "Endpoint, labs and tests: drop this % of the program's RTP on arrival", "PCT" },
    { "lab-delay-receive", 0, 0, G_OPTION_ARG_INT, &lab_delay_receive,
      "Endpoint, labs and tests: delay the program's RTP on arrival", "MS" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages too", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  hn_main_tune_malloc ();
  setlocale (LC_ALL, "");
  /* a daemon's stdout is nobody's: all log levels go to stderr (or the
   * journal, which GLib's default writer detects) */
  g_log_writer_default_set_use_stderr (TRUE);

  context = g_option_context_new ("- video-conference room orchestration daemon");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
                                    "Signals: SIGHUP reloads the sites file, SIGTERM stops.\n"
                                    "The control API is used with hoinghictl(1).");
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("hoinghid: %s\n", error->message);
    return 1;
  }
  if (argc > 1) {
    g_printerr ("hoinghid: unexpected argument '%s'; see 'hoinghid --help'\n", argv[1]);
    return 1;
  }
  if (version) {
    g_print ("hoinghid %s\n", HN_VERSION);
    return 0;
  }
  if (role == NULL)
    role = g_strdup ("hub");
  if (config == NULL)
    config =
        g_strdup (g_str_equal (role, "endpoint") ? HN_DEFAULT_ENDPOINT_CONFIG : HN_DEFAULT_CONFIG);
  if (opt_check_config) {
    g_autofree gchar *path = g_steal_pointer (&opt_check_config_file);

    return hn_main_check_config (path != NULL ? path : config);
  }

  if (!g_str_equal (role, "hub") && !g_str_equal (role, "endpoint")) {
    g_printerr ("hoinghid: --role: unknown role '%s'; expected hub or endpoint\n", role);
    return 1;
  }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  if (!hn_media_init (&error)) {
    g_printerr ("hoinghid: %s\n", error->message);
    return 1;
  }
  missing = hn_media_find_missing_elements ();
  if (missing[0] != NULL) {
    g_autofree gchar *list = g_strjoinv (", ", missing);

    g_warning ("missing GStreamer elements: %s; meetings cannot run until they are installed",
               list);
  }

  daemon = hn_daemon_new (role, config, socket != NULL ? socket : HN_DEFAULT_SOCKET,
                          state_dir != NULL ? state_dir : HN_DEFAULT_STATE_DIR);
  hn_daemon_set_meetings_path (daemon, opt_meetings);
  if (g_str_equal (role, "endpoint")) {
    if (test_color != NULL) {
      guint64 color = 0;

      if (!g_ascii_string_to_unsigned (g_str_has_prefix (test_color, "0x") ? test_color + 2
                                                                           : test_color,
                                       16, 0, 0xffffff, &color, NULL)) {
        g_printerr ("hoinghid: --test-color: '%s' is not 0xRRGGBB\n", test_color);
        return 1;
      }
      ep.test_color = color;
    }
    if (test_tone < 0 || media_port < 0 || media_port > 65532) {
      g_printerr ("hoinghid: --test-tone and --media-port take positive numbers\n");
      return 1;
    }
    if (lab_delay_send < 0 || lab_delay_receive < 0 || ep.lab_loss_send < 0 ||
        ep.lab_loss_send > 100 || ep.lab_loss_receive < 0 || ep.lab_loss_receive > 100) {
      g_printerr ("hoinghid: --lab-loss-* take 0..100 (%%), --lab-delay-* milliseconds\n");
      return 1;
    }
    ep.lab_delay_send = lab_delay_send;
    ep.lab_delay_receive = lab_delay_receive;
    ep.test_tone = test_tone;
    ep.media_port = media_port;
    if (!hn_endpoint_config_load (&ep, config, &error)) {
      g_printerr ("%s\n", error->message);
      hn_endpoint_config_clear (&ep);
      return 1;
    }
    hn_daemon_set_endpoint_config (daemon, &ep);
  }
  if (!hn_daemon_start (daemon, &error)) {
    g_printerr ("hoinghid: %s\n", error->message);
    return 1;
  }
  hn_daemon_run (daemon);
  return 0;
}
