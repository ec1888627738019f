/* Unit tests of the small helpers (hn-util) and of the project's error
 * domain (hn-error): "did you mean" suggestions, strict number parsing,
 * durations, error code names, HTTP statuses and foreign error
 * conversion. */

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hn-error.h"
#include "hn-util.h"

static void
test_parse_json (void)
{
  const gchar *const refused[] = {
    /* json-glib 1.6 took these as the last value and leaked the others */
    "{\"a\": 1}{\"a\": 2}",
    "[1][2]",
    "{} {} {}",
    /* two values with a comma: a list the caller did not ask for */
    "{\"a\": 1}, {\"a\": 2}",
    "1, 2",
    /* closing the "[" the parser adds, and opening a second value */
    "1][2",
    "]{",
    "\"a\"]{}",
    "{\"a\": \"]\\\"\"}]{}",
    /* json-glib's scanner leaks on a high surrogate without a low one */
    "[\"\\ud800\\ud\"]",
    "\"\\ud800\\u0041\"",
    "\"\\udbff\\udbff\"",
    "\"\\ud800",
    /* not a character */
    "\"\\udc00\"",
    "\"\\uzzzz\"",
    "\"\\u12\"",
    /* what json-glib would read as a comment or a string: not JSON either */
    "1 /* ] [ */",
    "'a'",
    "# x\n1",
    /* not JSON */
    "{\"a\": ",
    "]",
    "[1",
    "var a = 1",
    "{\"a\": \"\xff\"}",
    "1 // x",
    /* numbers json-glib would write back as "1e+234.0" or "inf" */
    "{\"stats\": {\"frames\": 1e234}}",
    "[1, [2, [1e22]]]",
    "1e999",
    "-1e999",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_autofree gchar *shown = g_strescape (refused[i], NULL);

    g_test_message ("%s", shown);
    g_assert_false (hn_util_parse_json (refused[i], -1, &root, &error));
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_null (root);
    g_clear_error (&error);
  }

  g_assert_true (hn_util_parse_json ("{\"a\": [1, {\"b\": null}]}", -1, &root, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  g_assert_null (json_node_get_parent (root));
  g_assert_cmpint (
      json_array_get_length (json_object_get_array_member (json_node_get_object (root), "a")), ==,
      2);
  g_clear_pointer (&root, json_node_unref);

  /* ordinary numbers, written back as JSON that reads again */
  g_assert_true (
      hn_util_parse_json ("[0.5, 1e-5, -2.5e10, 12345678901234567, 4.39]", -1, &root, &error));
  g_assert_no_error (error);
  {
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    g_autoptr (JsonNode) again = NULL;
    g_autofree gchar *text = NULL;

    json_generator_set_root (gen, root);
    text = json_generator_to_data (gen, NULL);
    g_assert_true (hn_util_parse_json (text, -1, &again, &error));
    g_assert_no_error (error);
  }
  g_clear_pointer (&root, json_node_unref);

  /* a surrogate pair and other escapes */
  g_assert_true (hn_util_parse_json ("\"\\ud83d\\ude00\\u00e9\\n\\\\u\"", -1, &root, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_node_get_string (root), ==, "\xf0\x9f\x98\x80\xc3\xa9\n\\u");
  g_clear_pointer (&root, json_node_unref);

  /* brackets, quotes and slashes inside a string are the string's */
  g_assert_true (hn_util_parse_json ("{\"a\": \"]}\\\"[{/'#\"}", -1, &root, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "a"), ==,
                   "]}\"[{/'#");
  g_clear_pointer (&root, json_node_unref);

  /* a length, a byte order mark, white space and a final newline */
  g_assert_true (hn_util_parse_json ("\xef\xbb\xbf \t\"x\"\r\n garbage", 8, &root, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_node_get_string (root), ==, "x");
  g_clear_pointer (&root, json_node_unref);

  /* nothing is no value, and no error */
  g_assert_true (hn_util_parse_json ("", 0, &root, &error));
  g_assert_no_error (error);
  g_assert_null (root);
  g_assert_true (hn_util_parse_json (" \n", -1, &root, &error));
  g_assert_no_error (error);
  g_assert_null (root);
}

static void
test_edit_distance (void)
{
  g_assert_cmpuint (hn_util_edit_distance ("", ""), ==, 0);
  g_assert_cmpuint (hn_util_edit_distance ("", "abc"), ==, 3);
  g_assert_cmpuint (hn_util_edit_distance ("abc", ""), ==, 3);
  g_assert_cmpuint (hn_util_edit_distance ("address", "address"), ==, 0);
  g_assert_cmpuint (hn_util_edit_distance ("adress", "address"), ==, 1);
  g_assert_cmpuint (hn_util_edit_distance ("address", "adress"), ==, 1);
  g_assert_cmpuint (hn_util_edit_distance ("kitten", "sitting"), ==, 3);
  g_assert_cmpuint (hn_util_edit_distance ("sitting", "kitten"), ==, 3);
  g_assert_cmpuint (hn_util_edit_distance ("flaw", "lawn"), ==, 2);
  /* a swap of two letters is two edits, not one */
  g_assert_cmpuint (hn_util_edit_distance ("defualts", "defaults"), ==, 2);
  g_assert_cmpuint (hn_util_edit_distance ("hub", "site"), ==, 4);
  /* bytes, not characters: "Đ" is two bytes of UTF-8 */
  g_assert_cmpuint (hn_util_edit_distance ("\xc4\x90", "D"), ==, 2);
}

static void
test_suggest (void)
{
  const gchar *const site_keys[] = { "name",          "short-name",    "tier",
                                     "code",          "district",      "address",
                                     "media-port",    "video-size",    "video-framerate",
                                     "video-bitrate", "audio-bitrate", NULL };
  const gchar *const verbs[] = { "status", "sites", "site", NULL };
  const gchar *const tiers[] = { "hub", "department", "district", "commune", NULL };
  const gchar *const none[] = { NULL };

  g_assert_cmpstr (hn_util_suggest ("adress", site_keys), ==, "address");
  g_assert_cmpstr (hn_util_suggest ("shortname", site_keys), ==, "short-name");
  g_assert_cmpstr (hn_util_suggest ("video-bitate", site_keys), ==, "video-bitrate");
  g_assert_cmpstr (hn_util_suggest ("stauts", verbs), ==, "status");
  g_assert_cmpstr (hn_util_suggest ("statu", verbs), ==, "status");
  /* a swap is two edits: too many for a five-letter word */
  g_assert_null (hn_util_suggest ("sties", verbs));
  g_assert_cmpstr (hn_util_suggest ("comune", tiers), ==, "commune");
  /* an exact match is its own suggestion */
  g_assert_cmpstr (hn_util_suggest ("site", verbs), ==, "site");
  /* on a tie the first candidate wins */
  g_assert_cmpstr (hn_util_suggest ("sitex", verbs), ==, "sites");
  /* a short word may still be one letter off */
  g_assert_cmpstr (hn_util_suggest ("hb", tiers), ==, "hub");

  /* nothing close */
  g_assert_null (hn_util_suggest ("village", tiers));
  g_assert_null (hn_util_suggest ("xyz", verbs));
  g_assert_null (hn_util_suggest ("bandwidth", site_keys));
  g_assert_null (hn_util_suggest ("", verbs));
  g_assert_null (hn_util_suggest ("status", none));
  /* at most a third of the letters: 2 of 6 yes, 3 of 6 no */
  g_assert_cmpstr (hn_util_suggest ("stxxus", (const gchar *const[]){ "status", NULL }), ==,
                   "status");
  g_assert_null (hn_util_suggest ("sxxxus", (const gchar *const[]){ "status", NULL }));
  /* and never more than 3, however long the word */
  g_assert_cmpstr (
      hn_util_suggest ("video-framerXXX", (const gchar *const[]){ "video-framerate", NULL }), ==,
      "video-framerate");
  g_assert_null (
      hn_util_suggest ("video-frameXXXX", (const gchar *const[]){ "video-framerate", NULL }));
}

static void
test_parse_uint (void)
{
  guint value = 42;

  /* refused, and @out left alone */
  g_assert_false (hn_util_parse_uint (NULL, 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("-1", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("-0", 0, 100, &value));
  g_assert_false (hn_util_parse_uint (" 5", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("5 ", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("5\n", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("5x", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("+5", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("0x10", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("5.0", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("fast", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("101", 0, 100, &value));
  g_assert_false (hn_util_parse_uint ("0", 1, 65535, &value));
  g_assert_false (hn_util_parse_uint ("65536", 1, 65535, &value));
  g_assert_false (hn_util_parse_uint ("70000", 1, 65532, &value));
  g_assert_false (hn_util_parse_uint ("4294967296", 0, G_MAXUINT, &value));
  g_assert_false (hn_util_parse_uint ("99999999999999999999999", 0, G_MAXUINT, &value));
  g_assert_cmpuint (value, ==, 42);

  /* accepted, bounds included */
  g_assert_true (hn_util_parse_uint ("1", 1, 65535, &value));
  g_assert_cmpuint (value, ==, 1);
  g_assert_true (hn_util_parse_uint ("65535", 1, 65535, &value));
  g_assert_cmpuint (value, ==, 65535);
  g_assert_true (hn_util_parse_uint ("0", 0, 10, &value));
  g_assert_cmpuint (value, ==, 0);
  g_assert_true (hn_util_parse_uint ("600", 64, 20000, &value));
  g_assert_cmpuint (value, ==, 600);
  g_assert_true (hn_util_parse_uint ("4294967295", 0, G_MAXUINT, &value));
  g_assert_cmpuint (value, ==, G_MAXUINT);
  /* @out may be NULL to only check */
  g_assert_true (hn_util_parse_uint ("25", 1, 60, NULL));
  g_assert_false (hn_util_parse_uint ("61", 1, 60, NULL));
}

static void
test_format_duration (void)
{
  const struct {
    guint64 seconds;
    const gchar *text;
  } cases[] = {
    { 0, "0 s" },
    { 1, "1 s" },
    { 59, "59 s" },
    { 60, "1 min 0 s" },
    { 61, "1 min 1 s" },
    { 3599, "59 min 59 s" },
    { 3600, "1 h 0 min" },
    { 3600 + 5 * 60 + 12, "1 h 5 min" },
    { 2 * 3600 + 5 * 60, "2 h 5 min" },
    { 86399, "23 h 59 min" },
    { 86400, "1 d 0 h" },
    { 86400 + 3600 + 61, "1 d 1 h" },
    { 3 * 86400 + 4 * 3600 + 59 * 60 + 59, "3 d 4 h" },
    { 400 * G_GUINT64_CONSTANT (86400), "400 d 0 h" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *text = hn_util_format_duration (cases[i].seconds);

    g_assert_cmpstr (text, ==, cases[i].text);
  }
}

static void
test_error_names (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpstr (hn_error_code_to_string (HN_ERROR_FAILED), ==, "failed");
  g_assert_cmpstr (hn_error_code_to_string (HN_ERROR_INVALID_ARGUMENT), ==, "invalid-argument");
  g_assert_cmpstr (hn_error_code_to_string (HN_ERROR_NOT_FOUND), ==, "not-found");
  g_assert_cmpstr (hn_error_code_to_string (HN_ERROR_PAYLOAD_TOO_LARGE), ==, "payload-too-large");
  g_assert_cmpstr (hn_error_code_to_string (HN_ERROR_CONFIG_SYNTAX), ==, "config-syntax");
  g_assert_cmpstr (hn_error_code_to_string (HN_ERROR_CONFIG_UNKNOWN_KEY), ==, "config-unknown-key");
  g_assert_cmpstr (hn_error_code_to_string (HN_ERROR_CONFIG_PORT_COLLISION), ==,
                   "config-port-collision");
  /* a code outside the enum does not crash the API's error path */
  g_assert_cmpstr (hn_error_code_to_string ((HnError) HN_ERROR_LAST), ==, "failed");
  g_assert_cmpstr (hn_error_code_to_string ((HnError) 1000), ==, "failed");

  /* every code has its own stable kebab-case name */
  for (guint code = 0; code < HN_ERROR_LAST; code++) {
    const gchar *name = hn_error_code_to_string (code);

    g_assert_nonnull (name);
    g_assert_cmpuint (strlen (name), >, 0);
    for (const gchar *p = name; *p != '\0'; p++)
      g_assert_true (g_ascii_islower (*p) || *p == '-');
    g_assert_false (g_hash_table_contains (seen, name));
    g_hash_table_add (seen, (gpointer) name);
  }
  g_assert_cmpuint (g_hash_table_size (seen), ==, HN_ERROR_LAST);
}

static void
test_error_http_status (void)
{
  const struct {
    HnError code;
    guint status;
  } cases[] = {
    { HN_ERROR_FAILED, 500 },
    { HN_ERROR_INVALID_ARGUMENT, 400 },
    { HN_ERROR_NOT_FOUND, 404 },
    { HN_ERROR_NOT_SUPPORTED, 501 },
    { HN_ERROR_UNAVAILABLE, 503 },
    { HN_ERROR_INTERNAL, 500 },
    { HN_ERROR_METHOD_NOT_ALLOWED, 405 },
    { HN_ERROR_PAYLOAD_TOO_LARGE, 413 },
    { HN_ERROR_CONFIG_SYNTAX, 422 },
    { HN_ERROR_CONFIG_UNKNOWN_KEY, 422 },
    { HN_ERROR_CONFIG_DUPLICATE_ADDRESS, 422 },
    { HN_ERROR_CONFIG_PORT_COLLISION, 422 },
  };
  g_autoptr (GError) io_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = g_error_new_literal (HN_ERROR, cases[i].code, "x");

    g_assert_cmpuint (hn_error_to_http_status (error), ==, cases[i].status);
  }
  /* every config error is the client's fault, never a server error */
  for (guint code = HN_ERROR_CONFIG_SYNTAX; code < HN_ERROR_LAST; code++) {
    g_autoptr (GError) error = g_error_new_literal (HN_ERROR, code, "x");

    g_assert_cmpuint (hn_error_to_http_status (error), ==, 422);
  }
  /* an unconverted foreign error is a server error, even "not found" */
  g_assert_cmpuint (hn_error_to_http_status (io_error), ==, 500);
}

static void
test_error_convert (void)
{
  g_autoptr (GError) not_found = NULL;
  g_autoptr (GError) key_file_error = NULL;
  g_autoptr (GError) timed_out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "slow");
  g_autoptr (GError) noent = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_NOENT, "no file");
  g_autoptr (GError) json = g_error_new_literal (JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "{");
  g_autoptr (GError) other = g_error_new_literal (G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "spawn");
  g_autoptr (GError) own = g_error_new_literal (HN_ERROR, HN_ERROR_CONFIG_HUB_COUNT, "two hubs");
  g_autoptr (GFile) file = g_file_new_for_path ("/nonexistent/hoinghi/sites.conf");
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *contents = NULL;
  GError *unset = NULL;

  /* a real G_IO_ERROR_NOT_FOUND keeps its message */
  g_assert_false (g_file_load_contents (file, NULL, &contents, NULL, NULL, &not_found));
  g_assert_null (contents);
  g_assert_error (not_found, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  {
    g_autofree gchar *message = g_strdup (not_found->message);

    hn_error_convert (&not_found);
    g_assert_error (not_found, HN_ERROR, HN_ERROR_NOT_FOUND);
    g_assert_cmpstr (not_found->message, ==, message);
    g_assert_cmpuint (hn_error_to_http_status (not_found), ==, 404);
  }

  /* a real G_KEY_FILE_ERROR */
  g_assert_false (g_key_file_load_from_data (kf, "[hub\n", -1, G_KEY_FILE_NONE, &key_file_error));
  g_assert_true (key_file_error->domain == G_KEY_FILE_ERROR);
  hn_error_convert (&key_file_error);
  g_assert_error (key_file_error, HN_ERROR, HN_ERROR_CONFIG_SYNTAX);

  hn_error_convert (&timed_out);
  g_assert_error (timed_out, HN_ERROR, HN_ERROR_UNAVAILABLE);
  g_assert_cmpstr (timed_out->message, ==, "slow");
  hn_error_convert (&noent);
  g_assert_error (noent, HN_ERROR, HN_ERROR_NOT_FOUND);
  hn_error_convert (&json);
  g_assert_error (json, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  hn_error_convert (&other);
  g_assert_error (other, HN_ERROR, HN_ERROR_FAILED);
  g_assert_cmpstr (other->message, ==, "spawn");

  /* HN_ERROR stays as it is; nothing to convert is no problem */
  hn_error_convert (&own);
  g_assert_error (own, HN_ERROR, HN_ERROR_CONFIG_HUB_COUNT);
  g_assert_cmpstr (own->message, ==, "two hubs");
  hn_error_convert (&unset);
  g_assert_null (unset);
  hn_error_convert (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hn/util/edit-distance", test_edit_distance);
  g_test_add_func ("/hn/util/suggest", test_suggest);
  g_test_add_func ("/hn/util/parse-uint", test_parse_uint);
  g_test_add_func ("/hn/util/format-duration", test_format_duration);
  g_test_add_func ("/hn/util/parse-json", test_parse_json);
  g_test_add_func ("/hn/error/names", test_error_names);
  g_test_add_func ("/hn/error/http-status", test_error_http_status);
  g_test_add_func ("/hn/error/convert", test_error_convert);

  return g_test_run ();
}
