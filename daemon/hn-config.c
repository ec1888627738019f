/* HnConfig: the network's inventory (sites.conf and its drop-ins) as an
 * immutable, validated description: the hub's own settings and every site.
 *
 * Loading checks everything an operator can get wrong and reports all of
 * it at once, each problem with its file and line: syntax, unknown groups
 * and keys (with a suggestion), missing keys, bad values, ids, tiers,
 * parents, the single hub, addresses and port collisions. A daemon keeps
 * its running HnConfig until a new one loads without a single problem.
 *
 * [health] holds the MOS thresholds that class a link's quality;
 * [health department], [health district] and [health commune] override
 * some of them for one tier and inherit the rest from [health].
 *
 * [api] opens the API on TCP besides the local socket: listen=HOST:PORT
 * with a bearer token from token-file= (checked by the daemon when it
 * starts, as the file may change without the configuration changing),
 * open-monitoring= to let /health and /metrics answer without it, and
 * tls-certificate=/tls-key= for HTTPS. Relative file names are taken from
 * the folder of the main file. */

#define G_LOG_DOMAIN "hoinghi-config"

#include "hn-config.h"

#include <gio/gio.h>

#include "hn-conf-source.h"
#include "hn-util.h"

struct _HnConfig {
  GObject parent_instance;

  gchar *path;
  GStrv files;
  gchar *listen_address;
  guint control_port;
  guint media_port;
  HnProgramFormat program;
  guint loss_window;
  GPtrArray *sites;       /* of HnSite, file order */
  GHashTable *site_by_id; /* id -> HnSite (owned by sites) */
  HnSite *hub;
  guint tier_count[HN_TIER_LAST];
  HnQualityThresholds health[HN_TIER_LAST];
  gchar *api_host; /* NULL: no TCP listener */
  guint api_port;
  gchar *api_token_file;
  gboolean api_open_monitoring;
  gchar *api_tls_certificate;
  gchar *api_tls_key;
  gchar *control_tls_certificate;
  gchar *control_tls_key;
  gboolean insecure;
};

G_DEFINE_FINAL_TYPE (HnConfig, hn_config, G_TYPE_OBJECT)

#define SITE_PREFIX "site "
#define HEALTH_PREFIX "health "

static const gchar *const hub_keys[] = { "listen-address",    "control-port",
                                         "media-port",        "program-size",
                                         "program-framerate", "program-video-bitrate",
                                         "loss-window",       "program-audio-bitrate",
                                         "tls-certificate",   "tls-key",
                                         "insecure",          NULL };
static const gchar *const defaults_keys[] = { "media-port",    "video-size",    "video-framerate",
                                              "video-bitrate", "audio-bitrate", NULL };
static const gchar *const site_keys[] = { "name",          "short-name",    "tier",
                                          "code",          "district",      "address",
                                          "media-port",    "video-size",    "video-framerate",
                                          "video-bitrate", "audio-bitrate", NULL };
static const gchar *const health_keys[] = { "mos-good", "mos-ok", "mos-bad", NULL };
static const gchar *const api_keys[] = { "listen",          "token-file", "open-monitoring",
                                         "tls-certificate", "tls-key",    NULL };
static const gchar *const group_names[] = { "hub", "defaults", "health", "site", "api", NULL };

static const HnMediaSettings builtin_media = {
  .media_port = 5004,
  .video_width = 640,
  .video_height = 360,
  .video_framerate = 25,
  .video_bitrate = 600,
  .audio_bitrate = 32,
};

static void
hn_config_finalize (GObject *object)
{
  HnConfig *self = HN_CONFIG (object);

  g_free (self->path);
  g_free (self->listen_address);
  g_free (self->api_host);
  g_free (self->api_token_file);
  g_free (self->api_tls_certificate);
  g_free (self->api_tls_key);
  g_free (self->control_tls_certificate);
  g_free (self->control_tls_key);
  g_strfreev (self->files);
  g_hash_table_unref (self->site_by_id);
  g_ptr_array_unref (self->sites);

  G_OBJECT_CLASS (hn_config_parent_class)->finalize (object);
}

static void
hn_config_class_init (HnConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_config_finalize;
}

static void
hn_config_init (HnConfig *self)
{
  self->sites = g_ptr_array_new_with_free_func (g_object_unref);
  self->site_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->listen_address = g_strdup ("0.0.0.0");
  self->control_port = 8443;
  self->media_port = 5000;
  self->program.width = 1280;
  self->program.height = 720;
  self->program.framerate = 25;
  self->program.video_bitrate = 1500;
  self->program.audio_bitrate = 64;
  self->loss_window = 15;
  for (guint t = 0; t < HN_TIER_LAST; t++) {
    self->health[t].good_mos = HN_QUALITY_DEFAULT_GOOD_MOS;
    self->health[t].ok_mos = HN_QUALITY_DEFAULT_OK_MOS;
    self->health[t].bad_mos = HN_QUALITY_DEFAULT_BAD_MOS;
  }
}

/* Loader state: the merged source and what was read so far. */
typedef struct {
  HnConfSource *src;
  GKeyFile *kf;
} HnConfigLoader;

static void
hn_config_check_keys (HnConfigLoader *ld, const gchar *group, const gchar *const *known)
{
  hn_conf_source_check_keys (ld->src, group, known);
}

/* Returns the value of @key in @group, or NULL when it is not set; an
 * empty or unreadable value is recorded as a problem and gives NULL too. */
static gchar *
hn_config_get_string (HnConfigLoader *ld, const gchar *group, const gchar *key, gboolean *present)
{
  return hn_conf_source_get_string (ld->src, group, key, present);
}

static gchar *
hn_config_require_string (HnConfigLoader *ld, const gchar *group, const gchar *key)
{
  gboolean present;
  gchar *value = hn_config_get_string (ld, group, key, &present);

  if (!present)
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_MISSING_KEY, group, NULL,
                                "required key '%s' is missing", key);
  return value;
}

static void
hn_config_read_uint (
    HnConfigLoader *ld, const gchar *group, const gchar *key, guint min, guint max, guint *out)
{
  gboolean present;
  g_autofree gchar *value = hn_config_get_string (ld, group, key, &present);

  if (value == NULL)
    return;
  if (!hn_util_parse_uint (value, min, max, out))
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, key,
                                "'%s' is not a whole number from %u to %u", value, min, max);
}

/* "640x360": even numbers, 16..3840 by 16..2160 */
static gboolean
hn_config_parse_size (const gchar *text, guint *width, guint *height)
{
  g_auto (GStrv) wh = g_strsplit (text, "x", -1);
  guint w = 0, h = 0;

  if (g_strv_length (wh) != 2 || !hn_util_parse_uint (wh[0], 16, 3840, &w) ||
      !hn_util_parse_uint (wh[1], 16, 2160, &h) || w % 2 != 0 || h % 2 != 0)
    return FALSE;
  *width = w;
  *height = h;
  return TRUE;
}

static void
hn_config_read_media (HnConfigLoader *ld, const gchar *group, HnMediaSettings *media)
{
  gboolean present;
  g_autofree gchar *size = NULL;

  hn_config_read_uint (ld, group, "media-port", 1, 65532, &media->media_port);
  hn_config_read_uint (ld, group, "video-framerate", 1, 60, &media->video_framerate);
  hn_config_read_uint (ld, group, "video-bitrate", 64, 20000, &media->video_bitrate);
  hn_config_read_uint (ld, group, "audio-bitrate", 6, 510, &media->audio_bitrate);

  size = hn_config_get_string (ld, group, "video-size", &present);
  if (size != NULL && !hn_config_parse_size (size, &media->video_width, &media->video_height))
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "video-size",
                                "'%s' is not WIDTHxHEIGHT with even numbers, "
                                "16..3840 by 16..2160 (e.g. 640x360)",
                                size);
}

static gboolean
hn_config_code_is_valid (const gchar *code, gsize digits)
{
  if (strlen (code) != digits)
    return FALSE;
  for (gsize i = 0; i < digits; i++) {
    if (!g_ascii_isdigit (code[i]))
      return FALSE;
  }
  return TRUE;
}

/* A site as read, before the cross-checks. */
typedef struct {
  gchar *group;
  gchar *id;
  gchar *name;
  gchar *short_name;
  gboolean tier_ok;
  HnTier tier;
  gchar *code;
  gchar *district;
  gchar *address; /* normalised */
  HnMediaSettings media;
} HnSiteDraft;

static void
hn_site_draft_free (HnSiteDraft *d)
{
  g_free (d->group);
  g_free (d->id);
  g_free (d->name);
  g_free (d->short_name);
  g_free (d->code);
  g_free (d->district);
  g_free (d->address);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnSiteDraft, hn_site_draft_free)

static HnSiteDraft *
hn_config_read_site (HnConfigLoader *ld, const gchar *group, const HnMediaSettings *defaults)
{
  g_autoptr (HnSiteDraft) d = g_new0 (HnSiteDraft, 1);
  g_autofree gchar *tier = NULL;
  g_autofree gchar *address = NULL;
  gboolean present;
  const gchar *const tiers[] = { "hub", "department", "district", "commune", NULL };

  d->group = g_strdup (group);
  d->id = g_strdup (group + strlen (SITE_PREFIX));
  g_strstrip (d->id);
  if (!hn_site_id_is_valid (d->id)) {
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_ID, group, NULL,
                                "invalid site id '%s': use lowercase ASCII letters, digits and "
                                "'-', starting with a letter, not ending with '-', "
                                "at most 63 characters",
                                d->id);
    return NULL;
  }
  hn_config_check_keys (ld, group, site_keys);

  d->name = hn_config_require_string (ld, group, "name");
  d->short_name = hn_config_get_string (ld, group, "short-name", &present);
  tier = hn_config_require_string (ld, group, "tier");
  if (tier != NULL) {
    d->tier_ok = hn_tier_from_string (tier, &d->tier);
    if (!d->tier_ok) {
      const gchar *hint = hn_util_suggest (tier, tiers);

      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_UNKNOWN_TIER, group, "tier",
                                  "unknown tier '%s'%s%s%s; expected hub, department, district "
                                  "or commune",
                                  tier, hint != NULL ? " (did you mean '" : "",
                                  hint != NULL ? hint : "", hint != NULL ? "'?)" : "");
    }
  }

  d->code = hn_config_get_string (ld, group, "code", &present);
  if (d->tier_ok) {
    gsize digits = d->tier == HN_TIER_DISTRICT ? 3 : d->tier == HN_TIER_COMMUNE ? 5 : 0;

    if (digits > 0 && !present)
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_MISSING_KEY, group, NULL,
                                  "required key 'code' is missing (the GSO code of a %s)",
                                  hn_tier_to_string (d->tier));
    else if (digits > 0 && d->code != NULL && !hn_config_code_is_valid (d->code, digits))
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "code",
                                  "'%s' is not a GSO %s code (%" G_GSIZE_FORMAT " digits)", d->code,
                                  hn_tier_to_string (d->tier), digits);
  }

  d->district = hn_config_get_string (ld, group, "district", &present);
  if (d->tier_ok && d->tier == HN_TIER_COMMUNE && !present)
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_MISSING_KEY, group, NULL,
                                "required key 'district' is missing (the id of the commune's "
                                "district)");
  else if (d->tier_ok && d->tier != HN_TIER_COMMUNE && present)
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_BAD_PARENT, group, "district",
                                "only communes have a parent district; a %s has none",
                                hn_tier_to_string (d->tier));

  address = hn_config_require_string (ld, group, "address");
  if (address != NULL) {
    g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);

    if (inet == NULL)
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_ADDRESS, group, "address",
                                  "'%s' is not an IPv4 or IPv6 address", address);
    else if (g_inet_address_get_is_any (inet) || g_inet_address_get_is_multicast (inet))
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_ADDRESS, group, "address",
                                  "'%s' is not the address of one host", address);
    else
      d->address = g_inet_address_to_string (inet);
  }

  d->media = *defaults;
  hn_config_read_media (ld, group, &d->media);
  return g_steal_pointer (&d);
}

/* A port in use on the hub's host, to find two uses of one number. */
typedef struct {
  guint port;
  const gchar *group;
  const gchar *key;
  const gchar *what;
} HnPortUse;

static void
hn_config_check_ports (HnConfigLoader *ld, guint control_port, guint media_port, HnSiteDraft *hub)
{
  g_autoptr (GArray) uses = g_array_new (FALSE, FALSE, sizeof (HnPortUse));
  HnPortUse use;

  /* a port of 0 is "any free port" and collides with nothing */
  if (control_port != 0) {
    use = (HnPortUse){ control_port, "hub", "control-port", "control channel, TCP" };
    g_array_append_val (uses, use);
  }
  if (media_port != 0) {
    use = (HnPortUse){ media_port, "hub", "media-port", "return media RTP" };
    g_array_append_val (uses, use);
    use = (HnPortUse){ media_port + 1, "hub", "media-port", "return media RTCP" };
    g_array_append_val (uses, use);
  }
  if (hub != NULL) {
    const gchar *key =
        g_key_file_has_key (ld->kf, hub->group, "media-port", NULL) ? "media-port" : NULL;
    const gchar *whats[] = { "video RTP", "video RTCP", "audio RTP", "audio RTCP" };

    for (guint i = 0; i < 4; i++) {
      use = (HnPortUse){ hub->media.media_port + i, hub->group, key, whats[i] };
      g_array_append_val (uses, use);
    }
  }

  for (guint i = 0; i < uses->len; i++) {
    HnPortUse *a = &g_array_index (uses, HnPortUse, i);

    for (guint j = 0; j < i; j++) {
      HnPortUse *b = &g_array_index (uses, HnPortUse, j);
      g_autofree gchar *where = NULL;

      if (a->port != b->port || (a->group == b->group && a->key == b->key))
        continue;
      where = hn_conf_source_describe_location (ld->src, b->group, b->key);
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_PORT_COLLISION, a->group, a->key,
                                  "port %u (%s) is already used on the hub by [%s] %s (%s) at %s",
                                  a->port, a->what, b->group, b->key != NULL ? b->key : "", b->what,
                                  where);
      break;
    }
  }
}

static void
hn_config_cross_check (HnConfigLoader *ld, GPtrArray *drafts, HnConfig *self)
{
  g_autoptr (GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) by_address = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) by_code = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) hubs = g_ptr_array_new ();

  for (guint i = 0; i < drafts->len; i++) {
    HnSiteDraft *d = drafts->pdata[i];
    HnSiteDraft *other;

    /* "[site x]" and "[site  x]" are different groups but the same id */
    other = g_hash_table_lookup (by_id, d->id);
    if (other != NULL) {
      g_autofree gchar *where = hn_conf_source_describe_location (ld->src, other->group, NULL);

      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_DUPLICATE, d->group, NULL,
                                  "site id '%s' is already defined at %s", d->id, where);
    } else {
      g_hash_table_insert (by_id, d->id, d);
    }

    if (d->address != NULL) {
      other = g_hash_table_lookup (by_address, d->address);
      if (other != NULL) {
        g_autofree gchar *where =
            hn_conf_source_describe_location (ld->src, other->group, "address");

        hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_DUPLICATE_ADDRESS, d->group, "address",
                                    "%s is already the address of [%s] at %s", d->address,
                                    other->group, where);
      } else {
        g_hash_table_insert (by_address, d->address, d);
      }
    }

    if (d->code != NULL && d->tier_ok) {
      other = g_hash_table_lookup (by_code, d->code);
      if (other != NULL) {
        g_autofree gchar *where = hn_conf_source_describe_location (ld->src, other->group, "code");

        hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_DUPLICATE, d->group, "code",
                                    "GSO code %s is already the code of [%s] at %s", d->code,
                                    other->group, where);
      } else {
        g_hash_table_insert (by_code, d->code, d);
      }
    }

    if (d->tier_ok && d->tier == HN_TIER_HUB)
      g_ptr_array_add (hubs, d);
  }

  for (guint i = 0; i < drafts->len; i++) {
    HnSiteDraft *d = drafts->pdata[i];
    HnSiteDraft *parent;

    if (d->district == NULL || !d->tier_ok || d->tier != HN_TIER_COMMUNE)
      continue;
    parent = g_hash_table_lookup (by_id, d->district);
    if (parent == NULL) {
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_BAD_PARENT, d->group, "district",
                                  "no site '%s' is defined; a commune's district must be the id "
                                  "of a site with tier=district",
                                  d->district);
    } else if (!parent->tier_ok || parent->tier != HN_TIER_DISTRICT) {
      g_autofree gchar *where = hn_conf_source_describe_location (ld->src, parent->group, "tier");

      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_BAD_PARENT, d->group, "district",
                                  "'%s' is not a district (it has tier=%s at %s)", d->district,
                                  parent->tier_ok ? hn_tier_to_string (parent->tier) : "?", where);
    }
  }

  if (hubs->len != 1) {
    g_autoptr (GString) list = g_string_new (NULL);

    for (guint i = 0; i < hubs->len; i++) {
      HnSiteDraft *d = hubs->pdata[i];
      g_autofree gchar *where = hn_conf_source_describe_location (ld->src, d->group, "tier");

      g_string_append_printf (list, "%s[%s] at %s", i > 0 ? ", " : ": ", d->group, where);
    }
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_HUB_COUNT, NULL, NULL,
                                "exactly one site must have tier=hub; found %u%s", hubs->len,
                                list->str);
  }

  hn_config_check_ports (ld, self->control_port, self->media_port,
                         hubs->len == 1 ? hubs->pdata[0] : NULL);
}

static gchar *
hn_config_get_file_name (HnConfigLoader *ld, const gchar *group, const gchar *key, const gchar *dir)
{
  gboolean present;
  g_autofree gchar *value = hn_config_get_string (ld, group, key, &present);

  if (value == NULL)
    return NULL;
  return g_canonicalize_filename (value, dir);
}

/* The control channel's TLS: a certificate and its key, or insecure=true
 * (plain ws, plain RTP) for a lab; which of the two is missing is told when
 * the hub starts (hn_hub_new()), so that --check-config of an inventory
 * still passes on a machine without the files */
static void
hn_config_read_hub_tls (HnConfigLoader *ld, const gchar *group, const gchar *dir, HnConfig *self)
{
  gboolean present;
  g_autofree gchar *insecure = hn_config_get_string (ld, group, "insecure", &present);

  g_free (self->control_tls_certificate);
  self->control_tls_certificate = hn_config_get_file_name (ld, group, "tls-certificate", dir);
  g_free (self->control_tls_key);
  self->control_tls_key = hn_config_get_file_name (ld, group, "tls-key", dir);
  if (g_key_file_has_key (ld->kf, group, "tls-certificate", NULL) !=
      g_key_file_has_key (ld->kf, group, "tls-key", NULL))
    hn_conf_source_add_problem (
        ld->src, HN_ERROR_CONFIG_MISSING_KEY, group, NULL,
        "tls-certificate and tls-key go together; '%s' is missing",
        g_key_file_has_key (ld->kf, group, "tls-key", NULL) ? "tls-certificate" : "tls-key");
  if (insecure == NULL)
    return;
  if (g_str_equal (insecure, "true"))
    self->insecure = TRUE;
  else if (g_str_equal (insecure, "false"))
    self->insecure = FALSE;
  else
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "insecure",
                                "'%s' is not true or false", insecure);
  if (self->insecure && g_key_file_has_key (ld->kf, group, "tls-certificate", NULL))
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "insecure",
                                "insecure=true (plain ws and RTP) and tls-certificate= "
                                "contradict each other; keep one");
}

static void
hn_config_read_hub (HnConfigLoader *ld, const gchar *group, const gchar *dir, HnConfig *self)
{
  gboolean present;
  g_autofree gchar *address = hn_config_get_string (ld, group, "listen-address", &present);
  g_autofree gchar *size = hn_config_get_string (ld, group, "program-size", &present);

  if (address != NULL) {
    g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);

    if (inet == NULL)
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_ADDRESS, group, "listen-address",
                                  "'%s' is not an IPv4 or IPv6 address", address);
    else {
      g_free (self->listen_address);
      self->listen_address = g_steal_pointer (&address);
    }
  }
  /* 0: any free port, for tests and labs (the API tells which) */
  hn_config_read_uint (ld, group, "control-port", 0, 65535, &self->control_port);
  hn_config_read_uint (ld, group, "media-port", 0, 65534, &self->media_port);
  if (size != NULL && !hn_config_parse_size (size, &self->program.width, &self->program.height))
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "program-size",
                                "'%s' is not WIDTHxHEIGHT with even numbers, "
                                "16..3840 by 16..2160 (e.g. 1280x720)",
                                size);
  hn_config_read_uint (ld, group, "program-framerate", 1, 60, &self->program.framerate);
  hn_config_read_uint (ld, group, "program-video-bitrate", 64, 20000, &self->program.video_bitrate);
  hn_config_read_uint (ld, group, "program-audio-bitrate", 6, 510, &self->program.audio_bitrate);
  hn_config_read_uint (ld, group, "loss-window", 5, 120, &self->loss_window);
  hn_config_read_hub_tls (ld, group, dir, self);
}

/* A health group's thresholds as read: each value as written (for the
 * messages) and the group it came from (NULL: the built-in default). */
typedef struct {
  gdouble mos[3]; /* good, ok, bad: the order of health_keys */
  gchar *text[3];
  const gchar *from[3];
  gboolean ok; /* every value it sets is valid */
} HnHealthDraft;

static void
hn_health_draft_clear (HnHealthDraft *d)
{
  for (guint i = 0; i < 3; i++)
    g_clear_pointer (&d->text[i], g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HnHealthDraft, hn_health_draft_clear)

/* "3.6": digits, optionally a point and more digits; nothing else */
static gboolean
hn_config_parse_decimal (const gchar *text, gdouble min, gdouble max, gdouble *out)
{
  const gchar *p = text;
  gdouble value;

  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  if (*p == '.') {
    p++;
    if (!g_ascii_isdigit (*p))
      return FALSE;
    while (g_ascii_isdigit (*p))
      p++;
  }
  if (*p != '\0')
    return FALSE;
  value = g_ascii_strtod (text, NULL);
  if (value < min || value > max)
    return FALSE;
  *out = value;
  return TRUE;
}

/* Reports a pair of thresholds that does not decrease, at the key this
 * group sets; a pair both inherited was reported with [health]. */
static void
hn_config_check_health_pair (HnConfigLoader *ld, const gchar *group, HnHealthDraft *d, guint hi)
{
  guint lo = hi + 1;
  guint at, other;
  const gchar *relation;
  g_autofree gchar *origin = NULL;

  if (d->mos[hi] > d->mos[lo])
    return;
  if (d->from[lo] == group) {
    at = lo;
    other = hi;
    relation = "below";
  } else if (d->from[hi] == group) {
    at = hi;
    other = lo;
    relation = "above";
  } else {
    return;
  }
  if (d->from[other] == group)
    origin = g_strdup ("");
  else if (d->from[other] == NULL)
    origin = g_strdup (" (the default)");
  else
    origin = g_strdup_printf (" (from [%s])", d->from[other]);
  hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, health_keys[at],
                              "%s=%s is not %s %s=%s%s; the thresholds must decrease: "
                              "mos-good > mos-ok > mos-bad",
                              health_keys[at], d->text[at], relation, health_keys[other],
                              d->text[other], origin);
}

/* Reads @group over @base (the built-in defaults for [health], [health]
 * for a tier's group) into @d. */
static void
hn_config_read_health (HnConfigLoader *ld,
                       const gchar *group,
                       const HnHealthDraft *base,
                       HnHealthDraft *d)
{
  d->ok = TRUE;
  for (guint i = 0; i < 3; i++) {
    gboolean present;
    g_autofree gchar *value = hn_config_get_string (ld, group, health_keys[i], &present);

    d->mos[i] = base->mos[i];
    d->text[i] = g_strdup (base->text[i]);
    d->from[i] = base->from[i];
    if (!present)
      continue;
    if (value == NULL || !hn_config_parse_decimal (value, 1.0, 4.5, &d->mos[i])) {
      if (value != NULL)
        hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, health_keys[i],
                                    "'%s' is not a decimal number from 1.0 to 4.5", value);
      d->ok = FALSE;
      continue;
    }
    g_free (d->text[i]);
    d->text[i] = g_steal_pointer (&value);
    d->from[i] = group;
  }
  if (!d->ok)
    return;
  hn_config_check_health_pair (ld, group, d, 0);
  hn_config_check_health_pair (ld, group, d, 1);
}

static void
hn_health_draft_to_thresholds (const HnHealthDraft *d, HnQualityThresholds *thresholds)
{
  thresholds->good_mos = d->mos[0];
  thresholds->ok_mos = d->mos[1];
  thresholds->bad_mos = d->mos[2];
}

/* [health] first, wherever it stands, then each [health TIER] over it */
static void
hn_config_read_health_groups (HnConfigLoader *ld, const gchar *const *groups, HnConfig *self)
{
  g_auto (HnHealthDraft) builtin = {
    .mos = { HN_QUALITY_DEFAULT_GOOD_MOS, HN_QUALITY_DEFAULT_OK_MOS, HN_QUALITY_DEFAULT_BAD_MOS },
    .text = { g_strdup_printf ("%.1f", HN_QUALITY_DEFAULT_GOOD_MOS),
              g_strdup_printf ("%.1f", HN_QUALITY_DEFAULT_OK_MOS),
              g_strdup_printf ("%.1f", HN_QUALITY_DEFAULT_BAD_MOS) },
    .ok = TRUE,
  };
  g_auto (HnHealthDraft) province = { 0 };
  const gchar *tier_group[HN_TIER_LAST] = { NULL };
  const gchar *const tiers[] = { "department", "district", "commune", NULL };

  hn_config_read_health (ld, "health", &builtin, &province);
  for (guint t = 0; t < HN_TIER_LAST; t++)
    hn_health_draft_to_thresholds (&province, &self->health[t]);

  for (guint i = 0; groups[i] != NULL; i++) {
    const gchar *g = groups[i];
    g_autofree gchar *name = NULL;
    g_auto (HnHealthDraft) d = { 0 };
    HnTier tier;

    if (!g_str_has_prefix (g, HEALTH_PREFIX))
      continue;
    name = g_strstrip (g_strdup (g + strlen (HEALTH_PREFIX)));
    if (!hn_tier_from_string (name, &tier)) {
      const gchar *hint = hn_util_suggest (name, tiers);

      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_UNKNOWN_TIER, g, NULL,
                                  "unknown tier '%s'%s%s%s; expected [health department], "
                                  "[health district] or [health commune]",
                                  name, hint != NULL ? " (did you mean '" : "",
                                  hint != NULL ? hint : "", hint != NULL ? "'?)" : "");
      continue;
    }
    if (tier == HN_TIER_HUB) {
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_UNKNOWN_GROUP, g, NULL,
                                  "the hub has no link of its own to rate; expected "
                                  "[health department], [health district] or [health commune]");
      continue;
    }
    /* "[health commune]" and "[health  commune]" are different groups */
    if (tier_group[tier] != NULL) {
      g_autofree gchar *where = hn_conf_source_describe_location (ld->src, tier_group[tier], NULL);

      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_DUPLICATE, g, NULL,
                                  "the thresholds of %s are already set by [%s] at %s",
                                  hn_tier_to_plural (tier), tier_group[tier], where);
      continue;
    }
    tier_group[tier] = g;
    hn_config_check_keys (ld, g, health_keys);
    hn_config_read_health (ld, g, &province, &d);
    hn_health_draft_to_thresholds (&d, &self->health[tier]);
  }
}

/* "127.0.0.1:8080", "0.0.0.0:8080", "[::1]:8080": an IP address (not a
 * host name, so what is listened on is never a DNS answer) and a port,
 * 0 for any free one */
static gboolean
hn_config_parse_listen (const gchar *text, gchar **host, guint *port)
{
  const gchar *colon = strrchr (text, ':');
  g_autofree gchar *name = NULL;
  g_autoptr (GInetAddress) inet = NULL;

  if (colon == NULL || !hn_util_parse_uint (colon + 1, 0, 65535, port))
    return FALSE;
  if (text[0] == '[' && colon > text + 1 && colon[-1] == ']')
    name = g_strndup (text + 1, colon - text - 2);
  else
    name = g_strndup (text, colon - text);
  /* an IPv6 address is written in brackets, as in a URL */
  if (strchr (name, ':') != NULL && text[0] != '[')
    return FALSE;
  inet = g_inet_address_new_from_string (name);
  if (inet == NULL || g_inet_address_get_is_multicast (inet))
    return FALSE;
  *host = g_inet_address_to_string (inet);
  return TRUE;
}

static void
hn_config_read_api (HnConfigLoader *ld, const gchar *group, const gchar *dir, HnConfig *self)
{
  gboolean present;
  g_autofree gchar *listen = hn_config_get_string (ld, group, "listen", &present);
  g_autofree gchar *open = hn_config_get_string (ld, group, "open-monitoring", &present);

  if (listen != NULL && !hn_config_parse_listen (listen, &self->api_host, &self->api_port))
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_ADDRESS, group, "listen",
                                "'%s' is not ADDRESS:PORT with an IP address and a port from 0 "
                                "to 65535 (e.g. 127.0.0.1:8080 or [::1]:8080)",
                                listen);
  self->api_token_file = hn_config_get_file_name (ld, group, "token-file", dir);
  self->api_tls_certificate = hn_config_get_file_name (ld, group, "tls-certificate", dir);
  self->api_tls_key = hn_config_get_file_name (ld, group, "tls-key", dir);
  if (open != NULL) {
    if (g_str_equal (open, "true"))
      self->api_open_monitoring = TRUE;
    else if (!g_str_equal (open, "false"))
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "open-monitoring",
                                  "'%s' is not true or false", open);
  }
  /* a listener without a token would be an open door to the network */
  if (g_key_file_has_key (ld->kf, group, "listen", NULL) &&
      !g_key_file_has_key (ld->kf, group, "token-file", NULL))
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_MISSING_KEY, group, NULL,
                                "required key 'token-file' is missing (the file holding the "
                                "bearer token clients of listen= must send)");
  if (g_key_file_has_key (ld->kf, group, "tls-certificate", NULL) !=
      g_key_file_has_key (ld->kf, group, "tls-key", NULL))
    hn_conf_source_add_problem (
        ld->src, HN_ERROR_CONFIG_MISSING_KEY, group, NULL,
        "tls-certificate and tls-key go together; '%s' is missing",
        g_key_file_has_key (ld->kf, group, "tls-key", NULL) ? "tls-certificate" : "tls-key");
}

/* The message for a group that is none of ours. A misspelt first word
 * of a two-word group ("[sit xa-dao-tru]", "[helth commune]") gets the
 * group it was meant to be. */
static void
hn_config_report_unknown_group (HnConfigLoader *ld, const gchar *g)
{
  const gchar *hint = hn_util_suggest (g, group_names);
  const gchar *space = strchr (g, ' ');

  if (hint == NULL && space != NULL && space > g) {
    g_autofree gchar *word = g_strndup (g, space - g);
    const gchar *word_hint = hn_util_suggest (word, group_names);

    if (word_hint != NULL &&
        (g_str_equal (word_hint, "site") || g_str_equal (word_hint, "health"))) {
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_UNKNOWN_GROUP, g, NULL,
                                  "unknown group; did you mean [%s%s]?", word_hint, space);
      return;
    }
  }
  if (hint != NULL && g_str_equal (hint, "site"))
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_UNKNOWN_GROUP, g, NULL,
                                "unknown group; a site is written [site ID]");
  else if (hint != NULL)
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_UNKNOWN_GROUP, g, NULL,
                                "unknown group; did you mean [%s]?", hint);
  else
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_UNKNOWN_GROUP, g, NULL,
                                "unknown group; expected [hub], [defaults], [health], "
                                "[health TIER], [api] or [site ID]");
}

/**
 * hn_config_new_from_file:
 * @path: the main file; drop-ins are read from "@path.d/\*.conf"
 *
 * Returns: (transfer full): the configuration, or %NULL with @error listing
 *   every problem found, one a line, each naming its file and line
 */
HnConfig *
hn_config_new_from_file (const gchar *path, GError **error)
{
  g_autoptr (HnConfig) self = NULL;
  g_autoptr (HnConfSource) src = hn_conf_source_new ();
  g_autoptr (GPtrArray) drafts = NULL;
  g_autofree gchar *dropin_dir = NULL;
  HnMediaSettings defaults = builtin_media;
  g_autofree gchar *dir = NULL;
  HnConfigLoader ld;
  const gchar *const *groups;

  g_return_val_if_fail (path != NULL, NULL);

  dropin_dir = g_strconcat (path, ".d", NULL);
  if (!hn_conf_source_load (src, path, dropin_dir, error))
    return NULL;
  if (!hn_conf_source_check (src, error))
    return NULL;

  self = g_object_new (HN_TYPE_CONFIG, NULL);
  ld.src = src;
  ld.kf = hn_conf_source_get_key_file (src);
  groups = hn_conf_source_get_groups (src);
  dir = g_path_get_dirname (path);

  for (guint i = 0; groups[i] != NULL; i++) {
    const gchar *g = groups[i];

    if (g_str_equal (g, "hub")) {
      hn_config_check_keys (&ld, g, hub_keys);
      hn_config_read_hub (&ld, g, dir, self);
    } else if (g_str_equal (g, "defaults")) {
      hn_config_check_keys (&ld, g, defaults_keys);
      hn_config_read_media (&ld, g, &defaults);
    } else if (g_str_equal (g, "health")) {
      hn_config_check_keys (&ld, g, health_keys);
    } else if (g_str_equal (g, "api")) {
      hn_config_check_keys (&ld, g, api_keys);
      hn_config_read_api (&ld, g, dir, self);
    } else if (!g_str_has_prefix (g, SITE_PREFIX) && !g_str_has_prefix (g, HEALTH_PREFIX)) {
      hn_config_report_unknown_group (&ld, g);
    }
  }
  hn_config_read_health_groups (&ld, groups, self);

  /* sites after [defaults], wherever that group stands */
  drafts = g_ptr_array_new_with_free_func ((GDestroyNotify) hn_site_draft_free);
  for (guint i = 0; groups[i] != NULL; i++) {
    HnSiteDraft *d;

    if (!g_str_has_prefix (groups[i], SITE_PREFIX))
      continue;
    d = hn_config_read_site (&ld, groups[i], &defaults);
    if (d != NULL)
      g_ptr_array_add (drafts, d);
  }
  hn_config_cross_check (&ld, drafts, self);

  if (!hn_conf_source_check (src, error))
    return NULL;

  self->path = g_strdup (path);
  self->files = g_strdupv ((gchar **) hn_conf_source_get_files (src));
  for (guint i = 0; i < drafts->len; i++) {
    HnSiteDraft *d = drafts->pdata[i];
    HnSite *site = hn_site_new (d->id, d->name, d->short_name, d->tier, d->code, d->district,
                                d->address, &d->media);

    g_ptr_array_add (self->sites, site);
    g_hash_table_insert (self->site_by_id, (gpointer) hn_site_get_id (site), site);
    self->tier_count[d->tier]++;
    if (d->tier == HN_TIER_HUB)
      self->hub = site;
  }
  return g_steal_pointer (&self);
}

const gchar *
hn_config_get_path (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  return self->path;
}

/**
 * hn_config_get_files:
 *
 * Returns: (transfer none): the main file and the drop-ins that were read
 */
const gchar *const *
hn_config_get_files (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  return (const gchar *const *) self->files;
}

const gchar *
hn_config_get_listen_address (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  return self->listen_address;
}

/**
 * hn_config_get_program_format:
 *
 * Returns: (transfer none): what the hub sends to the rooms
 */
const HnProgramFormat *
hn_config_get_program_format (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  return &self->program;
}

/**
 * hn_config_get_loss_window:
 *
 * Returns: over how many seconds a link's loss is measured
 */
guint
hn_config_get_loss_window (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), 15);
  return self->loss_window;
}

guint
hn_config_get_control_port (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), 0);
  return self->control_port;
}

guint
hn_config_get_media_port (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), 0);
  return self->media_port;
}

/**
 * hn_config_get_sites:
 *
 * Returns: (transfer none) (element-type HnSite): every site, in file order
 */
GPtrArray *
hn_config_get_sites (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  return self->sites;
}

/**
 * hn_config_get_site:
 *
 * Returns: (transfer none) (nullable): the site with @id
 */
HnSite *
hn_config_get_site (HnConfig *self, const gchar *id)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->site_by_id, id);
}

/**
 * hn_config_get_hub:
 *
 * Returns: (transfer none): the site with tier=hub
 */
HnSite *
hn_config_get_hub (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  return self->hub;
}

/**
 * hn_config_lookup_district:
 * @id_or_code: a district's site id ("huyen-tam-dao") or GSO code ("248")
 *
 * Returns: (transfer none) (nullable): the district site
 */
HnSite *
hn_config_lookup_district (HnConfig *self, const gchar *id_or_code)
{
  HnSite *site;

  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  g_return_val_if_fail (id_or_code != NULL, NULL);

  site = g_hash_table_lookup (self->site_by_id, id_or_code);
  if (site != NULL)
    return hn_site_get_tier (site) == HN_TIER_DISTRICT ? site : NULL;
  for (guint i = 0; i < self->sites->len; i++) {
    site = self->sites->pdata[i];
    if (hn_site_get_tier (site) == HN_TIER_DISTRICT &&
        g_strcmp0 (hn_site_get_code (site), id_or_code) == 0)
      return site;
  }
  return NULL;
}

guint
hn_config_count_tier (HnConfig *self, HnTier tier)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), 0);
  g_return_val_if_fail (tier < HN_TIER_LAST, 0);
  return self->tier_count[tier];
}

/**
 * hn_config_get_health_thresholds:
 *
 * Returns: (transfer none): the MOS thresholds for the links of sites of
 *   @tier: [health TIER] over [health] over the built-in defaults (the hub
 *   gets [health]'s)
 */
const HnQualityThresholds *
hn_config_get_health_thresholds (HnConfig *self, HnTier tier)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  g_return_val_if_fail (tier < HN_TIER_LAST, NULL);
  return &self->health[tier];
}

/**
 * hn_config_describe_counts:
 *
 * Returns: e.g. "148 sites (1 hub, 2 departments, 9 districts, 136 communes)"
 */
gchar *
hn_config_describe_counts (HnConfig *self)
{
  g_autoptr (GString) s = g_string_new (NULL);

  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);

  g_string_append_printf (s, "%u site%s (", self->sites->len, self->sites->len == 1 ? "" : "s");
  for (guint t = 0; t < HN_TIER_LAST; t++) {
    guint n = self->tier_count[t];

    g_string_append_printf (s, "%s%u %s", t > 0 ? ", " : "", n,
                            n == 1 ? hn_tier_to_string (t) : hn_tier_to_plural (t));
  }
  g_string_append_c (s, ')');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/**
 * hn_config_get_api_listen:
 * @port: (out) (optional): the port of [api] listen=, 0 for any free one
 *
 * Returns: (nullable): the address of [api] listen=, or %NULL when the API
 *   listens on its local socket only
 */
const gchar *
hn_config_get_api_listen (HnConfig *self, guint *port)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  if (port != NULL)
    *port = self->api_port;
  return self->api_host;
}

/**
 * hn_config_get_api_token_file:
 *
 * Returns: (nullable): the absolute name of [api] token-file=
 */
const gchar *
hn_config_get_api_token_file (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), NULL);
  return self->api_token_file;
}

/**
 * hn_config_get_api_open_monitoring:
 *
 * Returns: whether /health and /metrics answer on TCP without a token
 */
gboolean
hn_config_get_api_open_monitoring (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), FALSE);
  return self->api_open_monitoring;
}

/**
 * hn_config_get_api_tls:
 * @certificate: (out) (optional) (nullable): the PEM certificate file
 * @key: (out) (optional) (nullable): the PEM key file
 *
 * Returns: whether the TCP listener speaks HTTPS (both files are set)
 */
gboolean
hn_config_get_api_tls (HnConfig *self, const gchar **certificate, const gchar **key)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), FALSE);
  if (certificate != NULL)
    *certificate = self->api_tls_certificate;
  if (key != NULL)
    *key = self->api_tls_key;
  return self->api_tls_certificate != NULL && self->api_tls_key != NULL;
}

/**
 * hn_config_get_control_tls:
 * @certificate: (out) (optional): the certificate file of the control
 *   channel ([hub] tls-certificate=)
 * @key: (out) (optional): its private key ([hub] tls-key=)
 *
 * Returns: whether both are set
 */
gboolean
hn_config_get_control_tls (HnConfig *self, const gchar **certificate, const gchar **key)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), FALSE);
  if (certificate != NULL)
    *certificate = self->control_tls_certificate;
  if (key != NULL)
    *key = self->control_tls_key;
  return self->control_tls_certificate != NULL && self->control_tls_key != NULL;
}

/**
 * hn_config_get_insecure:
 *
 * Returns: whether [hub] insecure=true: the lab mode with a plain ws
 *   control channel, static tokens and plain RTP
 */
gboolean
hn_config_get_insecure (HnConfig *self)
{
  g_return_val_if_fail (HN_IS_CONFIG (self), FALSE);
  return self->insecure;
}
