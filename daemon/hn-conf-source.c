/* HnConfSource: the text of a configuration file and its drop-ins, merged
 * the way systemd merges drop-ins, with the file and line every group and
 * key came from.
 *
 * GKeyFile parses the values, but it does not say where a group or key
 * stands, and it silently merges a group or key written twice in one file.
 * Operators need "sites.conf.d/50-x.conf:12: [site x] adress: unknown key",
 * so each file is also scanned line by line (with GKeyFile's own rules for
 * what a line is) to index groups and keys by line.
 *
 * Validators record problems against a group or key; hn_conf_source_check()
 * turns all of them, sorted by file and line, into one GError so an
 * operator sees every mistake at once. */

#define G_LOG_DOMAIN "hoinghi-config"

#include "hn-conf-source.h"

#include <gio/gio.h>

#include "hn-util.h"

typedef struct {
  gchar *name;
  guint file;
  guint line;
} HnConfEntry;

typedef struct {
  HnConfEntry where;
  GPtrArray *keys;     /* of HnConfEntry, order of first appearance */
  GHashTable *by_name; /* name -> HnConfEntry (owned by keys) */
} HnConfGroup;

typedef struct {
  HnError code;
  guint file;
  guint line;
  guint seq;
  gchar *text;
} HnConfProblem;

struct _HnConfSource {
  GObject parent_instance;

  GPtrArray *files;       /* of gchar*, NULL-terminated */
  GPtrArray *groups;      /* of HnConfGroup */
  GPtrArray *group_names; /* of gchar* (owned by groups), NULL-terminated */
  GHashTable *group_by_name;
  GKeyFile *merged;
  GArray *problems; /* of HnConfProblem */
};

G_DEFINE_FINAL_TYPE (HnConfSource, hn_conf_source, G_TYPE_OBJECT)

#define NO_FILE G_MAXUINT

static void
hn_conf_entry_free (HnConfEntry *entry)
{
  g_free (entry->name);
  g_free (entry);
}

static void
hn_conf_group_free (HnConfGroup *group)
{
  g_free (group->where.name);
  g_hash_table_unref (group->by_name);
  g_ptr_array_unref (group->keys);
  g_free (group);
}

static void
hn_conf_problem_clear (HnConfProblem *problem)
{
  g_free (problem->text);
}

static void
hn_conf_source_finalize (GObject *object)
{
  HnConfSource *self = HN_CONF_SOURCE (object);

  g_ptr_array_unref (self->files);
  g_ptr_array_unref (self->group_names);
  g_ptr_array_unref (self->groups);
  g_hash_table_unref (self->group_by_name);
  g_key_file_unref (self->merged);
  g_array_unref (self->problems);

  G_OBJECT_CLASS (hn_conf_source_parent_class)->finalize (object);
}

static void
hn_conf_source_class_init (HnConfSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_conf_source_finalize;
}

static void
hn_conf_source_init (HnConfSource *self)
{
  self->files = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  self->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) hn_conf_group_free);
  self->group_names = g_ptr_array_new_null_terminated (16, NULL, TRUE);
  self->group_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->merged = g_key_file_new ();
  self->problems = g_array_new (FALSE, TRUE, sizeof (HnConfProblem));
  g_array_set_clear_func (self->problems, (GDestroyNotify) hn_conf_problem_clear);
}

HnConfSource *
hn_conf_source_new (void)
{
  return g_object_new (HN_TYPE_CONF_SOURCE, NULL);
}

static void hn_conf_source_add_problem_at (
    HnConfSource *self, HnError code, guint file, guint line, const gchar *format, ...)
    G_GNUC_PRINTF (5, 6);

static void
hn_conf_source_add_problem_at (
    HnConfSource *self, HnError code, guint file, guint line, const gchar *format, ...)
{
  HnConfProblem problem = { 0 };
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  problem.code = code;
  problem.file = file;
  problem.line = line;
  problem.seq = self->problems->len;
  if (file == NO_FILE)
    problem.text = g_steal_pointer (&message);
  else if (line == 0)
    problem.text = g_strdup_printf ("%s: %s", (const gchar *) self->files->pdata[file], message);
  else
    problem.text =
        g_strdup_printf ("%s:%u: %s", (const gchar *) self->files->pdata[file], line, message);
  g_array_append_val (self->problems, problem);
}

static gboolean
hn_conf_is_blank_or_comment (const gchar *line)
{
  while (g_ascii_isspace (*line))
    line++;
  return *line == '\0' || *line == '#';
}

/* One file's lines, as GKeyFile would read them: group headers and keys
 * with their line numbers. A line GKeyFile would refuse is reported here
 * with its number, which GKeyFile's own message lacks. */
typedef struct {
  gchar *group;
  gchar *key; /* NULL for a group header */
  guint line;
} HnConfLine;

static void
hn_conf_line_clear (HnConfLine *l)
{
  g_free (l->group);
  g_free (l->key);
}

static GArray *
hn_conf_source_scan (HnConfSource *self, guint file, const gchar *contents)
{
  g_autoptr (GArray) lines = g_array_new (FALSE, TRUE, sizeof (HnConfLine));
  g_auto (GStrv) text = g_strsplit (contents, "\n", -1);
  g_autoptr (GHashTable) seen_groups =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) seen_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree gchar *group = NULL;
  gboolean ok = TRUE;
  /* The keys under a refused or repeated header were already reported with
   * that header; checking them against the previous group (or as keys
   * outside any group) would only add misleading problems. */
  gboolean skip_group = FALSE;

  g_array_set_clear_func (lines, (GDestroyNotify) hn_conf_line_clear);

  for (guint i = 0; text[i] != NULL; i++) {
    guint lineno = i + 1;
    gchar *l = text[i];
    gsize len;

    /* the last element after a final newline is not a line */
    if (text[i + 1] == NULL && *l == '\0')
      break;
    len = strlen (l);
    if (len > 0 && l[len - 1] == '\r')
      l[len - 1] = '\0';
    if (hn_conf_is_blank_or_comment (l))
      continue;
    while (g_ascii_isspace (*l))
      l++;

    if (*l == '[') {
      gchar *end = strrchr (l, ']');
      HnConfLine entry = { 0 };
      gpointer first;

      if (end == NULL || end == l + 1 || !hn_conf_is_blank_or_comment (end + 1)) {
        hn_conf_source_add_problem_at (self, HN_ERROR_CONFIG_SYNTAX, file, lineno,
                                       "malformed group header '%s'; expected [name]", l);
        ok = FALSE;
        skip_group = TRUE;
        continue;
      }
      g_free (group);
      group = g_strndup (l + 1, end - l - 1);
      if (g_hash_table_lookup_extended (seen_groups, group, NULL, &first)) {
        hn_conf_source_add_problem_at (self, HN_ERROR_CONFIG_DUPLICATE, file, lineno,
                                       "[%s]: defined twice in this file (first at line %u)", group,
                                       GPOINTER_TO_UINT (first));
        ok = FALSE;
        skip_group = TRUE;
      } else {
        g_hash_table_insert (seen_groups, g_strdup (group), GUINT_TO_POINTER (lineno));
        skip_group = FALSE;
      }
      entry.group = g_strdup (group);
      entry.line = lineno;
      g_array_append_val (lines, entry);
    } else {
      const gchar *eq = strchr (l, '=');
      g_autofree gchar *key = NULL;
      g_autofree gchar *full = NULL;
      HnConfLine entry = { 0 };
      gpointer first;

      if (eq == NULL) {
        hn_conf_source_add_problem_at (self, HN_ERROR_CONFIG_SYNTAX, file, lineno,
                                       "'%s' is neither a group, a key=value pair nor a comment",
                                       l);
        ok = FALSE;
        continue;
      }
      key = g_strstrip (g_strndup (l, eq - l));
      if (*key == '\0') {
        hn_conf_source_add_problem_at (self, HN_ERROR_CONFIG_SYNTAX, file, lineno,
                                       "'%s' has no key name before '='", l);
        ok = FALSE;
        continue;
      }
      if (skip_group)
        continue;
      if (group == NULL) {
        hn_conf_source_add_problem_at (self, HN_ERROR_CONFIG_SYNTAX, file, lineno,
                                       "%s: key outside of any group; a [group] must come first",
                                       key);
        ok = FALSE;
        continue;
      }
      full = g_strconcat (group, "\n", key, NULL);
      if (g_hash_table_lookup_extended (seen_keys, full, NULL, &first)) {
        hn_conf_source_add_problem_at (self, HN_ERROR_CONFIG_DUPLICATE, file, lineno,
                                       "[%s] %s: set twice in this file (first at line %u)", group,
                                       key, GPOINTER_TO_UINT (first));
        ok = FALSE;
        continue;
      }
      g_hash_table_insert (seen_keys, g_steal_pointer (&full), GUINT_TO_POINTER (lineno));
      entry.group = g_strdup (group);
      entry.key = g_steal_pointer (&key);
      entry.line = lineno;
      g_array_append_val (lines, entry);
    }
  }

  if (!ok)
    return NULL;
  return g_steal_pointer (&lines);
}

static HnConfGroup *
hn_conf_source_ensure_group (HnConfSource *self, const gchar *name, guint file, guint line)
{
  HnConfGroup *group = g_hash_table_lookup (self->group_by_name, name);

  if (group != NULL)
    return group;
  group = g_new0 (HnConfGroup, 1);
  group->where.name = g_strdup (name);
  group->where.file = file;
  group->where.line = line;
  group->keys = g_ptr_array_new_with_free_func ((GDestroyNotify) hn_conf_entry_free);
  group->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g_ptr_array_add (self->groups, group);
  g_ptr_array_add (self->group_names, group->where.name);
  g_hash_table_insert (self->group_by_name, group->where.name, group);
  return group;
}

/**
 * hn_conf_source_add_file:
 *
 * Reads @path and merges it over what was read before. A file that cannot
 * be read is an error; a syntax error is recorded as a problem (see
 * hn_conf_source_check()) and the file's contents are not merged.
 */
gboolean
hn_conf_source_add_file (HnConfSource *self, const gchar *path, GError **error)
{
  g_autofree gchar *contents = NULL;
  gsize length = 0;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GArray) lines = NULL;
  guint file;

  g_return_val_if_fail (HN_IS_CONF_SOURCE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_get_contents (path, &contents, &length, error)) {
    hn_error_convert (error);
    return FALSE;
  }

  file = self->files->len;
  g_ptr_array_add (self->files, g_strdup (path));

  if (!g_utf8_validate (contents, length, NULL)) {
    hn_conf_source_add_problem_at (self, HN_ERROR_CONFIG_SYNTAX, file, 0, "not valid UTF-8 text");
    return TRUE;
  }
  if (memchr (contents, '\0', length) != NULL) {
    hn_conf_source_add_problem_at (self, HN_ERROR_CONFIG_SYNTAX, file, 0,
                                   "contains a NUL byte; not a text file");
    return TRUE;
  }

  lines = hn_conf_source_scan (self, file, contents);
  if (lines == NULL)
    return TRUE;

  if (!g_key_file_load_from_data (kf, contents, length, G_KEY_FILE_NONE, &local_error)) {
    hn_conf_source_add_problem_at (self, HN_ERROR_CONFIG_SYNTAX, file, 0, "%s",
                                   local_error->message);
    return TRUE;
  }

  for (guint i = 0; i < lines->len; i++) {
    HnConfLine *l = &g_array_index (lines, HnConfLine, i);
    HnConfGroup *group = hn_conf_source_ensure_group (self, l->group, file, l->line);
    HnConfEntry *entry;
    g_autofree gchar *value = NULL;

    if (l->key == NULL)
      continue;
    value = g_key_file_get_value (kf, l->group, l->key, NULL);
    if (value == NULL)
      continue;
    entry = g_hash_table_lookup (group->by_name, l->key);
    if (entry == NULL) {
      entry = g_new0 (HnConfEntry, 1);
      entry->name = g_strdup (l->key);
      g_ptr_array_add (group->keys, entry);
      g_hash_table_insert (group->by_name, entry->name, entry);
    }
    entry->file = file;
    entry->line = l->line;
    g_key_file_set_value (self->merged, l->group, l->key, value);
  }
  return TRUE;
}

static gint
hn_conf_compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

/**
 * hn_conf_source_load:
 * @path: the main file
 * @dropin_dir: (nullable): a folder whose `*.conf` files are merged over
 *   @path in byte order of their names; a missing folder is no error
 *
 * Returns: %FALSE if a file could not be read
 */
gboolean
hn_conf_source_load (HnConfSource *self, const gchar *path, const gchar *dropin_dir, GError **error)
{
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GError) local_error = NULL;
  const gchar *name;

  g_return_val_if_fail (HN_IS_CONF_SOURCE (self), FALSE);

  if (!hn_conf_source_add_file (self, path, error))
    return FALSE;
  if (dropin_dir == NULL)
    return TRUE;

  dir = g_dir_open (dropin_dir, 0, &local_error);
  if (dir == NULL) {
    if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    g_propagate_error (error, g_steal_pointer (&local_error));
    hn_error_convert (error);
    return FALSE;
  }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL) {
    if (g_str_has_suffix (name, ".conf") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  }
  g_ptr_array_sort (names, hn_conf_compare_names);
  for (guint i = 0; i < names->len; i++) {
    g_autofree gchar *file = g_build_filename (dropin_dir, names->pdata[i], NULL);

    if (!hn_conf_source_add_file (self, file, error))
      return FALSE;
  }
  return TRUE;
}

/**
 * hn_conf_source_get_files:
 *
 * Returns: (transfer none): the files read, in the order they were merged
 */
const gchar *const *
hn_conf_source_get_files (HnConfSource *self)
{
  g_return_val_if_fail (HN_IS_CONF_SOURCE (self), NULL);
  return (const gchar *const *) self->files->pdata;
}

/**
 * hn_conf_source_get_groups:
 *
 * Returns: (transfer none): the group names in order of first appearance
 */
const gchar *const *
hn_conf_source_get_groups (HnConfSource *self)
{
  g_return_val_if_fail (HN_IS_CONF_SOURCE (self), NULL);
  return (const gchar *const *) self->group_names->pdata;
}

gboolean
hn_conf_source_has_group (HnConfSource *self, const gchar *group)
{
  g_return_val_if_fail (HN_IS_CONF_SOURCE (self), FALSE);
  return g_hash_table_contains (self->group_by_name, group);
}

/**
 * hn_conf_source_get_keys:
 *
 * Returns: (transfer container) (element-type utf8): the keys of @group in
 *   order of first appearance; empty for an unknown group
 */
GPtrArray *
hn_conf_source_get_keys (HnConfSource *self, const gchar *group)
{
  HnConfGroup *g;
  GPtrArray *keys = g_ptr_array_new ();

  g_return_val_if_fail (HN_IS_CONF_SOURCE (self), keys);

  g = g_hash_table_lookup (self->group_by_name, group);
  if (g == NULL)
    return keys;
  for (guint i = 0; i < g->keys->len; i++)
    g_ptr_array_add (keys, ((HnConfEntry *) g->keys->pdata[i])->name);
  return keys;
}

/**
 * hn_conf_source_get_key_file:
 *
 * Returns: (transfer none): the merged values, for typed reading
 */
GKeyFile *
hn_conf_source_get_key_file (HnConfSource *self)
{
  g_return_val_if_fail (HN_IS_CONF_SOURCE (self), NULL);
  return self->merged;
}

static void
hn_conf_source_locate (
    HnConfSource *self, const gchar *group, const gchar *key, guint *file, guint *line)
{
  HnConfGroup *g = group != NULL ? g_hash_table_lookup (self->group_by_name, group) : NULL;
  HnConfEntry *e = NULL;

  *file = self->files->len > 0 ? 0 : NO_FILE;
  *line = 0;
  if (g == NULL)
    return;
  if (key != NULL)
    e = g_hash_table_lookup (g->by_name, key);
  if (e == NULL)
    e = &g->where;
  *file = e->file;
  *line = e->line;
}

/**
 * hn_conf_source_describe_location:
 *
 * Returns: "FILE:LINE" of @key in @group (of the group's header when @key
 *   is %NULL or absent), or the main file's name when neither is known
 */
gchar *
hn_conf_source_describe_location (HnConfSource *self, const gchar *group, const gchar *key)
{
  guint file, line;

  g_return_val_if_fail (HN_IS_CONF_SOURCE (self), NULL);

  hn_conf_source_locate (self, group, key, &file, &line);
  if (file == NO_FILE)
    return g_strdup ("(no file)");
  if (line == 0)
    return g_strdup (self->files->pdata[file]);
  return g_strdup_printf ("%s:%u", (const gchar *) self->files->pdata[file], line);
}

/**
 * hn_conf_source_add_problem:
 * @group: (nullable): the group concerned
 * @key: (nullable): the key concerned
 *
 * Records a problem at the place @key (or else @group) was last set. The
 * message is prefixed with "[group] key: ".
 */
void
hn_conf_source_add_problem (HnConfSource *self,
                            HnError code,
                            const gchar *group,
                            const gchar *key,
                            const gchar *format,
                            ...)
{
  g_autofree gchar *message = NULL;
  g_autofree gchar *prefix = NULL;
  guint file, line;
  va_list args;

  g_return_if_fail (HN_IS_CONF_SOURCE (self));

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (group != NULL && key != NULL)
    prefix = g_strdup_printf ("[%s] %s: ", group, key);
  else if (group != NULL)
    prefix = g_strdup_printf ("[%s]: ", group);
  else
    prefix = g_strdup ("");

  hn_conf_source_locate (self, group, key, &file, &line);
  hn_conf_source_add_problem_at (self, code, file, line, "%s%s", prefix, message);
}

guint
hn_conf_source_get_n_problems (HnConfSource *self)
{
  g_return_val_if_fail (HN_IS_CONF_SOURCE (self), 0);
  return self->problems->len;
}

static gint
hn_conf_problem_compare (gconstpointer a, gconstpointer b)
{
  const HnConfProblem *pa = a;
  const HnConfProblem *pb = b;

  if (pa->file != pb->file)
    return pa->file < pb->file ? -1 : 1;
  if (pa->line != pb->line)
    return pa->line < pb->line ? -1 : 1;
  return pa->seq < pb->seq ? -1 : (pa->seq > pb->seq ? 1 : 0);
}

/**
 * hn_conf_source_check:
 *
 * Returns: %TRUE when no problem was recorded; otherwise %FALSE with
 *   @error holding every problem, one a line, in file and line order, and
 *   the code of the first
 */
gboolean
hn_conf_source_check (HnConfSource *self, GError **error)
{
  g_autoptr (GString) text = NULL;
  HnConfProblem *first;

  g_return_val_if_fail (HN_IS_CONF_SOURCE (self), FALSE);

  if (self->problems->len == 0)
    return TRUE;

  g_array_sort (self->problems, hn_conf_problem_compare);
  text = g_string_new (NULL);
  for (guint i = 0; i < self->problems->len; i++) {
    if (i > 0)
      g_string_append_c (text, '\n');
    g_string_append (text, g_array_index (self->problems, HnConfProblem, i).text);
  }
  first = &g_array_index (self->problems, HnConfProblem, 0);
  g_set_error_literal (error, HN_ERROR, first->code, text->str);
  return FALSE;
}

/**
 * hn_conf_source_check_keys:
 * @known: %NULL-terminated
 *
 * Records every key of @group that is not in @known, suggesting the
 * nearest known key for a likely typo ("adress" → "address").
 */
void
hn_conf_source_check_keys (HnConfSource *self, const gchar *group, const gchar *const *known)
{
  g_autoptr (GPtrArray) keys = NULL;

  g_return_if_fail (HN_IS_CONF_SOURCE (self));

  keys = hn_conf_source_get_keys (self, group);
  for (guint i = 0; i < keys->len; i++) {
    const gchar *key = keys->pdata[i];
    const gchar *hint;

    if (g_strv_contains (known, key))
      continue;
    hint = hn_util_suggest (key, known);
    if (hint != NULL)
      hn_conf_source_add_problem (self, HN_ERROR_CONFIG_UNKNOWN_KEY, group, key,
                                  "unknown key; did you mean '%s'?", hint);
    else
      hn_conf_source_add_problem (self, HN_ERROR_CONFIG_UNKNOWN_KEY, group, key, "unknown key");
  }
}

/**
 * hn_conf_source_get_string:
 * @present: (out) (optional): whether @key is set at all
 *
 * Returns: (nullable): the stripped value of @key in @group, or %NULL when
 *   it is not set; an empty or unreadable value is recorded as a problem
 *   and gives %NULL too
 */
gchar *
hn_conf_source_get_string (HnConfSource *self,
                           const gchar *group,
                           const gchar *key,
                           gboolean *present)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *value = NULL;
  gboolean has = g_key_file_has_key (self->merged, group, key, NULL);

  if (present != NULL)
    *present = has;
  if (!has)
    return NULL;
  value = g_key_file_get_string (self->merged, group, key, &error);
  if (value == NULL) {
    hn_conf_source_add_problem (self, HN_ERROR_CONFIG_INVALID_VALUE, group, key, "%s",
                                error->message);
    return NULL;
  }
  g_strstrip (value);
  if (*value == '\0') {
    hn_conf_source_add_problem (self, HN_ERROR_CONFIG_INVALID_VALUE, group, key, "empty value");
    return NULL;
  }
  return g_steal_pointer (&value);
}
