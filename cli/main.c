/* hoinghictl: the operator's command line for the local hoinghid. Each verb
 * is one row of verbs[] (name, arity, options, handler, help); a verb with
 * subverbs ("meeting start") points at its own table of rows of the same
 * shape. The command line is checked against the row once, here, before
 * the handler runs (arity, options, a required option), and every failure
 * ends as one "hoinghictl: MESSAGE" line and exit status 1. Handlers ask
 * HnCli for the daemon's JSON and either print it as it is (--json) or as
 * aligned text for people. */

#define G_LOG_DOMAIN "hoinghi-cli"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hn-build-config.h"
#include "hn-cli.h"
#include "hn-error.h"
#include "hn-layout.h"
#include "hn-link-health.h"
#include "hn-site.h"
#include "hn-systemd.h"
#include "hn-util.h"

typedef struct _HnVerb HnVerb;

/**
 * HnVerb:
 * @required: (nullable): the long name of a string option in @options
 *   that must be given
 * @handler: (nullable): runs the verb; its argv holds only the operands,
 *   between @min_args and @max_args of them, %NULL-terminated; %NULL for
 *   a verb with @subverbs
 * @subverbs: (nullable): the table of a verb that takes a subverb
 *   ("meeting start"), ended by a row with no name
 * @args: (nullable): the operands for help and usage lines, e.g. "ID"
 */
struct _HnVerb {
  const gchar *name;
  guint min_args;
  guint max_args;
  const GOptionEntry *options;
  const gchar *required;
  gboolean (*handler) (HnCli *cli, gchar **argv, GError **error);
  const HnVerb *subverbs;
  const gchar *args;
  const gchar *help;
};

static gchar *arg_socket;
static gchar *arg_host;
static gchar *arg_token_file;
static gboolean arg_insecure;
static gboolean arg_json;
static gboolean arg_version;
static gchar *arg_tier;
static gchar *arg_district;
static gchar *arg_sites;
static gchar *arg_title;
static gchar *arg_source;
static gchar *arg_layout;
static gchar *arg_monitor;
static gboolean arg_none;
static gboolean arg_requests;
static gboolean arg_cancel;
static gchar *arg_meeting;
static gchar *arg_state;
static gint arg_count = 5;
static gchar *arg_warn_down;
static gchar *arg_crit_down;
static gchar *arg_warn_mos;
static gchar *arg_crit_mos;
static gchar *arg_interval;

/* What run() returns when the verb succeeded; only `health` sets another
 * (the monitoring plugins' 0/1/2/3) */
static int verb_exit_status = EXIT_SUCCESS;

static const GOptionEntry global_options[] = {
  { "socket", 's', 0, G_OPTION_ARG_FILENAME, &arg_socket,
    "Control socket of hoinghid (default: " HN_DEFAULT_SOCKET ")", "PATH" },
  { "host", 'H', 0, G_OPTION_ARG_STRING, &arg_host,
    "A hub's API over TCP instead of the socket (or https://HOST:PORT)", "HOST:PORT" },
  { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &arg_token_file,
    "File holding the bearer token to send with --host", "FILE" },
  { "insecure", 0, 0, G_OPTION_ARG_NONE, &arg_insecure,
    "With https, accept any certificate (a self-signed one)", NULL },
  { "json", 'j', 0, G_OPTION_ARG_NONE, &arg_json, "Print the daemon's JSON answer as it is", NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &arg_version, "Show the version and exit", NULL },
  G_OPTION_ENTRY_NULL
};

static const GOptionEntry sites_options[] = {
  { "tier", 0, 0, G_OPTION_ARG_STRING, &arg_tier,
    "Only sites of this tier: hub, department, district or commune", "TIER" },
  { "district", 0, 0, G_OPTION_ARG_STRING, &arg_district,
    "Only this district and its communes (its ID or GSO code)", "DISTRICT" },
  G_OPTION_ENTRY_NULL
};

static const GOptionEntry start_options[] = {
  { "sites", 0, 0, G_OPTION_ARG_STRING, &arg_sites,
    "Required: the participants, as all, tier:T, district:D or site IDs, comma-separated; "
    "!TERM leaves some out",
    "SELECTOR" },
  { "title", 0, 0, G_OPTION_ARG_STRING, &arg_title, "Shown to operators (default: the ID)",
    "TITLE" },
  { "source", 0, 0, G_OPTION_ARG_STRING, &arg_source,
    "The chair: test (default), camera or a URI (srt://, rtsp://…)", "SOURCE" },
  { "layout", 0, 0, G_OPTION_ARG_STRING, &arg_layout, "single (default), pip or grid", "LAYOUT" },
  { "monitor", 0, 0, G_OPTION_ARG_STRING, &arg_monitor,
    "Also send the program there, for a player of 'hoinghictl sdp ID'", "HOST:PORT" },
  G_OPTION_ENTRY_NULL
};

static const GOptionEntry request_floor_options[] = {
  { "cancel", 0, 0, G_OPTION_ARG_NONE, &arg_cancel, "Withdraw the request", NULL },
  G_OPTION_ENTRY_NULL,
};

static const GOptionEntry health_options[] = {
  { "warn-down", 0, 0, G_OPTION_ARG_STRING, &arg_warn_down,
    "WARNING when at least N participants (or N% of them) are down or offline (default: 1)",
    "N|N%" },
  { "crit-down", 0, 0, G_OPTION_ARG_STRING, &arg_crit_down,
    "CRITICAL when at least N participants (or N% of them) are down or offline (default: 10%)",
    "N|N%" },
  { "warn-mos", 0, 0, G_OPTION_ARG_STRING, &arg_warn_mos,
    "WARNING when a link that is up has an estimated MOS below X", "X" },
  { "crit-mos", 0, 0, G_OPTION_ARG_STRING, &arg_crit_mos,
    "CRITICAL when a link that is up has an estimated MOS below X", "X" },
  { "meeting", 0, 0, G_OPTION_ARG_STRING, &arg_meeting,
    "Check only this meeting (default: every running meeting)", "ID" },
  G_OPTION_ENTRY_NULL,
};

static const GOptionEntry count_options[] = { { "count", 'n', 0, G_OPTION_ARG_INT, &arg_count,
                                                "How many elapses to show (default 5)", "N" },
                                              G_OPTION_ENTRY_NULL };

static const GOptionEntry links_options[] = {
  { "meeting", 0, 0, G_OPTION_ARG_STRING, &arg_meeting, "Only the participants of this meeting",
    "ID" },
  { "state", 0, 0, G_OPTION_ARG_STRING, &arg_state,
    "Only links in this state: offline, standby, connecting, up, degraded or down", "STATE" },
  G_OPTION_ENTRY_NULL,
};

static const GOptionEntry watch_options[] = {
  { "meeting", 0, 0, G_OPTION_ARG_STRING, &arg_meeting, "Only the participants of this meeting",
    "ID" },
  { "interval", 0, 0, G_OPTION_ARG_STRING, &arg_interval,
    "Seconds between two refreshes (default: 2)", "S" },
  G_OPTION_ENTRY_NULL,
};

static const GOptionEntry floor_options[] = {
  { "none", 0, 0, G_OPTION_ARG_NONE, &arg_none, "Give the floor back to the chair", NULL },
  { "requests", 0, 0, G_OPTION_ARG_NONE, &arg_requests, "List the sites asking for the floor",
    NULL },
  G_OPTION_ENTRY_NULL,
};

/* The daemon is another program: its answers are read without trusting
 * their shape, since json_object_get_*_member() would log criticals on a
 * missing member or one of another type. */
static const gchar *
member_string (JsonObject *object, const gchar *name, const gchar *fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return fallback;
  return json_node_get_string (node);
}

static gint64
member_int (JsonObject *object, const gchar *name, gint64 fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int (node);
}

static JsonObject *
member_object (JsonObject *object, const gchar *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object, const gchar *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
answer_object (JsonNode *root, const gchar *path, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED,
                 "invalid answer from hoinghid for %s: not a JSON object", path);
    return NULL;
  }
  return json_node_get_object (root);
}

/* Text for people: "Label: value" lines with the values in one column. The
 * array holds label, value, label, value, ... */
static void fields_add (GPtrArray *fields, const gchar *label, const gchar *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
fields_add (GPtrArray *fields, const gchar *label, const gchar *format, ...)
{
  va_list ap;

  va_start (ap, format);
  g_ptr_array_add (fields, g_strdup (label));
  g_ptr_array_add (fields, g_strdup_vprintf (format, ap));
  va_end (ap);
}

static void
fields_print (GPtrArray *fields)
{
  glong width = 0;

  for (guint i = 0; i < fields->len; i += 2)
    width = MAX (width, g_utf8_strlen (fields->pdata[i], -1));
  for (guint i = 0; i < fields->len; i += 2) {
    const gchar *label = fields->pdata[i];

    g_print ("%s:%*s%s\n", label, (int) (width - g_utf8_strlen (label, -1) + 2), "",
             (const gchar *) fields->pdata[i + 1]);
  }
}

/* A table whose cells may hold Vietnamese names: columns are padded by
 * characters, not bytes. The last column is not padded, so no line ends in
 * blanks. @cells holds the rows one after the other. */
/* Colours only where a person reads them: a terminal, no NO_COLOR, and
 * not TERM=dumb (https://no-color.org) */
static gboolean
use_colour (void)
{
  const gchar *term = g_getenv ("TERM");

  return isatty (STDOUT_FILENO) && g_getenv ("NO_COLOR") == NULL && term != NULL &&
         !g_str_equal (term, "dumb");
}

/* The colour of a link state in a STATE column, or NULL */
static const gchar *
state_colour (const gchar *header, const gchar *cell)
{
  static const struct {
    const gchar *state;
    const gchar *sgr;
  } colours[] = {
    { "up", "32" },     { "degraded", "33" }, { "connecting", "33" },
    { "down", "1;31" }, { "offline", "31" },
  };

  if (!g_str_equal (header, "STATE"))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (colours); i++) {
    if (g_str_equal (cell, colours[i].state))
      return colours[i].sgr;
  }
  return NULL;
}

static void
table_append (GString *out, const gchar *const *header, guint n_columns, GPtrArray *cells)
{
  g_autofree glong *width = g_new0 (glong, n_columns);
  gboolean colour = use_colour ();

  for (guint c = 0; c < n_columns; c++)
    width[c] = g_utf8_strlen (header[c], -1);
  for (guint i = 0; i < cells->len; i++)
    width[i % n_columns] = MAX (width[i % n_columns], g_utf8_strlen (cells->pdata[i], -1));

  for (guint i = 0; i < cells->len + n_columns; i++) {
    guint c = i % n_columns;
    const gchar *cell = i < n_columns ? header[c] : cells->pdata[i - n_columns];
    const gchar *sgr = colour && i >= n_columns ? state_colour (header[c], cell) : NULL;

    /* padding counts the visible characters only */
    if (sgr != NULL)
      g_string_append_printf (out, "\033[%sm%s\033[0m", sgr, cell);
    else
      g_string_append (out, cell);
    if (c + 1 < n_columns)
      g_string_append_printf (out, "%*s", (int) (width[c] - g_utf8_strlen (cell, -1) + 2), "");
    else
      g_string_append_c (out, '\n');
  }
}

static void
table_print (const gchar *const *header, guint n_columns, GPtrArray *cells)
{
  g_autoptr (GString) out = g_string_new (NULL);

  table_append (out, header, n_columns, cells);
  g_print ("%s", out->str);
}

static void
append_query (GString *path, const gchar *key, const gchar *value)
{
  g_string_append_c (path, strchr (path->str, '?') != NULL ? '&' : '?');
  g_string_append (path, key);
  g_string_append_c (path, '=');
  g_string_append_uri_escaped (path, value, NULL, FALSE);
}

/* "148 (1 hub, 2 departments, 9 districts, 136 communes)" */
static gchar *
describe_site_counts (JsonObject *sites)
{
  GString *text = g_string_new (NULL);
  gboolean first = TRUE;

  g_string_append_printf (text, "%" G_GINT64_FORMAT, member_int (sites, "total", 0));
  for (HnTier t = 0; t < HN_TIER_LAST; t++) {
    gint64 n = member_int (sites, hn_tier_to_string (t), 0);

    if (n == 0)
      continue;
    g_string_append (text, first ? " (" : ", ");
    g_string_append_printf (text, "%" G_GINT64_FORMAT " %s", n,
                            n == 1 ? hn_tier_to_string (t) : hn_tier_to_plural (t));
    first = FALSE;
  }
  if (!first)
    g_string_append_c (text, ')');
  return g_string_free (text, FALSE);
}

/* "/etc/hoinghi/sites.conf (+2 drop-ins)" */
static gchar *
describe_config (JsonObject *status)
{
  const gchar *config = member_string (status, "config", "-");
  JsonArray *files = member_array (status, "config-files");
  guint n_dropins = 0;

  for (guint i = 0; files != NULL && i < json_array_get_length (files); i++) {
    JsonNode *node = json_array_get_element (files, i);

    if (json_node_get_value_type (node) == G_TYPE_STRING &&
        g_strcmp0 (json_node_get_string (node), config) != 0)
      n_dropins++;
  }
  if (n_dropins == 0)
    return g_strdup (config);
  return g_strdup_printf ("%s (+%u drop-in%s)", config, n_dropins, n_dropins == 1 ? "" : "s");
}

static gboolean
member_boolean (JsonObject *object, const gchar *name, gboolean fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

/* "yes", "no", or "-" when the daemon does not say */
static const gchar *
member_yes_no (JsonObject *object, const gchar *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return "-";
  return json_node_get_boolean (node) ? "yes" : "no";
}

/* An age given in milliseconds, for people: "40 ms", "2.5 s", "3 min 5 s";
 * "-" when there is none (null: nothing arrived yet). */
static gchar *
describe_age_ms (JsonObject *object, const gchar *name)
{
  gint64 ms = member_int (object, name, -1);

  if (ms < 0)
    return g_strdup ("-");
  if (ms < 1000)
    return g_strdup_printf ("%" G_GINT64_FORMAT " ms", ms);
  if (ms < 60 * 1000)
    return g_strdup_printf ("%.1f s", ms / 1000.0);
  return hn_util_format_duration (ms / 1000);
}

/* "a, b, c" from an array of strings, or @fallback when it is empty */
static gchar *
describe_list (JsonArray *array, const gchar *fallback)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);

    if (json_node_get_value_type (node) != G_TYPE_STRING)
      continue;
    if (text->len > 0)
      g_string_append (text, ", ");
    g_string_append (text, json_node_get_string (node));
  }
  if (text->len == 0)
    g_string_append (text, fallback);
  return g_string_free (text, FALSE);
}

/* "/api/v1/meetings/ID/floor" from its segments, each escaped so that an
 * id is always one segment */
static gchar *api_path (const gchar *first, ...) G_GNUC_NULL_TERMINATED;

static gchar *
api_path (const gchar *first, ...)
{
  GString *path = g_string_new ("/api/v1");
  va_list ap;

  va_start (ap, first);
  for (const gchar *s = first; s != NULL; s = va_arg (ap, const gchar *)) {
    g_string_append_c (path, '/');
    g_string_append_uri_escaped (path, s, NULL, FALSE);
  }
  va_end (ap);
  return g_string_free (path, FALSE);
}

/* With --json, every verb prints the daemon's answer as it is and stops
 * there; returns whether it did. */
static gboolean
print_json_answer (HnCli *cli, JsonNode *root)
{
  if (!hn_cli_get_json_output (cli))
    return FALSE;
  hn_cli_print_json (cli, root);
  return TRUE;
}

/* A request body of one member; a %NULL @value is null. */
static JsonNode *
body_string (const gchar *name, const gchar *value)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
  json_node_take_object (node, object);
  return node;
}

static JsonNode *
body_boolean (const gchar *name, gboolean value)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_boolean_member (object, name, value);
  json_node_take_object (node, object);
  return node;
}

typedef struct {
  guint total;
  guint online;
  guint joined;
  guint muted;
} ParticipantCounts;

static void
count_participants (JsonObject *meeting, ParticipantCounts *counts)
{
  JsonArray *participants = member_array (meeting, "participants");

  memset (counts, 0, sizeof (*counts));
  for (guint i = 0; participants != NULL && i < json_array_get_length (participants); i++) {
    JsonNode *node = json_array_get_element (participants, i);
    JsonObject *p = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

    counts->total++;
    counts->online += member_boolean (p, "online", FALSE);
    counts->joined += member_boolean (p, "joined", FALSE);
    counts->muted += member_boolean (p, "muted", FALSE);
  }
}

/* The lines /api/v1/status has for the hub role: meetings, rooms online
 * and the hub's ports. Labels stay as short as "Version" so the block
 * keeps its column. */
static void
status_add_hub (GPtrArray *fields, JsonObject *status)
{
  JsonObject *sites = member_object (status, "sites");
  gint64 meetings = member_int (status, "meetings", -1);
  gint64 online = member_int (status, "sites-online", -1);
  gint64 control_port = member_int (status, "control-port", -1);
  gint64 media_port = member_int (status, "media-port", -1);

  if (meetings >= 0)
    fields_add (fields, "Running", "%" G_GINT64_FORMAT " meeting%s", meetings,
                meetings == 1 ? "" : "s");
  if (online >= 0 && sites != NULL)
    /* the hub chairs and is not one of the rooms that connect */
    fields_add (fields, "Online", "%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " rooms", online,
                member_int (sites, "total", 0) - member_int (sites, "hub", 0));
  else if (online >= 0)
    fields_add (fields, "Online", "%" G_GINT64_FORMAT " rooms", online);
  if (control_port >= 0 && media_port >= 0)
    fields_add (fields, "Ports", "control %" G_GINT64_FORMAT "/tcp, media %" G_GINT64_FORMAT "/udp",
                control_port, media_port);
  if (json_object_has_member (status, "control-fingerprint"))
    fields_add (fields, "Control", "%s",
                member_string (status, "control-fingerprint",
                               "plain ws, insecure=true (a lab: nothing is encrypted)"));
}

/* The lines /api/v1/status has for a room endpoint */
static void
status_add_endpoint (GPtrArray *fields, JsonObject *status)
{
  fields_add (fields, "Site", "%s", member_string (status, "site", "-"));
  fields_add (fields, "Hub", "%s (%s)", member_string (status, "hub", "-"),
              member_boolean (status, "connected", FALSE) ? "connected" : "not connected");
  fields_add (fields, "Meeting", "%s", member_string (status, "meeting", "none"));
}

static gboolean
verb_status (HnCli *cli, gchar **argv, GError **error)
{
  const gchar *path = "/api/v1/status";
  g_autoptr (JsonNode) root = hn_cli_get_json (cli, path, error);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *uptime = NULL;
  JsonObject *status;
  gint64 seconds;
  const gchar *reload_error;

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  status = answer_object (root, path, error);
  if (status == NULL)
    return FALSE;

  seconds = member_int (status, "uptime-seconds", -1);
  uptime = seconds >= 0 ? hn_util_format_duration (seconds) : g_strdup ("-");
  reload_error = member_string (status, "last-reload-error", NULL);

  fields_add (fields, "Role", "%s", member_string (status, "role", "-"));
  fields_add (fields, "Version", "%s", member_string (status, "version", "-"));
  fields_add (fields, "Uptime", "%s", uptime);
  if (member_string (status, "config", NULL) != NULL) {
    g_autofree gchar *config = describe_config (status);

    fields_add (fields, "Config", "%s", config);
  }
  fields_add (fields, "State", "%s", member_string (status, "state-directory", "-"));
  if (member_object (status, "sites") != NULL) {
    g_autofree gchar *counts = describe_site_counts (member_object (status, "sites"));

    fields_add (fields, "Sites", "%s", counts);
  }
  if (g_strcmp0 (member_string (status, "role", NULL), "endpoint") == 0)
    status_add_endpoint (fields, status);
  else
    status_add_hub (fields, status);
  if (reload_error != NULL)
    fields_add (fields, "Reload", "failed: %s", reload_error);
  fields_print (fields);
  return TRUE;
}

/* Checked here rather than left to the daemon so a misspelt tier gets a
 * "did you mean". */
static gboolean
check_tier (const gchar *tier, GError **error)
{
  const gchar *names[HN_TIER_LAST + 1] = { NULL };
  const gchar *suggestion;

  if (hn_tier_from_string (tier, NULL))
    return TRUE;
  for (HnTier t = 0; t < HN_TIER_LAST; t++)
    names[t] = hn_tier_to_string (t);
  suggestion = hn_util_suggest (tier, names);
  if (suggestion != NULL)
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown tier '%s'; did you mean '%s'?", tier, suggestion);
  else
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown tier '%s'; expected hub, department, district or commune", tier);
  return FALSE;
}

static gboolean
verb_sites (HnCli *cli, gchar **argv, GError **error)
{
  static const gchar *const header[] = { "ID", "TIER", "DISTRICT", "ADDRESS", "NAME" };
  g_autoptr (GString) path = g_string_new ("/api/v1/sites");
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) cells = g_ptr_array_new ();
  JsonObject *answer;
  JsonArray *sites;
  guint n_sites;

  if (arg_tier != NULL) {
    if (!check_tier (arg_tier, error))
      return FALSE;
    append_query (path, "tier", arg_tier);
  }
  if (arg_district != NULL)
    append_query (path, "district", arg_district);

  root = hn_cli_get_json (cli, path->str, error);
  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  answer = answer_object (root, path->str, error);
  if (answer == NULL)
    return FALSE;
  sites = member_array (answer, "sites");
  if (sites == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED,
                 "invalid answer from hoinghid for %s: no \"sites\" list", path->str);
    return FALSE;
  }

  n_sites = json_array_get_length (sites);
  for (guint i = 0; i < n_sites; i++) {
    JsonNode *node = json_array_get_element (sites, i);
    JsonObject *site = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

    g_ptr_array_add (cells, (gpointer) member_string (site, "id", "-"));
    g_ptr_array_add (cells, (gpointer) member_string (site, "tier", "-"));
    g_ptr_array_add (cells, (gpointer) member_string (site, "district", "-"));
    g_ptr_array_add (cells, (gpointer) member_string (site, "address", "-"));
    g_ptr_array_add (cells, (gpointer) member_string (site, "name", "-"));
  }
  if (n_sites > 0)
    table_print (header, G_N_ELEMENTS (header), cells);
  g_print ("%u site%s\n", n_sites, n_sites == 1 ? "" : "s");
  return TRUE;
}

/* site rotate-secret ID: prints the new token, as token ID does */
static gboolean
verb_site_rotate_secret (HnCli *cli, const gchar *id, GError **error)
{
  g_autofree gchar *path = api_path ("sites", id, "rotate-secret", NULL);
  g_autoptr (JsonNode) root = hn_cli_request (cli, "POST", path, NULL, error);
  JsonObject *answer;
  const gchar *token;

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  answer = answer_object (root, path, error);
  if (answer == NULL)
    return FALSE;
  token = member_string (answer, "token", NULL);
  if (token == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED,
                 "invalid answer from hoinghid for %s: no \"token\"", path);
    return FALSE;
  }
  g_print ("%s\n", token);
  return TRUE;
}

static gboolean
verb_site (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  JsonObject *site;
  JsonObject *media;

  if (argv[1] != NULL && g_str_equal (argv[0], "rotate-secret"))
    return verb_site_rotate_secret (cli, argv[1], error);
  if (argv[1] != NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown 'site' action '%s'; expected site ID or site rotate-secret ID", argv[0]);
    return FALSE;
  }
  path = api_path ("sites", argv[0], NULL);
  root = hn_cli_get_json (cli, path, error);
  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  site = answer_object (root, path, error);
  if (site == NULL)
    return FALSE;
  media = member_object (site, "media");

  fields_add (fields, "ID", "%s", member_string (site, "id", "-"));
  fields_add (fields, "Name", "%s", member_string (site, "name", "-"));
  fields_add (fields, "Short name", "%s", member_string (site, "short-name", "-"));
  fields_add (fields, "Tier", "%s", member_string (site, "tier", "-"));
  fields_add (fields, "GSO code", "%s", member_string (site, "code", "-"));
  fields_add (fields, "District", "%s", member_string (site, "district", "-"));
  fields_add (fields, "Address", "%s", member_string (site, "address", "-"));
  if (media != NULL) {
    fields_add (fields, "Media port", "%" G_GINT64_FORMAT, member_int (media, "media-port", 0));
    fields_add (fields, "Video", "%s @ %" G_GINT64_FORMAT " fps, %" G_GINT64_FORMAT " kbit/s",
                member_string (media, "video-size", "?"), member_int (media, "video-framerate", 0),
                member_int (media, "video-bitrate", 0));
    fields_add (fields, "Audio", "Opus %" G_GINT64_FORMAT " kbit/s",
                member_int (media, "audio-bitrate", 0));
  }
  fields_print (fields);
  return TRUE;
}

/* Checked here too, so a misspelt layout gets a "did you mean" before
 * anything is sent. */
static gboolean
check_layout (const gchar *layout, GError **error)
{
  const gchar *const *names = hn_layout_get_names ();
  g_autoptr (GString) text = NULL;
  const gchar *suggestion;

  if (hn_layout_from_string (layout, NULL))
    return TRUE;
  suggestion = hn_util_suggest (layout, names);
  if (suggestion != NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown layout '%s'; did you mean '%s'?", layout, suggestion);
    return FALSE;
  }
  /* "single, pip or grid" */
  text = g_string_new (NULL);
  for (guint i = 0; names[i] != NULL; i++) {
    if (i > 0)
      g_string_append (text, names[i + 1] == NULL ? " or " : ", ");
    g_string_append (text, names[i]);
  }
  g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "unknown layout '%s'; expected %s",
               layout, text->str);
  return FALSE;
}

static gboolean
verb_token (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("sites", argv[0], "token", NULL);
  g_autoptr (JsonNode) root = hn_cli_get_json (cli, path, error);
  JsonObject *answer;
  const gchar *token;

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  answer = answer_object (root, path, error);
  if (answer == NULL)
    return FALSE;
  token = member_string (answer, "token", NULL);
  if (token == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED,
                 "invalid answer from hoinghid for %s: no \"token\"", path);
    return FALSE;
  }
  g_print ("%s\n", token);
  return TRUE;
}

static gboolean
verb_meetings (HnCli *cli, gchar **argv, GError **error)
{
  static const gchar *const header[] = { "ID", "LAYOUT", "FLOOR", "ONLINE", "TITLE" };
  g_autofree gchar *path = api_path ("meetings", NULL);
  g_autoptr (JsonNode) root = hn_cli_get_json (cli, path, error);
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  JsonObject *answer;
  JsonArray *meetings;
  guint n_meetings;

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  answer = answer_object (root, path, error);
  if (answer == NULL)
    return FALSE;
  meetings = member_array (answer, "meetings");
  if (meetings == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED,
                 "invalid answer from hoinghid for %s: no \"meetings\" list", path);
    return FALSE;
  }

  n_meetings = json_array_get_length (meetings);
  for (guint i = 0; i < n_meetings; i++) {
    JsonNode *node = json_array_get_element (meetings, i);
    JsonObject *meeting = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    ParticipantCounts counts;

    count_participants (meeting, &counts);
    g_ptr_array_add (cells, g_strdup (member_string (meeting, "id", "-")));
    g_ptr_array_add (cells, g_strdup (member_string (meeting, "layout", "-")));
    g_ptr_array_add (cells, g_strdup (member_string (meeting, "floor", "-")));
    g_ptr_array_add (cells, g_strdup_printf ("%u/%u", counts.online, counts.total));
    g_ptr_array_add (cells, g_strdup (member_string (meeting, "title", "-")));
  }
  if (n_meetings > 0)
    table_print (header, G_N_ELEMENTS (header), cells);
  g_print ("%u meeting%s\n", n_meetings, n_meetings == 1 ? "" : "s");
  return TRUE;
}

/* "1234 / 40 ms": packets received from the site and how long ago the last
 * one came */
static gchar *
describe_stream (JsonObject *participant, const gchar *kind)
{
  JsonObject *stream = member_object (member_object (participant, "media"), kind);
  gint64 packets = member_int (stream, "packets", -1);
  g_autofree gchar *age = NULL;

  if (packets < 0)
    return g_strdup ("-");
  age = describe_age_ms (stream, "last-packet-age-ms");
  return g_strdup_printf ("%" G_GINT64_FORMAT " / %s", packets, age);
}

static void
print_meeting (JsonObject *meeting)
{
  static const gchar *const header[] = { "SITE", "ONLINE", "JOINED", "MUTED", "VIDEO", "DECODED" };
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *requests = describe_list (member_array (meeting, "floor-requests"), "none");
  g_autofree gchar *visible = describe_list (member_array (meeting, "visible"), "-");
  g_autofree gchar *audible = describe_list (member_array (meeting, "audible"), "-");
  JsonArray *participants = member_array (meeting, "participants");
  JsonObject *program = member_object (meeting, "program");
  ParticipantCounts counts;

  count_participants (meeting, &counts);
  fields_add (fields, "ID", "%s", member_string (meeting, "id", "-"));
  fields_add (fields, "Title", "%s", member_string (meeting, "title", "-"));
  fields_add (fields, "Source", "%s", member_string (meeting, "source", "-"));
  fields_add (fields, "Layout", "%s", member_string (meeting, "layout", "-"));
  fields_add (fields, "Floor", "%s", member_string (meeting, "floor", "the chair"));
  fields_add (fields, "Floor requests", "%s", requests);
  fields_add (fields, "Visible", "%s", visible);
  fields_add (fields, "Audible", "%s", audible);
  fields_add (fields, "Sites", "%u (%u online, %u joined, %u muted)", counts.total, counts.online,
              counts.joined, counts.muted);
  fields_add (fields, "Monitor", "%s", member_string (meeting, "monitor", "-"));
  if (program != NULL)
    fields_add (fields, "Program",
                "%" G_GINT64_FORMAT " frames encoded, %" G_GINT64_FORMAT " destination%s",
                member_int (program, "frames-encoded", 0), member_int (program, "destinations", 0),
                member_int (program, "destinations", 0) == 1 ? "" : "s");
  fields_print (fields);

  if (counts.total == 0)
    return;
  for (guint i = 0; i < json_array_get_length (participants); i++) {
    JsonNode *node = json_array_get_element (participants, i);
    JsonObject *p = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    JsonObject *video = member_object (member_object (p, "media"), "video");

    g_ptr_array_add (cells, g_strdup (member_string (p, "id", "-")));
    g_ptr_array_add (cells, g_strdup (member_yes_no (p, "online")));
    g_ptr_array_add (cells, g_strdup (member_yes_no (p, "joined")));
    g_ptr_array_add (cells, g_strdup (member_yes_no (p, "muted")));
    g_ptr_array_add (cells, describe_stream (p, "video"));
    g_ptr_array_add (cells, g_strdup (member_yes_no (video, "decoded")));
  }
  g_print ("\n");
  table_print (header, G_N_ELEMENTS (header), cells);
}

/* Sends a change and prints "MEETING: what happened" (or the answer with
 * --json). The answer is the meeting after the change; @describe, given
 * it, says what happened. */
static gboolean
change_meeting (HnCli *cli,
                const gchar *method,
                const gchar *path,
                JsonNode *body,
                gchar *(*describe) (JsonObject *meeting, gchar **argv),
                gchar **argv,
                GError **error)
{
  g_autoptr (JsonNode) root = hn_cli_request (cli, method, path, body, error);
  g_autofree gchar *what = NULL;
  JsonObject *answer;

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  answer = answer_object (root, path, error);
  if (answer == NULL)
    return FALSE;
  what = describe (answer, argv);
  g_print ("%s: %s\n", member_string (answer, "id", argv[0]), what);
  return TRUE;
}

static gchar *
describe_started (JsonObject *meeting, gchar **argv)
{
  ParticipantCounts counts;

  count_participants (meeting, &counts);
  return g_strdup_printf ("started with %u site%s, %u online", counts.total,
                          counts.total == 1 ? "" : "s", counts.online);
}

static gboolean
verb_meeting_start (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("meetings", NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  const struct {
    const gchar *name;
    const gchar *value;
  } members[] = {
    { "id", argv[0] },        { "sites", arg_sites },   { "title", arg_title },
    { "source", arg_source }, { "layout", arg_layout }, { "monitor", arg_monitor },
  };

  if (arg_layout != NULL && !check_layout (arg_layout, error))
    return FALSE;
  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++) {
    if (members[i].value == NULL)
      continue;
    json_builder_set_member_name (b, members[i].name);
    json_builder_add_string_value (b, members[i].value);
  }
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  return change_meeting (cli, "POST", path, body, describe_started, argv, error);
}

static gboolean
verb_meeting_stop (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("meetings", argv[0], NULL);
  g_autoptr (JsonNode) root = hn_cli_request (cli, "DELETE", path, NULL, error);

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  g_print ("%s: stopped\n", argv[0]);
  return TRUE;
}

static gboolean
verb_meeting_show (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("meetings", argv[0], NULL);
  g_autoptr (JsonNode) root = hn_cli_get_json (cli, path, error);
  JsonObject *meeting;

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  meeting = answer_object (root, path, error);
  if (meeting == NULL)
    return FALSE;
  print_meeting (meeting);
  return TRUE;
}

static gchar *
describe_added (JsonObject *meeting, gchar **argv)
{
  ParticipantCounts counts;

  count_participants (meeting, &counts);
  return g_strdup_printf ("%s added, %u site%s", argv[1], counts.total,
                          counts.total == 1 ? "" : "s");
}

static gchar *
describe_removed (JsonObject *meeting, gchar **argv)
{
  ParticipantCounts counts;

  count_participants (meeting, &counts);
  return g_strdup_printf ("%s removed, %u site%s", argv[1], counts.total,
                          counts.total == 1 ? "" : "s");
}

static gboolean
verb_meeting_add (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("meetings", argv[0], "sites", NULL);
  g_autoptr (JsonNode) body = body_string ("site", argv[1]);

  return change_meeting (cli, "POST", path, body, describe_added, argv, error);
}

static gboolean
verb_meeting_remove (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("meetings", argv[0], "sites", argv[1], NULL);

  return change_meeting (cli, "DELETE", path, NULL, describe_removed, argv, error);
}

static gchar *
describe_floor (JsonObject *meeting, gchar **argv)
{
  const gchar *floor = member_string (meeting, "floor", NULL);

  if (floor == NULL)
    return g_strdup ("floor to the chair");
  return g_strdup_printf ("floor to %s", floor);
}

static gboolean
show_floor (HnCli *cli, const gchar *meeting_id, GError **error)
{
  g_autofree gchar *path = api_path ("meetings", meeting_id, "floor", NULL);
  g_autoptr (JsonNode) root = hn_cli_get_json (cli, path, error);
  JsonObject *answer;
  JsonArray *requests;
  guint n_requests;

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  answer = answer_object (root, path, error);
  if (answer == NULL)
    return FALSE;
  requests = member_array (answer, "requests");
  n_requests = requests != NULL ? json_array_get_length (requests) : 0;

  if (!arg_requests) {
    g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
    g_autofree gchar *list = describe_list (requests, "none");

    fields_add (fields, "Floor", "%s", member_string (answer, "floor", "the chair"));
    fields_add (fields, "Requests", "%s", list);
    fields_print (fields);
    return TRUE;
  }
  /* the queue, first come first */
  if (n_requests > 0) {
    static const gchar *const header[] = { "#", "SITE" };
    g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

    for (guint i = 0; i < n_requests; i++) {
      JsonNode *node = json_array_get_element (requests, i);

      g_ptr_array_add (cells, g_strdup_printf ("%u", i + 1));
      g_ptr_array_add (cells, g_strdup (json_node_get_value_type (node) == G_TYPE_STRING
                                            ? json_node_get_string (node)
                                            : "-"));
    }
    table_print (header, G_N_ELEMENTS (header), cells);
  }
  g_print ("%u floor request%s\n", n_requests, n_requests == 1 ? "" : "s");
  return TRUE;
}

static gboolean
verb_floor (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = NULL;
  g_autoptr (JsonNode) body = NULL;
  const gchar *site = argv[1];

  if ((site != NULL) + arg_none + arg_requests > 1) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "give one of SITE, --none or --requests to 'floor', not several");
    return FALSE;
  }
  if (site == NULL && !arg_none)
    return show_floor (cli, argv[0], error);

  path = api_path ("meetings", argv[0], "floor", NULL);
  body = body_string ("site", site);
  return change_meeting (cli, "PUT", path, body, describe_floor, argv, error);
}

static gchar *
describe_muted (JsonObject *meeting, gchar **argv)
{
  JsonArray *participants = member_array (meeting, "participants");

  for (guint i = 0; participants != NULL && i < json_array_get_length (participants); i++) {
    JsonNode *node = json_array_get_element (participants, i);
    JsonObject *p = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

    if (g_strcmp0 (member_string (p, "id", NULL), argv[1]) == 0)
      return g_strdup_printf ("%s %s", argv[1],
                              member_boolean (p, "muted", FALSE) ? "muted" : "unmuted");
  }
  return g_strdup_printf ("%s is no longer a participant", argv[1]);
}

static gboolean
set_muted (HnCli *cli, gchar **argv, gboolean muted, GError **error)
{
  g_autofree gchar *path = api_path ("meetings", argv[0], "sites", argv[1], NULL);
  g_autoptr (JsonNode) body = body_boolean ("muted", muted);

  return change_meeting (cli, "PUT", path, body, describe_muted, argv, error);
}

static gboolean
verb_mute (HnCli *cli, gchar **argv, GError **error)
{
  return set_muted (cli, argv, TRUE, error);
}

static gboolean
verb_unmute (HnCli *cli, gchar **argv, GError **error)
{
  return set_muted (cli, argv, FALSE, error);
}

static gchar *
describe_layout (JsonObject *meeting, gchar **argv)
{
  return g_strdup_printf ("layout %s", member_string (meeting, "layout", argv[1]));
}

static gboolean
verb_layout (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("meetings", argv[0], "layout", NULL);
  g_autoptr (JsonNode) body = NULL;

  if (!check_layout (argv[1], error))
    return FALSE;
  body = body_string ("layout", argv[1]);
  return change_meeting (cli, "PUT", path, body, describe_layout, argv, error);
}

/* The SDP goes out as it is, with or without --json: it is meant for a
 * player (ffplay -protocol_whitelist file,udp,rtp FILE), not for people. */
static gboolean
verb_sdp (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("meetings", argv[0], "program.sdp", NULL);
  g_autofree gchar *sdp = hn_cli_get_text (cli, path, error);

  if (sdp == NULL)
    return FALSE;
  g_print ("%s", sdp);
  return TRUE;
}

/* "in 2 d 3 h" */
static gchar *
time_until (JsonObject *o, const gchar *name)
{
  JsonNode *node = o != NULL ? json_object_get_member (o, name) : NULL;
  gint64 delta;
  g_autofree gchar *span = NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    return g_strdup ("-");
  delta = json_node_get_int (node) - g_get_real_time ();
  if (delta <= 0)
    return g_strdup ("now");
  span = hn_util_format_duration (delta / G_USEC_PER_SEC);
  return g_strdup_printf ("in %s", span);
}

/* schedule [next ID]: the recurring meetings, or one's next occurrences */
static gboolean
verb_schedule (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  JsonObject *answer;
  JsonArray *items;

  if (argv[0] != NULL && !g_str_equal (argv[0], "next")) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown argument '%s'; usage: hoinghictl schedule [next ID [-n N]]", argv[0]);
    return FALSE;
  }
  if (argv[0] != NULL && argv[1] == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "missing meeting; usage: hoinghictl schedule next ID [-n N]");
    return FALSE;
  }
  if (argv[0] != NULL) {
    g_autoptr (GString) p = g_string_new (NULL);
    g_autofree gchar *base = api_path ("schedule", argv[1], NULL);
    g_autofree gchar *count = g_strdup_printf ("%d", arg_count);

    g_string_append (p, base);
    append_query (p, "count", count);
    path = g_string_free (g_steal_pointer (&p), FALSE);
  } else {
    path = api_path ("schedule", NULL);
  }
  root = hn_cli_get_json (cli, path, error);
  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  answer = answer_object (root, path, error);
  if (answer == NULL)
    return FALSE;
  if (argv[0] != NULL) {
    const gchar *header[] = { "START", "END" };

    items = member_array (answer, "occurrences");
    for (guint i = 0; items != NULL && i < json_array_get_length (items); i++) {
      JsonObject *o = json_array_get_object_element (items, i);

      g_ptr_array_add (cells, g_strdup (member_string (o, "start-local", "-")));
      g_ptr_array_add (cells, g_strdup (member_string (o, "end-local", "-")));
    }
    table_print (header, G_N_ELEMENTS (header), cells);
    return TRUE;
  }
  items = member_array (answer, "meetings");
  {
    const gchar *header[] = { "MEETING", "NEXT START", "", "ENABLED", "TITLE" };

    for (guint i = 0; items != NULL && i < json_array_get_length (items); i++) {
      JsonObject *o = json_array_get_object_element (items, i);
      JsonNode *enabled = json_object_get_member (o, "enabled");

      g_ptr_array_add (cells, g_strdup (member_string (o, "id", "-")));
      g_ptr_array_add (cells, g_strdup (member_string (o, "next-start-local", "-")));
      g_ptr_array_add (cells, time_until (o, "next-start"));
      g_ptr_array_add (cells,
                       g_strdup (enabled != NULL &&
                                         json_node_get_value_type (enabled) == G_TYPE_BOOLEAN &&
                                         json_node_get_boolean (enabled)
                                     ? "yes"
                                     : "no"));
      g_ptr_array_add (cells, g_strdup (member_string (o, "title", "")));
    }
    if (cells->len == 0)
      g_print ("no recurring meetings (meetings.conf)\n");
    else
      table_print (header, G_N_ELEMENTS (header), cells);
  }
  return TRUE;
}

/* calendar EXPR [-n N]: like systemd-analyze calendar --iterations=N */
static gboolean
verb_calendar (HnCli *cli, gchar **argv, GError **error)
{
  g_autoptr (GString) path = g_string_new ("/api/v1/calendar");
  g_autofree gchar *count = g_strdup_printf ("%d", arg_count);
  g_autoptr (JsonNode) root = NULL;
  JsonObject *answer;
  JsonArray *next;

  append_query (path, "expression", argv[0]);
  append_query (path, "count", count);
  root = hn_cli_get_json (cli, path->str, error);
  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  answer = answer_object (root, path->str, error);
  if (answer == NULL)
    return FALSE;
  g_print ("  Original form: %s\n", member_string (answer, "expression", "-"));
  g_print ("Normalized form: %s\n", member_string (answer, "normalized", "-"));
  next = member_array (answer, "next");
  for (guint i = 0; next != NULL && i < json_array_get_length (next); i++) {
    if (i == 0)
      g_print ("    Next elapse: %s\n", json_array_get_string_element (next, i));
    else
      g_print ("       Iter. #%u: %s\n", i + 1, json_array_get_string_element (next, i));
  }
  if (next == NULL || json_array_get_length (next) == 0)
    g_print ("    Next elapse: never\n");
  return TRUE;
}

/* events: what the hub reports as it happens (GET /api/v1/events, Server-
 * Sent Events), one line each, until Ctrl-C or the hub closes the stream */
static gboolean
verb_events (HnCli *cli, gchar **argv, GError **error)
{
  g_autoptr (GInputStream) stream = hn_cli_open_stream (cli, "/api/v1/events", error);
  g_autoptr (GDataInputStream) lines = NULL;
  g_autofree gchar *kind = NULL;

  if (stream == NULL)
    return FALSE;
  lines = g_data_input_stream_new (stream);
  for (;;) {
    g_autofree gchar *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, error);

    if (line == NULL)
      return error == NULL || *error == NULL;
    if (g_str_equal (line, ": hoinghi events") && !hn_cli_get_json_output (cli)) {
      /* the hub counts this follower from here on */
      g_print ("-- following the hub's events (Ctrl-C stops)\n");
      fflush (stdout);
    } else if (g_str_has_prefix (line, "event: ")) {
      g_free (kind);
      kind = g_strdup (line + strlen ("event: "));
    } else if (g_str_has_prefix (line, "data: ")) {
      if (hn_cli_get_json_output (cli)) {
        g_print ("%s\n", line + strlen ("data: "));
      } else {
        g_autoptr (GDateTime) now = g_date_time_new_now_local ();
        g_autofree gchar *when = g_date_time_format (now, "%H:%M:%S");

        g_print ("%s  %-16s %s\n", when, kind != NULL ? kind : "-", line + strlen ("data: "));
      }
      /* a follower reads each event as it comes, also through a pipe */
      fflush (stdout);
    }
  }
}

static gboolean
verb_endpoint (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("endpoint", NULL);
  g_autoptr (JsonNode) root = hn_cli_get_json (cli, path, error);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  JsonObject *endpoint;
  JsonObject *playout;

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  endpoint = answer_object (root, path, error);
  if (endpoint == NULL)
    return FALSE;
  playout = member_object (endpoint, "playout");

  fields_add (fields, "Site", "%s", member_string (endpoint, "site", "-"));
  fields_add (fields, "Hub", "%s", member_string (endpoint, "hub", "-"));
  fields_add (fields, "Connected", "%s", member_yes_no (endpoint, "connected"));
  if (!member_boolean (endpoint, "connected", FALSE) &&
      member_string (endpoint, "last-error", NULL) != NULL)
    fields_add (fields, "Last error", "%s", member_string (endpoint, "last-error", NULL));
  fields_add (fields, "Meeting", "%s", member_string (endpoint, "meeting", "none"));
  if (member_string (endpoint, "meeting", NULL) != NULL) {
    fields_add (fields, "Floor", "%s", member_string (endpoint, "floor", "the chair"));
    fields_add (fields, "Muted", "%s", member_yes_no (endpoint, "muted"));
  }
  fields_add (fields, "Sending", "%s", member_yes_no (endpoint, "sending"));
  fields_add (fields, "Source", "%s", member_string (endpoint, "source", "-"));
  if (playout != NULL) {
    JsonObject *audio = member_object (playout, "audio");
    g_autofree gchar *age = describe_age_ms (playout, "last-frame-age-ms");
    JsonNode *peak = audio != NULL ? json_object_get_member (audio, "peak-hz") : NULL;
    gint64 width = member_int (playout, "width", -1);
    gint64 height = member_int (playout, "height", -1);

    fields_add (fields, "Frames", "%" G_GINT64_FORMAT " decoded",
                member_int (playout, "frames-decoded", 0));
    if (width > 0 && height > 0)
      fields_add (fields, "Picture", "%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, width, height);
    else
      fields_add (fields, "Picture", "-");
    fields_add (fields, "Last frame", "%s%s", age, g_str_equal (age, "-") ? "" : " ago");
    if (peak != NULL && json_node_get_value_type (peak) == G_TYPE_DOUBLE)
      fields_add (fields, "Audio", "%.0f Hz dominant", json_node_get_double (peak));
    else if (member_int (audio, "age-ms", -1) >= 0)
      fields_add (fields, "Audio", "silence");
    else
      fields_add (fields, "Audio", "-");
  }
  fields_print (fields);
  return TRUE;
}

static gboolean
verb_request_floor (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("endpoint", "floor-request", NULL);
  g_autoptr (JsonNode) body = body_boolean ("request", !arg_cancel);
  g_autoptr (JsonNode) root = hn_cli_request (cli, "POST", path, body, error);
  JsonObject *endpoint;

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  endpoint = answer_object (root, path, error);
  if (endpoint == NULL)
    return FALSE;
  g_print ("%s: floor request %s\n", member_string (endpoint, "meeting", "-"),
           arg_cancel ? "withdrawn" : "sent");
  return TRUE;
}

/* --- link health: health, links, watch --- */

/* A number, whether json-glib read it as a double or an integer;
 * @fallback when absent or null (unknown) */
static gdouble
member_double (JsonObject *object, const gchar *name, gdouble fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  GType type = node != NULL ? json_node_get_value_type (node) : G_TYPE_INVALID;

  if (type == G_TYPE_DOUBLE)
    return json_node_get_double (node);
  if (type == G_TYPE_INT64)
    return json_node_get_int (node);
  return fallback;
}

/* The lower MOS of a link's two directions; negative when neither is
 * known */
static gdouble
link_worst_mos (JsonObject *link)
{
  static const gchar *const directions[] = { "hub-to-site", "site-to-hub" };
  gdouble worst = -1;

  for (guint d = 0; d < G_N_ELEMENTS (directions); d++) {
    gdouble mos = member_double (member_object (link, directions[d]), "mos", -1);

    if (mos >= 0 && (worst < 0 || mos < worst))
      worst = mos;
  }
  return worst;
}

static JsonObject *
array_object (JsonArray *array, guint i)
{
  JsonNode *node = json_array_get_element (array, i);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* GET /api/v1/links with --meeting and --state; returns the answer and
 * its "links" */
static JsonNode *
get_links (HnCli *cli, const gchar *meeting, const gchar *state, JsonArray **links, GError **error)
{
  g_autoptr (GString) path = g_string_new ("/api/v1/links");
  g_autoptr (JsonNode) root = NULL;
  JsonObject *answer;

  if (meeting != NULL)
    append_query (path, "meeting", meeting);
  if (state != NULL)
    append_query (path, "state", state);
  root = hn_cli_get_json (cli, path->str, error);
  if (root == NULL)
    return NULL;
  answer = answer_object (root, path->str, error);
  if (answer == NULL)
    return NULL;
  *links = member_array (answer, "links");
  if (*links == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED,
                 "invalid answer from hoinghid for %s: no \"links\" list", path->str);
    return NULL;
  }
  return g_steal_pointer (&root);
}

/* "0.3%" of one direction, "-" when unknown */
static gchar *
describe_loss (JsonObject *direction)
{
  gdouble loss = member_double (direction, "loss-pct", -1);

  return loss >= 0 ? g_strdup_printf ("%.1f%%", loss) : g_strdup ("-");
}

/* LOSS↑ is what the room sends (site→hub), LOSS↓ what it receives */
static const gchar *const links_header[] = { "SITE",  "STATE", "FOR", "MEETING", "LOSS↑",
                                             "LOSS↓", "RTT",   "MOS", "LAST" };

static void
links_add_row (GPtrArray *cells, JsonObject *link)
{
  JsonObject *up = member_object (link, "site-to-hub");
  JsonObject *down = member_object (link, "hub-to-site");
  gint64 since_ms = member_int (link, "since-ms", -1);
  gdouble rtt = MAX (member_double (up, "rtt-ms", -1), member_double (down, "rtt-ms", -1));
  gdouble mos = link_worst_mos (link);

  g_ptr_array_add (cells, g_strdup (member_string (link, "site", "-")));
  g_ptr_array_add (cells, g_strdup (member_string (link, "state", "-")));
  g_ptr_array_add (cells,
                   since_ms >= 0 ? hn_util_format_duration (since_ms / 1000) : g_strdup ("-"));
  g_ptr_array_add (cells, g_strdup (member_string (link, "meeting", "-")));
  g_ptr_array_add (cells, describe_loss (up));
  g_ptr_array_add (cells, describe_loss (down));
  g_ptr_array_add (cells, rtt >= 0 ? g_strdup_printf ("%.0f ms", rtt) : g_strdup ("-"));
  g_ptr_array_add (cells, mos >= 0 ? g_strdup_printf ("%.2f", mos) : g_strdup ("-"));
  g_ptr_array_add (cells, describe_age_ms (link, "last-packet-age-ms"));
}

/* The links as a table, in the daemon's order (worst first) */
static void
links_append_table (GString *out, JsonArray *links)
{
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  guint n_links = json_array_get_length (links);

  for (guint i = 0; i < n_links; i++)
    links_add_row (cells, array_object (links, i));
  if (n_links > 0)
    table_append (out, links_header, G_N_ELEMENTS (links_header), cells);
  g_string_append_printf (out, "%u link%s\n", n_links, n_links == 1 ? "" : "s");
}

/* Checked here too, for a "did you mean" before anything is sent */
static gboolean
check_link_state (const gchar *state, GError **error)
{
  const gchar *names[HN_LINK_STATE_LAST + 1] = { NULL };
  g_autofree gchar *list = NULL;
  const gchar *suggestion;

  for (HnLinkState s = 0; s < HN_LINK_STATE_LAST; s++) {
    names[s] = hn_link_state_to_string (s);
    if (g_str_equal (state, names[s]))
      return TRUE;
  }
  suggestion = hn_util_suggest (state, names);
  if (suggestion != NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown link state '%s'; did you mean '%s'?", state, suggestion);
    return FALSE;
  }
  list = g_strjoinv (", ", (gchar **) names);
  g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
               "unknown link state '%s'; expected one of: %s", state, list);
  return FALSE;
}

static gboolean
verb_links (HnCli *cli, gchar **argv, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  JsonArray *links = NULL;

  if (arg_state != NULL && !check_link_state (arg_state, error))
    return FALSE;
  root = get_links (cli, arg_meeting, arg_state, &links, error);
  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  links_append_table (out, links);
  g_print ("%s", out->str);
  return TRUE;
}

/* The monitoring plugins' states and exit codes */
typedef enum {
  CHECK_OK,
  CHECK_WARNING,
  CHECK_CRITICAL,
  CHECK_UNKNOWN,
} CheckStatus;

static const gchar *const check_words[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* The one line a monitoring system reads: "HOINGHI WORD - summary |
 * perfdata". A '|' or a line break in the summary would cut it. */
static void
check_print (CheckStatus status, const gchar *summary, const gchar *perfdata)
{
  g_autofree gchar *text = g_strdup (summary);

  g_strdelimit (text, "|\r\n", ' ');
  g_print ("HOINGHI %s - %s%s%s\n", check_words[status], text, perfdata != NULL ? " | " : "",
           perfdata != NULL ? perfdata : "");
  verb_exit_status = status;
}

static gboolean
check_unknown (const gchar *message)
{
  if (arg_json) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonGenerator) generator = json_generator_new ();
    g_autoptr (JsonNode) node = NULL;
    g_autofree gchar *text = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "status");
    json_builder_add_string_value (b, "unknown");
    json_builder_set_member_name (b, "summary");
    json_builder_add_string_value (b, message);
    json_builder_end_object (b);
    node = json_builder_get_root (b);
    json_generator_set_pretty (generator, TRUE);
    json_generator_set_root (generator, node);
    text = json_generator_to_data (generator, NULL);
    g_print ("%s\n", text);
    verb_exit_status = CHECK_UNKNOWN;
    return TRUE;
  }
  check_print (CHECK_UNKNOWN, message, NULL);
  return TRUE;
}

/* --warn-down/--crit-down: a count of links, or a share of the links in
 * scope */
typedef struct {
  gdouble value;
  gboolean percent;
} DownThreshold;

static gboolean
parse_down_threshold (const gchar *option,
                      const gchar *text,
                      DownThreshold *threshold,
                      GError **error)
{
  gsize length = strlen (text);
  gboolean percent = length > 0 && text[length - 1] == '%';
  g_autofree gchar *number = g_strndup (text, percent ? length - 1 : length);
  gchar *end = NULL;
  guint count;

  if (percent) {
    gdouble value = g_ascii_strtod (number, &end);

    if (end != number && *end == '\0' && value > 0 && value <= 100) {
      threshold->value = value;
      threshold->percent = TRUE;
      return TRUE;
    }
  } else if (hn_util_parse_uint (number, 1, G_MAXINT, &count)) {
    threshold->value = count;
    threshold->percent = FALSE;
    return TRUE;
  }
  g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
               "--%s: '%s' is neither a count of links (1 or more) nor a share of them "
               "(such as 10%%)",
               option, text);
  return FALSE;
}

/* The fewest links down that reach @threshold, of @total */
static guint
down_threshold_count (const DownThreshold *threshold, guint total)
{
  gdouble exact;
  guint count;

  if (!threshold->percent)
    return (guint) threshold->value;
  exact = threshold->value * total / 100;
  count = (guint) exact;
  if (count + 1e-9 < exact)
    count++;
  return MAX (count, 1);
}

static gboolean
parse_mos (const gchar *option, const gchar *text, gdouble *mos, GError **error)
{
  gchar *end = NULL;
  gdouble value = g_ascii_strtod (text, &end);

  if (end == text || *end != '\0' || !(value >= 1 && value <= 5)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "--%s: '%s' is not a MOS (a number from 1 to 5)", option, text);
    return FALSE;
  }
  *mos = value;
  return TRUE;
}

typedef struct {
  guint total;
  guint up;
  guint degraded;
  guint down; /* down, or offline while in a meeting */
  guint connecting;
  gdouble min_mos; /* negative: none known */
  const gchar *min_mos_site;
  GPtrArray *down_sites;
} CheckScope;

/* The participants of running meetings (the API filtered --meeting) */
static void
check_scope_count (CheckScope *scope, JsonArray *links)
{
  for (guint i = 0; i < json_array_get_length (links); i++) {
    JsonObject *link = array_object (links, i);
    const gchar *state = member_string (link, "state", "");
    const gchar *site = member_string (link, "site", "?");
    gdouble mos;

    if (member_string (link, "meeting", NULL) == NULL)
      continue;
    scope->total++;
    if (g_str_equal (state, "down") || g_str_equal (state, "offline")) {
      scope->down++;
      g_ptr_array_add (scope->down_sites, (gpointer) site);
      continue;
    }
    if (g_str_equal (state, "connecting")) {
      scope->connecting++;
      continue;
    }
    if (g_str_equal (state, "up"))
      scope->up++;
    else if (g_str_equal (state, "degraded"))
      scope->degraded++;
    else
      continue;
    mos = link_worst_mos (link);
    if (mos >= 0 && (scope->min_mos < 0 || mos < scope->min_mos)) {
      scope->min_mos = mos;
      scope->min_mos_site = site;
    }
  }
}

/* Where the sites that are down are named in the summary, this many at
 * most */
#define CHECK_MAX_NAMED 5

static gboolean
verb_health (HnCli *cli, gchar **argv, GError **error)
{
  DownThreshold warn_down = { 1, FALSE };
  DownThreshold crit_down = { 10, TRUE };
  gdouble warn_mos = -1, crit_mos = -1;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) down_sites = g_ptr_array_new ();
  g_autoptr (GString) summary = g_string_new (NULL);
  g_autoptr (GString) perfdata = g_string_new (NULL);
  CheckScope scope = { 0 };
  CheckStatus status = CHECK_OK;
  JsonArray *links = NULL;
  guint warn_count, crit_count;

  if ((arg_warn_down != NULL &&
       !parse_down_threshold ("warn-down", arg_warn_down, &warn_down, &local_error)) ||
      (arg_crit_down != NULL &&
       !parse_down_threshold ("crit-down", arg_crit_down, &crit_down, &local_error)) ||
      (arg_warn_mos != NULL && !parse_mos ("warn-mos", arg_warn_mos, &warn_mos, &local_error)) ||
      (arg_crit_mos != NULL && !parse_mos ("crit-mos", arg_crit_mos, &crit_mos, &local_error)))
    return check_unknown (local_error->message);
  root = get_links (cli, arg_meeting, NULL, &links, &local_error);
  if (root == NULL)
    return check_unknown (local_error->message);

  scope.min_mos = -1;
  scope.down_sites = down_sites;
  check_scope_count (&scope, links);
  warn_count = down_threshold_count (&warn_down, scope.total);
  crit_count = down_threshold_count (&crit_down, scope.total);
  if (scope.down >= crit_count || (scope.min_mos >= 0 && scope.min_mos < crit_mos))
    status = CHECK_CRITICAL;
  else if (scope.down >= warn_count || (scope.min_mos >= 0 && scope.min_mos < warn_mos))
    status = CHECK_WARNING;

  if (scope.total == 0 && arg_meeting == NULL) {
    g_string_append (summary, "no meeting running");
  } else {
    g_string_append_printf (summary, "%u/%u up", scope.up, scope.total);
    if (scope.degraded > 0)
      g_string_append_printf (summary, ", %u degraded", scope.degraded);
    if (scope.connecting > 0)
      g_string_append_printf (summary, ", %u connecting", scope.connecting);
    if (scope.down > 0) {
      g_string_append_printf (summary, ", %u down (", scope.down);
      for (guint i = 0; i < MIN (scope.down, CHECK_MAX_NAMED); i++)
        g_string_append_printf (summary, "%s%s", i > 0 ? ", " : "",
                                (const gchar *) down_sites->pdata[i]);
      g_string_append (summary, scope.down > CHECK_MAX_NAMED ? ", …)" : ")");
    }
    if (scope.min_mos >= 0 && (warn_mos >= 0 || crit_mos >= 0))
      g_string_append_printf (summary, ", lowest MOS %.2f (%s)", scope.min_mos, scope.min_mos_site);
  }

  /* thresholds as ranges: "N" alerts above N, "X:" below X */
  g_string_append_printf (perfdata, "up=%u degraded=%u down=%u;%u;%u connecting=%u", scope.up,
                          scope.degraded, scope.down, warn_count - 1, crit_count - 1,
                          scope.connecting);
  if (scope.min_mos >= 0) {
    g_string_append_printf (perfdata, " min_mos=%.2f", scope.min_mos);
    if (warn_mos >= 0 || crit_mos >= 0) {
      g_string_append_c (perfdata, ';');
      if (warn_mos >= 0)
        g_string_append_printf (perfdata, "%.2f:", warn_mos);
      g_string_append_c (perfdata, ';');
      if (crit_mos >= 0)
        g_string_append_printf (perfdata, "%.2f:", crit_mos);
    }
  }

  if (hn_cli_get_json_output (cli)) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) node = NULL;
    static const gchar *const json_states[] = { "ok", "warning", "critical", "unknown" };

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "status");
    json_builder_add_string_value (b, json_states[status]);
    json_builder_set_member_name (b, "summary");
    json_builder_add_string_value (b, summary->str);
    json_builder_set_member_name (b, "total");
    json_builder_add_int_value (b, scope.total);
    json_builder_set_member_name (b, "up");
    json_builder_add_int_value (b, scope.up);
    json_builder_set_member_name (b, "degraded");
    json_builder_add_int_value (b, scope.degraded);
    json_builder_set_member_name (b, "down");
    json_builder_add_int_value (b, scope.down);
    json_builder_set_member_name (b, "connecting");
    json_builder_add_int_value (b, scope.connecting);
    json_builder_set_member_name (b, "min-mos");
    if (scope.min_mos >= 0)
      json_builder_add_double_value (b, scope.min_mos);
    else
      json_builder_add_null_value (b);
    json_builder_end_object (b);
    node = json_builder_get_root (b);
    hn_cli_print_json (cli, node);
    verb_exit_status = status;
    return TRUE;
  }
  check_print (status, summary->str, perfdata->str);
  return TRUE;
}

typedef struct {
  HnCli *cli;
  GMainLoop *loop;
  gboolean tty;
  guint frames;
} Watch;

typedef struct {
  const gchar *meeting;
  guint total;
  guint counts[HN_LINK_STATE_LAST];
} WatchMeeting;

/* "meeting m: 140/147 up, 2 degraded, 5 down; 143/147 rooms online", as
 * hoinghid tells systemd */
static void
watch_append_summary (GString *out, JsonObject *status, JsonArray *links)
{
  g_autoptr (GArray) meetings = g_array_new (FALSE, TRUE, sizeof (WatchMeeting));
  JsonObject *sites = member_object (status, "sites");

  for (guint i = 0; i < json_array_get_length (links); i++) {
    JsonObject *link = array_object (links, i);
    const gchar *meeting = member_string (link, "meeting", NULL);
    const gchar *state = member_string (link, "state", "");
    WatchMeeting *wm = NULL;

    if (meeting == NULL)
      continue;
    for (guint m = 0; m < meetings->len && wm == NULL; m++) {
      if (g_str_equal (g_array_index (meetings, WatchMeeting, m).meeting, meeting))
        wm = &g_array_index (meetings, WatchMeeting, m);
    }
    if (wm == NULL) {
      g_array_set_size (meetings, meetings->len + 1);
      wm = &g_array_index (meetings, WatchMeeting, meetings->len - 1);
      wm->meeting = meeting;
    }
    wm->total++;
    for (HnLinkState s = 0; s < HN_LINK_STATE_LAST; s++)
      wm->counts[s] += g_str_equal (state, hn_link_state_to_string (s));
  }
  for (guint m = 0; m < meetings->len; m++) {
    WatchMeeting *wm = &g_array_index (meetings, WatchMeeting, m);
    guint down = wm->counts[HN_LINK_DOWN] + wm->counts[HN_LINK_OFFLINE];

    g_string_append_printf (out, "%smeeting %s: %u/%u up", m > 0 ? "; " : "", wm->meeting,
                            wm->counts[HN_LINK_UP], wm->total);
    if (wm->counts[HN_LINK_DEGRADED] > 0)
      g_string_append_printf (out, ", %u degraded", wm->counts[HN_LINK_DEGRADED]);
    if (down > 0)
      g_string_append_printf (out, ", %u down", down);
  }
  if (meetings->len == 0)
    g_string_append (out, "no meeting");
  g_string_append_printf (out, "; %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " rooms online",
                          member_int (status, "sites-online", 0),
                          member_int (sites, "total", 0) - member_int (sites, "hub", 0));
}

static void
watch_draw (Watch *w)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *time = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) status = hn_cli_get_json (w->cli, "/api/v1/status", &error);
  g_autoptr (JsonNode) root = NULL;
  JsonArray *links = NULL;

  if (status != NULL)
    root = get_links (w->cli, arg_meeting, NULL, &links, &error);
  /* on a terminal the table is redrawn in place; in a pipe or a log one
   * table follows the other */
  if (w->tty)
    g_string_append (out, "\033[H\033[2J");
  else if (w->frames > 0)
    g_string_append_c (out, '\n');
  g_string_append_printf (out, "%s  ", time);
  if (root != NULL) {
    watch_append_summary (
        out, JSON_NODE_HOLDS_OBJECT (status) ? json_node_get_object (status) : NULL, links);
    g_string_append (out, "\n\n");
    links_append_table (out, links);
  } else {
    /* the daemon may be restarting: say so and try again */
    g_string_append_printf (out, "hoinghictl: %s\n", error->message);
  }
  g_print ("%s", out->str);
  fflush (stdout);
  w->frames++;
}

static gboolean
watch_tick_cb (gpointer user_data)
{
  watch_draw (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
watch_quit_cb (gpointer user_data)
{
  Watch *w = user_data;

  g_main_loop_quit (w->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
verb_watch (HnCli *cli, gchar **argv, GError **error)
{
  Watch w = { cli, NULL, isatty (STDOUT_FILENO), 0 };
  gdouble interval = 2;
  guint tick_id, sigint_id, sigterm_id;

  if (arg_interval != NULL) {
    gchar *end = NULL;

    interval = g_ascii_strtod (arg_interval, &end);
    if (end == arg_interval || *end != '\0' || !(interval >= 0.1 && interval <= 3600)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "--interval: '%s' is not a number of seconds from 0.1 to 3600", arg_interval);
      return FALSE;
    }
  }
  if (arg_json) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "'watch' has no --json; see 'hoinghictl links --json'");
    return FALSE;
  }

  w.loop = g_main_loop_new (NULL, FALSE);
  watch_draw (&w);
  tick_id = g_timeout_add ((guint) (interval * 1000), watch_tick_cb, &w);
  /* Ctrl-C is how a watch ends: a clean exit, status 0 */
  sigint_id = g_unix_signal_add (SIGINT, watch_quit_cb, &w);
  sigterm_id = g_unix_signal_add (SIGTERM, watch_quit_cb, &w);
  g_main_loop_run (w.loop);
  g_source_remove (tick_id);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_main_loop_unref (w.loop);
  return TRUE;
}

/* `meeting run`: the meeting as a foreground process, for
 * hoinghi-meeting@.service. The hub is asked once a second whether the
 * meeting still runs: HnCli answers whole bodies, not the event stream,
 * and a second is well within what an operator waits for systemctl. */
typedef struct {
  HnCli *cli;
  GMainLoop *loop;
  gchar *path;
  const gchar *id;
  guint poll_id;
  gboolean stop; /* a signal came: stop the meeting on the way out */
  GError *error; /* the hub answered something else than the meeting */
} MeetingRun;

static gboolean
meeting_run_poll_cb (gpointer user_data)
{
  MeetingRun *r = user_data;
  g_autoptr (JsonNode) root = hn_cli_get_json (r->cli, r->path, &r->error);

  if (root != NULL)
    return G_SOURCE_CONTINUE;
  /* stopped elsewhere (an operator, its schedule): the run is over, and
   * that is a success for systemd too */
  if (g_error_matches (r->error, HN_ERROR, HN_ERROR_NOT_FOUND)) {
    g_clear_error (&r->error);
    g_print ("%s: stopped elsewhere\n", r->id);
    fflush (stdout);
  }
  r->poll_id = 0;
  g_main_loop_quit (r->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
meeting_run_signal_cb (gpointer user_data)
{
  MeetingRun *r = user_data;

  r->stop = TRUE;
  g_main_loop_quit (r->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
verb_meeting_run (HnCli *cli, gchar **argv, GError **error)
{
  MeetingRun r = { cli, NULL, api_path ("meetings", argv[0], NULL), argv[0], 0, FALSE, NULL };
  g_autoptr (GError) start_error = NULL;
  g_autofree gchar *path = r.path;
  g_autoptr (HnSystemd) systemd = hn_systemd_new ();
  g_autofree gchar *status = g_strdup_printf ("meeting %s running", argv[0]);
  guint sigint_id, sigterm_id;

  /* caught from now on: a stop that comes while the meeting is being
   * started (systemctl stop right after start) is kept for the main loop,
   * and the meeting is then stopped, not left running */
  r.loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, meeting_run_signal_cb, &r);
  sigterm_id = g_unix_signal_add (SIGTERM, meeting_run_signal_cb, &r);

  /* attach to the meeting when it runs already, e.g. started by hand
   * before the unit */
  if (!verb_meeting_start (cli, argv, &start_error)) {
    g_autoptr (JsonNode) running = NULL;

    if (!g_error_matches (start_error, HN_ERROR, HN_ERROR_CONFLICT) ||
        (running = hn_cli_get_json (cli, path, NULL)) == NULL) {
      g_source_remove (sigint_id);
      g_source_remove (sigterm_id);
      g_main_loop_unref (r.loop);
      g_propagate_error (error, g_steal_pointer (&start_error));
      return FALSE;
    }
    g_print ("%s: running already, attached\n", argv[0]);
  }
  fflush (stdout);
  /* Type=notify: `systemctl start` returns once the hub runs the meeting,
   * and fails with the hub's answer when it refuses it */
  hn_systemd_notify_ready (systemd, status);

  r.poll_id = g_timeout_add_seconds (1, meeting_run_poll_cb, &r);
  g_main_loop_run (r.loop);
  g_clear_handle_id (&r.poll_id, g_source_remove);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_main_loop_unref (r.loop);

  if (r.error != NULL) {
    g_propagate_error (error, r.error);
    return FALSE;
  }
  if (r.stop) {
    g_autoptr (GError) stop_error = NULL;
    g_autoptr (JsonNode) root = NULL;

    hn_systemd_notify_stopping (systemd);
    root = hn_cli_request (cli, "DELETE", path, NULL, &stop_error);

    /* gone in the meantime is as good as stopped */
    if (root == NULL && !g_error_matches (stop_error, HN_ERROR, HN_ERROR_NOT_FOUND)) {
      g_propagate_error (error, g_steal_pointer (&stop_error));
      return FALSE;
    }
    g_print ("%s: stopped\n", argv[0]);
  }
  return TRUE;
}

static gboolean
verb_reload (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *path = api_path ("reload", NULL);
  g_autoptr (JsonNode) root = hn_cli_request (cli, "POST", path, NULL, error);
  JsonObject *answer;

  if (root == NULL)
    return FALSE;
  if (print_json_answer (cli, root))
    return TRUE;
  answer = answer_object (root, path, error);
  if (answer == NULL)
    return FALSE;
  g_print ("reloaded: %s\n", member_string (answer, "status", "-"));
  return TRUE;
}

static const HnVerb meeting_verbs[] = {
  { "start", 1, 1, start_options, NULL, verb_meeting_start, NULL, "ID",
    "Start a meeting (without --sites: as meetings.conf defines ID)" },
  { "run", 1, 1, start_options, NULL, verb_meeting_run, NULL, "ID",
    "Start a meeting (or attach to it) and stay until it ends; stop it on SIGTERM" },
  { "stop", 1, 1, NULL, NULL, verb_meeting_stop, NULL, "ID", "Stop a meeting" },
  { "show", 1, 1, NULL, NULL, verb_meeting_show, NULL, "ID",
    "Show a meeting and its participants" },
  { "add", 2, 2, NULL, NULL, verb_meeting_add, NULL, "ID SITE", "Add a site to a meeting" },
  { "remove", 2, 2, NULL, NULL, verb_meeting_remove, NULL, "ID SITE",
    "Remove a site from a meeting" },
  { NULL },
};

static const HnVerb verbs[] = {
  { "status", 0, 0, NULL, NULL, verb_status, NULL, NULL, "Show role, uptime and configuration" },
  { "reload", 0, 0, NULL, NULL, verb_reload, NULL, NULL,
    "Reload sites.conf and meetings.conf, as SIGHUP does; print why when refused" },
  { "sites", 0, 0, sites_options, NULL, verb_sites, NULL, NULL, "List sites, by tier or district" },
  { "site", 1, 2, NULL, NULL, verb_site, NULL, "[rotate-secret] ID",
    "Show one site, or give it a new token (the old one is refused at once)" },
  { "token", 1, 1, NULL, NULL, verb_token, NULL, "ID",
    "Print a site's token, for its endpoint.conf" },
  { "meetings", 0, 0, NULL, NULL, verb_meetings, NULL, NULL, "List the running meetings" },
  { "meeting", 0, 0, NULL, NULL, NULL, meeting_verbs, "SUBVERB …",
    "Start, stop, show and change meetings" },
  { "floor", 1, 2, floor_options, NULL, verb_floor, NULL, "ID [SITE]",
    "Show the floor of a meeting or give it to a site" },
  { "mute", 2, 2, NULL, NULL, verb_mute, NULL, "ID SITE", "Mute a site in a meeting" },
  { "unmute", 2, 2, NULL, NULL, verb_unmute, NULL, "ID SITE", "Unmute a site in a meeting" },
  { "layout", 2, 2, NULL, NULL, verb_layout, NULL, "ID single|pip|grid",
    "Change a meeting's layout" },
  { "sdp", 1, 1, NULL, NULL, verb_sdp, NULL, "ID", "Print the SDP of a meeting's monitor output" },
  { "endpoint", 0, 0, NULL, NULL, verb_endpoint, NULL, NULL,
    "Show this room: hub, meeting and playout" },
  { "request-floor", 0, 0, request_floor_options, NULL, verb_request_floor, NULL, NULL,
    "Ask the hub for the floor, from a room" },
  { "schedule", 0, 2, count_options, NULL, verb_schedule, NULL, "[next ID]",
    "List the recurring meetings of meetings.conf, or one's next occurrences" },
  { "calendar", 1, 1, count_options, NULL, verb_calendar, NULL, "EXPR",
    "Show when a calendar expression elapses next (like systemd-analyze calendar)" },
  { "events", 0, 0, NULL, NULL, verb_events, NULL, NULL,
    "Follow what the hub reports (links, floor, meetings) until Ctrl-C" },
  { "links", 0, 0, links_options, NULL, verb_links, NULL, NULL,
    "List the rooms' links, worst first: state, loss, RTT, MOS" },
  { "watch", 0, 0, watch_options, NULL, verb_watch, NULL, NULL,
    "Show the links live until Ctrl-C" },
  { "health", 0, 0, health_options, NULL, verb_health, NULL, NULL,
    "Check the meetings' links, as a monitoring plugin (exit 0/1/2/3)" },
  { NULL },
};

/* "meeting start --sites SELECTOR [--title TITLE] … ID": @name is the
 * verb's full name */
static gchar *
verb_synopsis (const HnVerb *verb, const gchar *name)
{
  GString *text = g_string_new (name);

  for (const GOptionEntry *e = verb->options; e != NULL && e->long_name != NULL; e++) {
    if (g_strcmp0 (e->long_name, verb->required) == 0)
      g_string_append_printf (text, " --%s %s", e->long_name, e->arg_description);
  }
  for (const GOptionEntry *e = verb->options; e != NULL && e->long_name != NULL; e++) {
    if (g_strcmp0 (e->long_name, verb->required) == 0)
      continue;
    if (e->arg == G_OPTION_ARG_NONE)
      g_string_append_printf (text, " [--%s]", e->long_name);
    else
      g_string_append_printf (text, " [--%s %s]", e->long_name, e->arg_description);
  }
  if (verb->args != NULL)
    g_string_append_printf (text, " %s", verb->args);
  return g_string_free (text, FALSE);
}

/* Help lines of a table of verbs: synopsis, description; subverbs by their
 * full names ("meeting start …"). */
static void
verb_lines_add (GPtrArray *lines, const HnVerb *table, const gchar *parent)
{
  for (const HnVerb *v = table; v->name != NULL; v++) {
    g_autofree gchar *name =
        parent != NULL ? g_strjoin (" ", parent, v->name, NULL) : g_strdup (v->name);

    if (v->subverbs != NULL) {
      verb_lines_add (lines, v->subverbs, name);
      continue;
    }
    g_ptr_array_add (lines, verb_synopsis (v, name));
    g_ptr_array_add (lines, g_strdup (v->help));
  }
}

/* Help lines of the global options: "-s, --socket PATH", description. */
static void
option_lines_add (GPtrArray *lines,
                  gchar short_name,
                  const gchar *long_name,
                  const gchar *arg_description,
                  const gchar *description)
{
  g_ptr_array_add (lines,
                   g_strdup_printf ("%c%c%c --%s%s%s", short_name != 0 ? '-' : ' ',
                                    short_name != 0 ? short_name : ' ', short_name != 0 ? ',' : ' ',
                                    long_name, arg_description != NULL ? " " : "",
                                    arg_description != NULL ? arg_description : ""));
  g_ptr_array_add (lines, g_strdup (description));
}

/* Lines whose left column is wider than this put their description on
 * the next line, so one long synopsis does not push every description
 * off the screen */
#define HELP_COLUMN_MAX 42

static void
two_columns_append (GString *text, GPtrArray *lines)
{
  glong width = 0;

  /* by characters: "SUBVERB …" has a multi-byte ellipsis */
  for (guint i = 0; i < lines->len; i += 2) {
    glong length = g_utf8_strlen (lines->pdata[i], -1);

    if (length <= HELP_COLUMN_MAX)
      width = MAX (width, length);
  }
  for (guint i = 0; i < lines->len; i += 2) {
    const gchar *left = lines->pdata[i];
    const gchar *right = lines->pdata[i + 1];
    glong length = g_utf8_strlen (left, -1);

    if (length > width)
      g_string_append_printf (text, "  %s\n  %*s  %s\n", left, (int) width, "", right);
    else
      g_string_append_printf (text, "  %s%*s  %s\n", left, (int) (width - length), "", right);
  }
}

static gchar *
usage_text (void)
{
  GString *text = g_string_new (NULL);
  g_autoptr (GPtrArray) verb_lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) option_lines = g_ptr_array_new_with_free_func (g_free);

  verb_lines_add (verb_lines, verbs, NULL);
  for (const GOptionEntry *e = global_options; e->long_name != NULL; e++)
    option_lines_add (option_lines, e->short_name, e->long_name, e->arg_description,
                      e->description);
  option_lines_add (option_lines, 'h', "help", NULL, "Show this help");

  g_string_append (text, "Usage: hoinghictl [OPTION…] VERB [ARGS…]\n\n"
                         "Query and drive the local hoinghid, the video-conference daemon.\n\n"
                         "Verbs:\n");
  two_columns_append (text, verb_lines);
  g_string_append (text, "\nOptions (also after the verb):\n");
  two_columns_append (text, option_lines);
  g_string_append (text, "\nSee 'hoinghictl VERB --help' for the options of a verb.\n");
  return g_string_free (text, FALSE);
}

/* "hoinghictl meeting --help": the subverbs of @verb */
static gchar *
subverb_usage_text (const HnVerb *verb)
{
  GString *text = g_string_new (NULL);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  verb_lines_add (lines, verb->subverbs, verb->name);
  g_string_append_printf (text, "Usage: hoinghictl [OPTION…] %s SUBVERB [ARGS…]\n\n%s\n\n",
                          verb->name, verb->help);
  two_columns_append (text, lines);
  g_string_append_printf (text, "\nSee 'hoinghictl %s SUBVERB --help' for its options.\n",
                          verb->name);
  return g_string_free (text, FALSE);
}

/* Finds @name in @table; @parent is the verb whose subverbs @table holds,
 * %NULL for the verbs. */
static gboolean
lookup_verb (const HnVerb *table,
             const HnVerb *parent,
             const gchar *name,
             const HnVerb **verb,
             GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_null_terminated (16, NULL, TRUE);
  g_autofree gchar *help = parent != NULL ? g_strdup_printf ("hoinghictl %s --help", parent->name)
                                          : g_strdup ("hoinghictl --help");
  const gchar *kind = parent != NULL ? "subverb" : "verb";
  const gchar *suggestion;

  for (const HnVerb *v = table; v->name != NULL; v++) {
    if (g_str_equal (name, v->name)) {
      *verb = v;
      return TRUE;
    }
    g_ptr_array_add (names, (gpointer) v->name);
  }
  suggestion = hn_util_suggest (name, (const gchar *const *) names->pdata);
  if (suggestion != NULL)
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "unknown %s '%s'; did you mean '%s'?",
                 kind, name, suggestion);
  else
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "unknown %s '%s'; see '%s'", kind,
                 name, help);
  return FALSE;
}

/* First pass: only the global options, wherever they are. The verb is not
 * known yet, so its options and --help are left in @args for the second. */
static gboolean
parse_global_options (gchar ***args, GError **error)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);

  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_ignore_unknown_options (context, TRUE);
  g_option_context_add_main_entries (context, global_options, NULL);
  if (!g_option_context_parse_strv (context, args, error)) {
    hn_error_convert (error);
    return FALSE;
  }
  return TRUE;
}

/* Second pass: the verb's own options, strictly; --help here describes the
 * verb (and exits). Leaves program name, verb (and subverb) and operands
 * in @args. @name is the verb's full name, e.g. "meeting start". */
static gboolean
parse_verb_options (const HnVerb *verb, const gchar *name, gchar ***args, GError **error)
{
  g_autofree gchar *parameter = g_strjoin (" ", name, verb->args, NULL);
  g_autoptr (GOptionContext) context = g_option_context_new (parameter);
  g_autoptr (GError) local_error = NULL;

  g_option_context_set_summary (context, verb->help);
  if (verb->options != NULL)
    g_option_context_add_main_entries (context, verb->options, NULL);
  g_option_context_add_main_entries (context, global_options, NULL);
  if (!g_option_context_parse_strv (context, args, &local_error)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s; see 'hoinghictl %s --help'",
                 local_error->message, name);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_arity (const HnVerb *verb, const gchar *name, guint n_args, GError **error)
{
  g_autofree gchar *synopsis = NULL;
  const gchar *problem;

  if (n_args >= verb->min_args && n_args <= verb->max_args)
    return TRUE;
  if (n_args > verb->max_args)
    problem = "too many arguments";
  else if (verb->min_args - n_args == 1)
    problem = "missing argument";
  else
    problem = "missing arguments";
  synopsis = verb_synopsis (verb, name);
  g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s for '%s'; usage: hoinghictl %s",
               problem, name, synopsis);
  return FALSE;
}

static gboolean
check_required_option (const HnVerb *verb, const gchar *name, GError **error)
{
  for (const GOptionEntry *e = verb->options; e != NULL && e->long_name != NULL; e++) {
    g_autofree gchar *synopsis = NULL;

    /* @required names a string option: its arg_data is a gchar ** */
    if (g_strcmp0 (e->long_name, verb->required) != 0 || *(gchar **) e->arg_data != NULL)
      continue;
    synopsis = verb_synopsis (verb, name);
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "missing --%s %s for '%s'; usage: hoinghictl %s", e->long_name, e->arg_description,
                 name, synopsis);
    return FALSE;
  }
  return TRUE;
}

/* The first operand from @start on; "-" is one too, as GOption sees it. */
static gint
find_operand (gchar **args, gint start)
{
  for (gint i = start; args[i] != NULL; i++) {
    if (args[i][0] != '-' || args[i][1] == '\0')
      return i;
  }
  return -1;
}

static gboolean
wants_help (gchar **args)
{
  for (guint i = 1; args[i] != NULL; i++) {
    if (g_str_equal (args[i], "--help") || g_str_equal (args[i], "-h") ||
        g_str_equal (args[i], "-?"))
      return TRUE;
  }
  return FALSE;
}

static int
report_error (const GError *error)
{
  g_printerr ("hoinghictl: %s\n", error->message);
  return EXIT_FAILURE;
}

static int
run (gchar **argv)
{
  g_auto (GStrv) args = g_strdupv (argv);
  g_autoptr (GError) error = NULL;
  g_autoptr (HnCli) cli = NULL;
  g_autofree gchar *name = NULL;
  const HnVerb *verb = NULL;
  guint depth = 1;
  gint index;

  if (!parse_global_options (&args, &error))
    return report_error (error);
  if (arg_version) {
    g_print ("hoinghictl %s\n", HN_VERSION);
    return EXIT_SUCCESS;
  }

  index = find_operand (args, 1);
  if (index < 0) {
    g_autofree gchar *usage = usage_text ();

    if (wants_help (args)) {
      g_print ("%s", usage);
      return EXIT_SUCCESS;
    }
    if (args[1] != NULL) {
      g_set_error (&error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "unknown option '%s'; see 'hoinghictl --help'", args[1]);
      return report_error (error);
    }
    g_printerr ("%s", usage);
    return EXIT_FAILURE;
  }

  if (!lookup_verb (verbs, NULL, args[index], &verb, &error))
    return report_error (error);
  name = g_strdup (verb->name);
  if (verb->subverbs != NULL) {
    const HnVerb *parent = verb;
    gint sub = find_operand (args, index + 1);

    if (sub < 0) {
      g_autofree gchar *usage = subverb_usage_text (parent);

      if (wants_help (args)) {
        g_print ("%s", usage);
        return EXIT_SUCCESS;
      }
      g_set_error (&error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "missing subverb for '%s'; see 'hoinghictl %s --help'", parent->name,
                   parent->name);
      return report_error (error);
    }
    if (!lookup_verb (parent->subverbs, parent, args[sub], &verb, &error))
      return report_error (error);
    g_free (name);
    name = g_strjoin (" ", parent->name, verb->name, NULL);
    depth = 2;
  }

  if (!parse_verb_options (verb, name, &args, &error) ||
      !check_arity (verb, name, g_strv_length (args) - 1 - depth, &error) ||
      !check_required_option (verb, name, &error)) {
    /* a monitoring system reads a plugin's line and exit code, not stderr */
    if (verb->handler == verb_health) {
      check_unknown (error->message);
      return verb_exit_status;
    }
    return report_error (error);
  }

  if (arg_host != NULL) {
    cli = hn_cli_new_remote (arg_host, arg_token_file, arg_insecure, arg_json, &error);
    if (cli == NULL)
      return report_error (error);
  } else if (arg_token_file != NULL || arg_insecure) {
    g_set_error_literal (&error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "--token-file and --insecure go with --host HOST:PORT");
    return report_error (error);
  } else {
    cli = hn_cli_new (arg_socket, arg_json);
  }
  if (!verb->handler (cli, args + 1 + depth, &error))
    return report_error (error);
  return verb_exit_status;
}

/* Names carry Vietnamese diacritics: print them as UTF-8 whatever the
 * locale says (as systemd's tools do), rather than as '?' under LANG=C */
static void
print_utf8 (const gchar *text)
{
  fputs (text, stdout);
}

/* "hoinghictl help [VERB [SUBVERB]]" is "hoinghictl [VERB [SUBVERB]] --help" */
static gchar **
rewrite_help (gchar **argv)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  gboolean seen = FALSE;

  for (guint i = 0; argv[i] != NULL; i++) {
    if (!seen && i > 0 && g_str_equal (argv[i], "help")) {
      seen = TRUE;
      continue;
    }
    g_strv_builder_add (b, argv[i]);
  }
  if (seen)
    g_strv_builder_add (b, "--help");
  return g_strv_builder_end (b);
}

int
main (int argc, char **argv)
{
  g_auto (GStrv) args = NULL;
  int status;

  setlocale (LC_ALL, "");
  g_set_print_handler (print_utf8);
  g_set_prgname ("hoinghictl");

  args = rewrite_help (argv);
  status = run (args);

  g_clear_pointer (&arg_socket, g_free);
  g_clear_pointer (&arg_host, g_free);
  g_clear_pointer (&arg_token_file, g_free);
  g_clear_pointer (&arg_tier, g_free);
  g_clear_pointer (&arg_district, g_free);
  g_clear_pointer (&arg_sites, g_free);
  g_clear_pointer (&arg_title, g_free);
  g_clear_pointer (&arg_source, g_free);
  g_clear_pointer (&arg_layout, g_free);
  g_clear_pointer (&arg_monitor, g_free);
  g_clear_pointer (&arg_meeting, g_free);
  g_clear_pointer (&arg_state, g_free);
  g_clear_pointer (&arg_warn_down, g_free);
  g_clear_pointer (&arg_crit_down, g_free);
  g_clear_pointer (&arg_warn_mos, g_free);
  g_clear_pointer (&arg_crit_mos, g_free);
  g_clear_pointer (&arg_interval, g_free);
  return status;
}
