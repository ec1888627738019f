/* hoinghictl: the operator's command line for the local hoinghid. Each verb
 * is one row of verbs[] (name, arity, options, handler, help); the command
 * line is checked against that row once, here, before the handler runs, and
 * every failure ends as one "hoinghictl: MESSAGE" line and exit status 1.
 * Handlers ask HnCli for the daemon's JSON and either print it as it is
 * (--json) or as aligned text for people. */

#define G_LOG_DOMAIN "hoinghi-cli"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hn-build-config.h"
#include "hn-cli.h"
#include "hn-error.h"
#include "hn-site.h"
#include "hn-util.h"

/**
 * HnVerb:
 * @args: (nullable): the operands for help and usage lines, e.g. "ID"
 * @handler: runs the verb; its argv holds only the operands, between
 *   @min_args and @max_args of them, %NULL-terminated
 */
typedef struct {
  const gchar *name;
  guint min_args;
  guint max_args;
  const GOptionEntry *options;
  gboolean (*handler) (HnCli *cli, gchar **argv, GError **error);
  const gchar *args;
  const gchar *help;
} HnVerb;

static gchar *arg_socket;
static gboolean arg_json;
static gboolean arg_version;
static gchar *arg_tier;
static gchar *arg_district;

static const GOptionEntry global_options[] = {
  { "socket", 's', 0, G_OPTION_ARG_FILENAME, &arg_socket,
    "Control socket of hoinghid (default: " HN_DEFAULT_SOCKET ")", "PATH" },
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
static void
table_print (const gchar *const *header, guint n_columns, GPtrArray *cells)
{
  g_autofree glong *width = g_new0 (glong, n_columns);

  for (guint c = 0; c < n_columns; c++)
    width[c] = g_utf8_strlen (header[c], -1);
  for (guint i = 0; i < cells->len; i++)
    width[i % n_columns] = MAX (width[i % n_columns], g_utf8_strlen (cells->pdata[i], -1));

  for (guint i = 0; i < cells->len + n_columns; i++) {
    guint c = i % n_columns;
    const gchar *cell = i < n_columns ? header[c] : cells->pdata[i - n_columns];

    if (c + 1 < n_columns)
      g_print ("%s%*s", cell, (int) (width[c] - g_utf8_strlen (cell, -1) + 2), "");
    else
      g_print ("%s\n", cell);
  }
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
verb_status (HnCli *cli, gchar **argv, GError **error)
{
  const gchar *path = "/api/v1/status";
  g_autoptr (JsonNode) root = hn_cli_get_json (cli, path, error);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *uptime = NULL;
  g_autofree gchar *config = NULL;
  g_autofree gchar *counts = NULL;
  JsonObject *status;
  gint64 seconds;
  const gchar *reload_error;

  if (root == NULL)
    return FALSE;
  if (hn_cli_get_json_output (cli)) {
    hn_cli_print_json (cli, root);
    return TRUE;
  }
  status = answer_object (root, path, error);
  if (status == NULL)
    return FALSE;

  seconds = member_int (status, "uptime-seconds", -1);
  uptime = seconds >= 0 ? hn_util_format_duration (seconds) : g_strdup ("-");
  config = describe_config (status);
  counts = describe_site_counts (member_object (status, "sites"));
  reload_error = member_string (status, "last-reload-error", NULL);

  fields_add (fields, "Role", "%s", member_string (status, "role", "-"));
  fields_add (fields, "Version", "%s", member_string (status, "version", "-"));
  fields_add (fields, "Uptime", "%s", uptime);
  fields_add (fields, "Config", "%s", config);
  fields_add (fields, "State", "%s", member_string (status, "state-directory", "-"));
  fields_add (fields, "Sites", "%s", counts);
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
  if (hn_cli_get_json_output (cli)) {
    hn_cli_print_json (cli, root);
    return TRUE;
  }
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

static gboolean
verb_site (HnCli *cli, gchar **argv, GError **error)
{
  g_autofree gchar *escaped = g_uri_escape_string (argv[0], NULL, FALSE);
  g_autofree gchar *path = g_strconcat ("/api/v1/sites/", escaped, NULL);
  g_autoptr (JsonNode) root = hn_cli_get_json (cli, path, error);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  JsonObject *site;
  JsonObject *media;

  if (root == NULL)
    return FALSE;
  if (hn_cli_get_json_output (cli)) {
    hn_cli_print_json (cli, root);
    return TRUE;
  }
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

static const HnVerb verbs[] = {
  { "status", 0, 0, NULL, verb_status, NULL, "Show role, uptime and configuration" },
  { "sites", 0, 0, sites_options, verb_sites, NULL, "List sites, by tier or district" },
  { "site", 1, 1, NULL, verb_site, "ID", "Show one site" },
};

/* "sites [--tier TIER] [--district DISTRICT]", "site ID" */
static gchar *
verb_synopsis (const HnVerb *verb)
{
  GString *text = g_string_new (verb->name);

  for (const GOptionEntry *e = verb->options; e != NULL && e->long_name != NULL; e++) {
    if (e->arg == G_OPTION_ARG_NONE)
      g_string_append_printf (text, " [--%s]", e->long_name);
    else
      g_string_append_printf (text, " [--%s %s]", e->long_name, e->arg_description);
  }
  if (verb->args != NULL)
    g_string_append_printf (text, " %s", verb->args);
  return g_string_free (text, FALSE);
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

static void
two_columns_append (GString *text, GPtrArray *lines)
{
  gsize width = 0;

  for (guint i = 0; i < lines->len; i += 2)
    width = MAX (width, strlen (lines->pdata[i]));
  for (guint i = 0; i < lines->len; i += 2)
    g_string_append_printf (text, "  %-*s  %s\n", (int) width, (const gchar *) lines->pdata[i],
                            (const gchar *) lines->pdata[i + 1]);
}

static gchar *
usage_text (void)
{
  GString *text = g_string_new (NULL);
  g_autoptr (GPtrArray) verb_lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) option_lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++) {
    g_ptr_array_add (verb_lines, verb_synopsis (&verbs[i]));
    g_ptr_array_add (verb_lines, g_strdup (verbs[i].help));
  }
  for (const GOptionEntry *e = global_options; e->long_name != NULL; e++)
    option_lines_add (option_lines, e->short_name, e->long_name, e->arg_description,
                      e->description);
  option_lines_add (option_lines, 'h', "help", NULL, "Show this help");

  g_string_append (text, "Usage: hoinghictl [OPTION…] VERB [ARGS…]\n\n"
                         "Query the local hoinghid, the video-conference daemon.\n\n"
                         "Verbs:\n");
  two_columns_append (text, verb_lines);
  g_string_append (text, "\nOptions (also after the verb):\n");
  two_columns_append (text, option_lines);
  g_string_append (text, "\nSee 'hoinghictl VERB --help' for the options of a verb.\n");
  return g_string_free (text, FALSE);
}

static gboolean
lookup_verb (const gchar *name, const HnVerb **verb, GError **error)
{
  const gchar *names[G_N_ELEMENTS (verbs) + 1] = { NULL };
  const gchar *suggestion;

  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++) {
    if (g_str_equal (name, verbs[i].name)) {
      *verb = &verbs[i];
      return TRUE;
    }
    names[i] = verbs[i].name;
  }
  suggestion = hn_util_suggest (name, names);
  if (suggestion != NULL)
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown verb '%s'; did you mean '%s'?", name, suggestion);
  else
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown verb '%s'; see 'hoinghictl --help'", name);
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
 * verb (and exits). Leaves program name, verb and operands in @args. */
static gboolean
parse_verb_options (const HnVerb *verb, gchar ***args, GError **error)
{
  g_autofree gchar *parameter = g_strjoin (" ", verb->name, verb->args, NULL);
  g_autoptr (GOptionContext) context = g_option_context_new (parameter);
  g_autoptr (GError) local_error = NULL;

  g_option_context_set_summary (context, verb->help);
  if (verb->options != NULL)
    g_option_context_add_main_entries (context, verb->options, NULL);
  g_option_context_add_main_entries (context, global_options, NULL);
  if (!g_option_context_parse_strv (context, args, &local_error)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s; see 'hoinghictl %s --help'",
                 local_error->message, verb->name);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_arity (const HnVerb *verb, guint n_args, GError **error)
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
  synopsis = verb_synopsis (verb);
  g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s for '%s'; usage: hoinghictl %s",
               problem, verb->name, synopsis);
  return FALSE;
}

/* The first operand; "-" is one too, as GOption sees it. */
static gint
find_verb (gchar **args)
{
  for (gint i = 1; args[i] != NULL; i++) {
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
  const HnVerb *verb = NULL;
  gint index;

  if (!parse_global_options (&args, &error))
    return report_error (error);
  if (arg_version) {
    g_print ("hoinghictl %s\n", HN_VERSION);
    return EXIT_SUCCESS;
  }

  index = find_verb (args);
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

  if (!lookup_verb (args[index], &verb, &error) || !parse_verb_options (verb, &args, &error) ||
      !check_arity (verb, g_strv_length (args) - 2, &error))
    return report_error (error);

  cli = hn_cli_new (arg_socket, arg_json);
  if (!verb->handler (cli, args + 2, &error))
    return report_error (error);
  return EXIT_SUCCESS;
}

/* Names carry Vietnamese diacritics: print them as UTF-8 whatever the
 * locale says (as systemd's tools do), rather than as '?' under LANG=C */
static void
print_utf8 (const gchar *text)
{
  fputs (text, stdout);
}

int
main (int argc, char **argv)
{
  int status;

  setlocale (LC_ALL, "");
  g_set_print_handler (print_utf8);
  g_set_prgname ("hoinghictl");

  status = run (argv);

  g_clear_pointer (&arg_socket, g_free);
  g_clear_pointer (&arg_tier, g_free);
  g_clear_pointer (&arg_district, g_free);
  return status;
}
