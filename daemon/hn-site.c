/* HnSite: one conference room of the network as the configuration
 * describes it (the hub itself, a department, a district or a commune).
 * Immutable: a reload builds new sites and compares them with
 * hn_site_equal() to find what changed. */

#include "hn-site.h"

#include <string.h>

struct _HnSite {
  GObject parent_instance;

  gchar *id;
  gchar *name;
  gchar *short_name;
  HnTier tier;
  gchar *code;
  gchar *district;
  gchar *address;
  HnMediaSettings media;
};

G_DEFINE_FINAL_TYPE (HnSite, hn_site, G_TYPE_OBJECT)

static const struct {
  const gchar *name;
  const gchar *plural;
} tier_names[] = {
  [HN_TIER_HUB] = { "hub", "hubs" },
  [HN_TIER_DEPARTMENT] = { "department", "departments" },
  [HN_TIER_DISTRICT] = { "district", "districts" },
  [HN_TIER_COMMUNE] = { "commune", "communes" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (tier_names) == HN_TIER_LAST);

const gchar *
hn_tier_to_string (HnTier tier)
{
  g_return_val_if_fail (tier < HN_TIER_LAST, NULL);
  return tier_names[tier].name;
}

const gchar *
hn_tier_to_plural (HnTier tier)
{
  g_return_val_if_fail (tier < HN_TIER_LAST, NULL);
  return tier_names[tier].plural;
}

gboolean
hn_tier_from_string (const gchar *str, HnTier *tier)
{
  g_return_val_if_fail (str != NULL, FALSE);

  for (guint i = 0; i < HN_TIER_LAST; i++) {
    if (g_strcmp0 (str, tier_names[i].name) == 0) {
      if (tier != NULL)
        *tier = i;
      return TRUE;
    }
  }
  return FALSE;
}

/**
 * hn_site_id_is_valid:
 *
 * Site ids appear in URLs, unit names (hoinghi-meeting@…) and journal
 * fields, so they are kept to lowercase ASCII letters, digits and '-',
 * start with a letter, do not end with '-', and are at most 63 long.
 */
gboolean
hn_site_id_is_valid (const gchar *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;
  len = strlen (id);
  if (len == 0 || len > 63)
    return FALSE;
  if (!g_ascii_islower (id[0]) || id[len - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_islower (id[i]) && !g_ascii_isdigit (id[i]) && id[i] != '-')
      return FALSE;
  }
  return TRUE;
}

static void
hn_site_finalize (GObject *object)
{
  HnSite *self = HN_SITE (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->short_name);
  g_free (self->code);
  g_free (self->district);
  g_free (self->address);

  G_OBJECT_CLASS (hn_site_parent_class)->finalize (object);
}

static void
hn_site_class_init (HnSiteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_site_finalize;
}

static void
hn_site_init (HnSite *self)
{
}

/**
 * hn_site_new:
 * @short_name: (nullable): defaults to @name
 * @code: (nullable): GSO administrative code
 * @district: (nullable): id of the parent district (communes only)
 */
HnSite *
hn_site_new (const gchar *id,
             const gchar *name,
             const gchar *short_name,
             HnTier tier,
             const gchar *code,
             const gchar *district,
             const gchar *address,
             const HnMediaSettings *media)
{
  HnSite *self;

  g_return_val_if_fail (hn_site_id_is_valid (id), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (tier < HN_TIER_LAST, NULL);
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (media != NULL, NULL);

  self = g_object_new (HN_TYPE_SITE, NULL);
  self->id = g_strdup (id);
  self->name = g_strdup (name);
  self->short_name = g_strdup (short_name != NULL ? short_name : name);
  self->tier = tier;
  self->code = g_strdup (code);
  self->district = g_strdup (district);
  self->address = g_strdup (address);
  self->media = *media;
  return self;
}

const gchar *
hn_site_get_id (HnSite *self)
{
  g_return_val_if_fail (HN_IS_SITE (self), NULL);
  return self->id;
}

const gchar *
hn_site_get_name (HnSite *self)
{
  g_return_val_if_fail (HN_IS_SITE (self), NULL);
  return self->name;
}

const gchar *
hn_site_get_short_name (HnSite *self)
{
  g_return_val_if_fail (HN_IS_SITE (self), NULL);
  return self->short_name;
}

HnTier
hn_site_get_tier (HnSite *self)
{
  g_return_val_if_fail (HN_IS_SITE (self), HN_TIER_COMMUNE);
  return self->tier;
}

const gchar *
hn_site_get_code (HnSite *self)
{
  g_return_val_if_fail (HN_IS_SITE (self), NULL);
  return self->code;
}

const gchar *
hn_site_get_district (HnSite *self)
{
  g_return_val_if_fail (HN_IS_SITE (self), NULL);
  return self->district;
}

const gchar *
hn_site_get_address (HnSite *self)
{
  g_return_val_if_fail (HN_IS_SITE (self), NULL);
  return self->address;
}

const HnMediaSettings *
hn_site_get_media (HnSite *self)
{
  g_return_val_if_fail (HN_IS_SITE (self), NULL);
  return &self->media;
}

/**
 * hn_site_equal:
 *
 * Returns: %TRUE when @a and @b describe the same room the same way
 */
gboolean
hn_site_equal (HnSite *a, HnSite *b)
{
  g_return_val_if_fail (HN_IS_SITE (a), FALSE);
  g_return_val_if_fail (HN_IS_SITE (b), FALSE);

  return g_str_equal (a->id, b->id) && g_str_equal (a->name, b->name) &&
         g_str_equal (a->short_name, b->short_name) && a->tier == b->tier &&
         g_strcmp0 (a->code, b->code) == 0 && g_strcmp0 (a->district, b->district) == 0 &&
         g_str_equal (a->address, b->address) &&
         memcmp (&a->media, &b->media, sizeof (HnMediaSettings)) == 0;
}

/**
 * hn_site_to_json:
 *
 * Returns: (transfer full): the site as the API shows it
 */
JsonNode *
hn_site_to_json (HnSite *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree gchar *size = NULL;

  g_return_val_if_fail (HN_IS_SITE (self), NULL);

  size = g_strdup_printf ("%ux%u", self->media.video_width, self->media.video_height);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, self->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, self->name);
  json_builder_set_member_name (b, "short-name");
  json_builder_add_string_value (b, self->short_name);
  json_builder_set_member_name (b, "tier");
  json_builder_add_string_value (b, hn_tier_to_string (self->tier));
  json_builder_set_member_name (b, "code");
  if (self->code != NULL)
    json_builder_add_string_value (b, self->code);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "district");
  if (self->district != NULL)
    json_builder_add_string_value (b, self->district);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "address");
  json_builder_add_string_value (b, self->address);
  json_builder_set_member_name (b, "media");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "media-port");
  json_builder_add_int_value (b, self->media.media_port);
  json_builder_set_member_name (b, "video-size");
  json_builder_add_string_value (b, size);
  json_builder_set_member_name (b, "video-framerate");
  json_builder_add_int_value (b, self->media.video_framerate);
  json_builder_set_member_name (b, "video-bitrate");
  json_builder_add_int_value (b, self->media.video_bitrate);
  json_builder_set_member_name (b, "audio-bitrate");
  json_builder_add_int_value (b, self->media.audio_bitrate);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
