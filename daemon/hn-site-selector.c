/* Site selectors: how operators, meetings.conf and the API name the
 * participants of a meeting without listing 147 ids, e.g.
 * "tier:commune,!district:huyen-tam-dao" or "all,!xa-dao-tru".
 *
 * A selector is resolved against one HnConfig into sites in configuration
 * order. The hub is never selected: it chairs every meeting and is not a
 * participant, so naming it is an error that says so rather than a silent
 * no-op that leaves the operator wondering. */

#define G_LOG_DOMAIN "hoinghi-meeting"

#include "hn-site-selector.h"

#include <string.h>

#include "hn-error.h"
#include "hn-util.h"

#define TIER_PREFIX "tier:"
#define DISTRICT_PREFIX "district:"
#define GRAMMAR "all, tier:T, district:D, a site id or !TERM"

static const gchar *const selectable_tiers[] = { "department", "district", "commune", NULL };
static const gchar *const term_kinds[] = { "tier", "district", NULL };

static gboolean
hn_site_selector_add_tier (
    HnConfig *config, const gchar *term, const gchar *value, GHashTable *set, GError **error)
{
  GPtrArray *sites = hn_config_get_sites (config);
  HnTier tier;

  if (*value == '\0') {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "'%s' names no tier; expected department, district or commune", term);
    return FALSE;
  }
  if (!hn_tier_from_string (value, &tier)) {
    const gchar *hint = hn_util_suggest (value, selectable_tiers);

    if (hint != NULL)
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "unknown tier '%s' in '%s'; did you mean '%s'?", value, term, hint);
    else
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "unknown tier '%s' in '%s'; expected department, district or commune", value,
                   term);
    return FALSE;
  }
  if (tier == HN_TIER_HUB) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "'%s': the hub chairs every meeting and is never a participant", term);
    return FALSE;
  }

  for (guint i = 0; i < sites->len; i++) {
    if (hn_site_get_tier (sites->pdata[i]) == tier)
      g_hash_table_add (set, sites->pdata[i]);
  }
  return TRUE;
}

static gboolean
hn_site_selector_add_district (
    HnConfig *config, const gchar *term, const gchar *value, GHashTable *set, GError **error)
{
  GPtrArray *sites = hn_config_get_sites (config);
  HnSite *district;
  const gchar *district_id;

  if (*value == '\0') {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "'%s' names no district; expected a district id or GSO code", term);
    return FALSE;
  }
  district = hn_config_lookup_district (config, value);
  if (district == NULL) {
    HnSite *other = hn_config_get_site (config, value);
    g_autoptr (GPtrArray) ids = NULL;
    const gchar *hint;

    if (other != NULL) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "'%s' in '%s' is a %s, not a district", value, term,
                   hn_tier_to_string (hn_site_get_tier (other)));
      return FALSE;
    }
    ids = g_ptr_array_new_null_terminated (16, NULL, TRUE);
    for (guint i = 0; i < sites->len; i++) {
      if (hn_site_get_tier (sites->pdata[i]) == HN_TIER_DISTRICT)
        g_ptr_array_add (ids, (gpointer) hn_site_get_id (sites->pdata[i]));
    }
    hint = hn_util_suggest (value, (const gchar *const *) ids->pdata);
    if (hint != NULL)
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "unknown district '%s' in '%s'; did you mean '%s'?", value, term, hint);
    else
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "unknown district '%s' in '%s'; expected a district id or GSO code", value,
                   term);
    return FALSE;
  }

  /* the district's own room and its communes */
  district_id = hn_site_get_id (district);
  for (guint i = 0; i < sites->len; i++) {
    HnSite *site = sites->pdata[i];

    if (site == district || g_strcmp0 (hn_site_get_district (site), district_id) == 0)
      g_hash_table_add (set, site);
  }
  return TRUE;
}

static gboolean
hn_site_selector_add_site (HnConfig *config, const gchar *term, GHashTable *set, GError **error)
{
  HnSite *site = hn_config_get_site (config, term);

  if (site == NULL) {
    GPtrArray *sites = hn_config_get_sites (config);
    g_autoptr (GPtrArray) ids = g_ptr_array_new_null_terminated (sites->len, NULL, TRUE);
    const gchar *hint;

    for (guint i = 0; i < sites->len; i++)
      g_ptr_array_add (ids, (gpointer) hn_site_get_id (sites->pdata[i]));
    hint = hn_util_suggest (term, (const gchar *const *) ids->pdata);
    if (hint != NULL)
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "unknown site '%s'; did you mean '%s'?", term, hint);
    else
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "unknown site '%s'", term);
    return FALSE;
  }
  if (hn_site_get_tier (site) == HN_TIER_HUB) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "'%s' is the hub, which chairs every meeting and is never a participant", term);
    return FALSE;
  }
  g_hash_table_add (set, site);
  return TRUE;
}

/* Adds to @set the sites that @term (not negated, not empty) selects. */
static gboolean
hn_site_selector_add_term (HnConfig *config, const gchar *term, GHashTable *set, GError **error)
{
  const gchar *colon;

  if (g_str_equal (term, "all")) {
    GPtrArray *sites = hn_config_get_sites (config);

    for (guint i = 0; i < sites->len; i++) {
      if (hn_site_get_tier (sites->pdata[i]) != HN_TIER_HUB)
        g_hash_table_add (set, sites->pdata[i]);
    }
    return TRUE;
  }
  if (g_str_has_prefix (term, TIER_PREFIX))
    return hn_site_selector_add_tier (config, term, term + strlen (TIER_PREFIX), set, error);
  if (g_str_has_prefix (term, DISTRICT_PREFIX))
    return hn_site_selector_add_district (config, term, term + strlen (DISTRICT_PREFIX), set,
                                          error);

  /* site ids have no ':', so this is a misspelt kind of term */
  colon = strchr (term, ':');
  if (colon != NULL) {
    g_autofree gchar *kind = g_strndup (term, colon - term);
    const gchar *hint = hn_util_suggest (kind, term_kinds);

    if (hint != NULL)
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "unknown kind of term '%s:' in '%s'; did you mean '%s:'?", kind, term, hint);
    else
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "unknown kind of term '%s:' in '%s'; expected " GRAMMAR, kind, term);
    return FALSE;
  }
  return hn_site_selector_add_site (config, term, set, error);
}

/**
 * hn_site_selector_resolve:
 * @selector: comma-separated terms: `all` (every site but the hub),
 *   `tier:T` (department, district or commune), `district:D` (a district
 *   by id or GSO code: its room and its communes), a site id, or `!TERM`
 *   to exclude what TERM selects. Exclusions apply after every inclusion,
 *   wherever they stand. Whitespace around terms is ignored.
 *
 * Naming the hub (`tier:hub`, its id, also after `!`) is an error, as is a
 * selector that selects no site.
 *
 * Returns: (transfer container) (element-type HnSite): the selected sites
 *   in configuration order, each with a reference held, or %NULL with
 *   @error set (%HN_ERROR_INVALID_ARGUMENT, naming the offending term)
 */
GPtrArray *
hn_site_selector_resolve (const gchar *selector, HnConfig *config, GError **error)
{
  g_autoptr (GHashTable) included = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) excluded = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) result = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto (GStrv) terms = NULL;
  GPtrArray *sites;
  gboolean has_inclusion = FALSE;

  g_return_val_if_fail (selector != NULL, NULL);
  g_return_val_if_fail (HN_IS_CONFIG (config), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  terms = g_strsplit (selector, ",", -1);
  if (terms[0] == NULL || (terms[1] == NULL && *g_strstrip (terms[0]) == '\0')) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "empty selector; expected " GRAMMAR ", separated by commas");
    return NULL;
  }

  for (guint i = 0; terms[i] != NULL; i++) {
    gchar *term = g_strstrip (terms[i]);

    if (*term == '\0') {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "selector '%s' has an empty term (term %u)", selector, i + 1);
      return NULL;
    }
    if (*term == '!') {
      gchar *inner = g_strstrip (term + 1);

      if (*inner == '\0') {
        g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                     "'!' in selector '%s' excludes nothing; write !TERM", selector);
        return NULL;
      }
      if (*inner == '!') {
        g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                     "'!%s': a term can be excluded only once", inner);
        return NULL;
      }
      if (!hn_site_selector_add_term (config, inner, excluded, error))
        return NULL;
    } else {
      has_inclusion = TRUE;
      if (!hn_site_selector_add_term (config, term, included, error))
        return NULL;
    }
  }

  sites = hn_config_get_sites (config);
  for (guint i = 0; i < sites->len; i++) {
    HnSite *site = sites->pdata[i];

    if (g_hash_table_contains (included, site) && !g_hash_table_contains (excluded, site))
      g_ptr_array_add (result, g_object_ref (site));
  }

  if (result->len == 0) {
    g_set_error (
        error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "selector '%s' selects no site%s", selector,
        has_inclusion ? "" : "; it only excludes (start with what to include, e.g. all,!TERM)");
    return NULL;
  }
  return g_steal_pointer (&result);
}
