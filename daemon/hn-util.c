/* Small helpers shared by the daemon and the CLI: "did you mean" for
 * misspelt keys and verbs, strict number parsing for configuration values,
 * durations as operators read them, JSON from outside read without
 * json-glib 1.6's leak, and the state directory's files written so that a
 * crash never leaves half of one. */

#include "hn-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "hn-error.h"

/* the UTF-8 byte order mark, which json-glib skips at the start */
#define UTF8_BOM "\xef\xbb\xbf"

/* The UTF-16 code unit of the "\uXXXX" at @p, or -1 if there is none. */
static gint
hn_util_json_read_unit (const gchar *data, gsize len, gsize p)
{
  gint unit = 0;

  if (p >= len || len - p < 6 || data[p] != '\\' || data[p + 1] != 'u')
    return -1;
  for (gsize k = p + 2; k < p + 6; k++) {
    if (!g_ascii_isxdigit (data[k]))
      return -1;
    unit = unit * 16 + g_ascii_xdigit_value (data[k]);
  }
  return unit;
}

/* What in @data json-glib 1.6 would leak on, or %NULL.
 *
 * - A "]" or "}" outside strings that closes more than @data opened would
 *   close the "[" that hn_util_parse_json() puts before it, and let a
 *   second value follow. "/", "'" and "#" are refused outside strings:
 *   JSON has none there, and json-glib's scanner would take them for a
 *   comment or a string, so its idea of what is inside a string would no
 *   longer be the one here.
 * - A high surrogate escape not followed by a low one (its scanner leaks
 *   the string so far, found by fuzz-api-body); a "\u" without four hex
 *   digits or a lone low surrogate is refused too, as not text. */
static const gchar *
hn_util_json_check (const gchar *data, gsize len)
{
  gsize depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++) {
    if (in_string) {
      if (data[i] == '"') {
        in_string = FALSE;
      } else if (data[i] == '\\' && i + 1 < len && data[i + 1] == 'u') {
        gint unit = hn_util_json_read_unit (data, len, i);

        if (unit >= 0xd800 && unit <= 0xdbff) {
          gint low = hn_util_json_read_unit (data, len, i + 6);

          if (low < 0xdc00 || low > 0xdfff)
            return "a \\u escape of a high surrogate without a low one after it";
          i += 11;
        } else if (unit < 0 || (unit >= 0xdc00 && unit <= 0xdfff)) {
          return "a \\u escape that is not four hex digits of a character";
        } else {
          i += 5;
        }
      } else if (data[i] == '\\') {
        i++;
      }
      continue;
    }
    switch (data[i]) {
    case '"':
      in_string = TRUE;
      break;
    case '[':
    case '{':
      depth++;
      break;
    case ']':
    case '}':
      if (depth == 0)
        return "a ']' or '}' that closes nothing";
      depth--;
      break;
    case '/':
    case '\'':
    case '#':
      return "a '/', '#' or single quote outside a string";
    default:
      break;
    }
  }
  return NULL;
}

/* A number json-glib 1.6 reads but cannot write back: it prints doubles
 * with "%.17g" and appends ".0" when there is no "." in that, so 1e234
 * (read from a room's stats) would be served by the API as "1e+234.0",
 * which no JSON parser, hoinghictl's included, can read (found by
 * fuzz-control-message's round trip); and the infinities of 1e999. Walked
 * without recursion: a message may nest thousands deep. */
static gboolean
hn_util_json_numbers_ok (JsonNode *root, GError **error)
{
  g_autoptr (GPtrArray) todo = g_ptr_array_new ();

  g_ptr_array_add (todo, root);
  while (todo->len > 0) {
    JsonNode *node = g_ptr_array_steal_index_fast (todo, todo->len - 1);

    if (JSON_NODE_HOLDS_OBJECT (node)) {
      g_autoptr (GList) members = json_object_get_values (json_node_get_object (node));

      for (GList *l = members; l != NULL; l = l->next)
        g_ptr_array_add (todo, l->data);
    } else if (JSON_NODE_HOLDS_ARRAY (node)) {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        g_ptr_array_add (todo, json_array_get_element (array, i));
    } else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE) {
      gdouble v = json_node_get_double (node);
      gchar text[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (text, sizeof text, "%.17g", v);
      if (!isfinite (v) || ((strchr (text, 'e') != NULL || strchr (text, 'E') != NULL) &&
                            strchr (text, '.') == NULL)) {
        g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                     "the number %s is out of the range this daemon handles", text);
        return FALSE;
      }
    }
  }
  return TRUE;
}

/**
 * hn_util_parse_json:
 * @data: JSON text from outside (a request body, a message, a state file)
 * @length: its length, or -1 when it ends with a NUL
 * @root: (out) (transfer full) (nullable): the value; %NULL for text that
 *   is empty or only white space, as json_parser_get_root() says
 *
 * Parses text that must hold one JSON value. json-glib 1.6 (Debian 12)
 * takes "{…}{…}" as the second object and leaks the first (found by
 * tests/fuzz/fuzz-api-body: any peer could make the hub leak up to 64 KiB
 * a message). The text is therefore parsed inside "[" and "]", after a
 * check that it cannot close the "[" itself (found by the fuzzer too:
 * "1][2") nor hit the scanner's own leak (hn_util_json_check()): two values without a comma are a
 * syntax error there, and with one, two elements, refused here; json-glib still does all the
 * parsing. The columns in its messages count the added "[" on the first line.
 *
 * Numbers json-glib could not write back as JSON (hn_util_json_numbers_ok())
 * are refused too.
 *
 * Returns: %FALSE with %HN_ERROR_INVALID_ARGUMENT and json-glib's message
 *   if @data is not one JSON value
 */
gboolean
hn_util_parse_json (const gchar *data, gssize length, JsonNode **root, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *wrapped = NULL;
  JsonArray *values;
  JsonNode *value;
  const gchar *why;
  gsize len;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (root != NULL, FALSE);

  *root = NULL;
  len = length < 0 ? strlen (data) : (gsize) length;
  if (len >= strlen (UTF8_BOM) && memcmp (data, UTF8_BOM, strlen (UTF8_BOM)) == 0) {
    data += strlen (UTF8_BOM);
    len -= strlen (UTF8_BOM);
  }
  why = hn_util_json_check (data, len);
  if (why != NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "not one JSON value: %s", why);
    return FALSE;
  }
  wrapped = g_malloc (len + 3);
  wrapped[0] = '[';
  if (len > 0)
    memcpy (wrapped + 1, data, len);
  memcpy (wrapped + 1 + len, "]", 2);
  if (!json_parser_load_from_data (parser, wrapped, len + 2, &local_error)) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, local_error->message);
    return FALSE;
  }
  values = json_node_get_array (json_parser_get_root (parser));
  if (json_array_get_length (values) == 0)
    return TRUE;
  if (json_array_get_length (values) > 1) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "%u JSON values where one was expected", json_array_get_length (values));
    return FALSE;
  }
  value = json_array_get_element (values, 0);
  if (!hn_util_json_numbers_ok (value, error))
    return FALSE;
  json_node_set_parent (value, NULL);
  *root = json_node_ref (value);
  return TRUE;
}

/**
 * hn_util_edit_distance:
 *
 * Returns: the Levenshtein distance between @a and @b (bytes)
 */
guint
hn_util_edit_distance (const gchar *a, const gchar *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    row[j] = j;
  for (gsize i = 1; i <= la; i++) {
    guint diag = row[0];

    row[0] = i;
    for (gsize j = 1; j <= lb; j++) {
      guint up = row[j];
      guint cost = a[i - 1] == b[j - 1] ? 0 : 1;

      row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diag + cost);
      diag = up;
    }
  }
  return row[lb];
}

/**
 * hn_util_suggest:
 * @candidates: %NULL-terminated
 *
 * Returns: (nullable): the candidate nearest to @word when it is close
 *   enough to be a likely typo (at most a third of its letters changed,
 *   and at most 3), else %NULL
 */
const gchar *
hn_util_suggest (const gchar *word, const gchar *const *candidates)
{
  const gchar *best = NULL;
  guint best_distance = G_MAXUINT;
  guint limit;

  g_return_val_if_fail (word != NULL, NULL);
  g_return_val_if_fail (candidates != NULL, NULL);

  limit = CLAMP (strlen (word) / 3, 1, 3);
  for (guint i = 0; candidates[i] != NULL; i++) {
    guint d = hn_util_edit_distance (word, candidates[i]);

    if (d < best_distance) {
      best_distance = d;
      best = candidates[i];
    }
  }
  return best_distance <= limit ? best : NULL;
}

/**
 * hn_util_parse_uint:
 *
 * Parses a whole decimal number from @min to @max, with nothing else
 * around it (no sign, no spaces, no suffix).
 */
gboolean
hn_util_parse_uint (const gchar *text, guint min, guint max, guint *out)
{
  guint64 value = 0;

  if (text == NULL || !g_ascii_isdigit (text[0]))
    return FALSE;
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    return FALSE;
  if (out != NULL)
    *out = (guint) value;
  return TRUE;
}

/**
 * hn_util_format_duration:
 *
 * Returns: @seconds as "3 d 4 h", "2 h 5 min", "5 min 12 s" or "12 s"
 */
gchar *
hn_util_format_duration (guint64 seconds)
{
  guint64 d = seconds / 86400;
  guint64 h = (seconds % 86400) / 3600;
  guint64 m = (seconds % 3600) / 60;
  guint64 s = seconds % 60;

  if (d > 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " d %" G_GUINT64_FORMAT " h", d, h);
  if (h > 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " h %" G_GUINT64_FORMAT " min", h, m);
  if (m > 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " min %" G_GUINT64_FORMAT " s", m, s);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " s", s);
}

/**
 * hn_util_write_file_durably:
 *
 * Writes @contents to @path atomically and durably: a temporary file in
 * the same directory, fsync, rename. A crash at any moment leaves either
 * the old file or the new one, never a mixture.
 *
 * Returns: %FALSE with an HN_ERROR naming @path if it cannot be written
 */
gboolean
hn_util_write_file_durably (
    const gchar *path, const gchar *contents, gsize length, gint mode, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_set_contents_full (path, contents, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, mode,
                                 error)) {
    hn_error_convert (error);
    g_prefix_error (error, "%s: ", path);
    return FALSE;
  }
  return TRUE;
}

/**
 * hn_util_save_json:
 * @root: the value to write, as pretty-printed JSON
 *
 * hn_util_write_file_durably() of @root's text (mode 0640), for the
 * daemon's state files.
 *
 * Returns: %FALSE with an HN_ERROR naming @path if it cannot be written
 */
gboolean
hn_util_save_json (const gchar *path, JsonNode *root, GError **error)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree gchar *text = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (root != NULL, FALSE);

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, &length);
  return hn_util_write_file_durably (path, text, length, 0640, error);
}

/**
 * hn_util_move_aside:
 * @now_us: the wall-clock time, which names the copy
 *
 * Renames a corrupt state file to `PATH.corrupt-TIME` so that the daemon
 * starts without it and the operator can still read what it held.
 *
 * Returns: the new name, or %NULL if it could not be renamed
 */
gchar *
hn_util_move_aside (const gchar *path, gint64 now_us)
{
  g_autofree gchar *aside = g_strdup_printf ("%s.corrupt-%" G_GINT64_FORMAT, path, now_us);

  g_return_val_if_fail (path != NULL, NULL);

  if (g_rename (path, aside) != 0)
    return NULL;
  return g_steal_pointer (&aside);
}
